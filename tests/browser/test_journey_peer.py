"""A peer supporter in a real browser: only the paired clients, and within them only the sections
the client has allowed. Other sections and clients show nothing of themselves, whatever URL is
typed in."""
from playwright.sync_api import expect

from .helpers import PEER, check_a11y, sign_in

# Ruusu (client 1) and Kalle (client 2) are paired with the peer and allow goals, contacts,
# tasks and errands. Maja (client 3) is not paired. (Liisa Linkki is not listed: she owns a
# follow-up task from a network meeting, and tasks are a section Ruusu allows.)
HIDDEN_FROM_PEER = ["Rosa Virtanen", "Mirja Mielinen", "Äiti", "Naapurin Sirpa",
                    "Vuokrarästit ovat kasvaneet", "Annan luvan", "Maja Lindqvist", "Bostadsbidrag"]


def body_text(page):
    return page.locator("body").inner_text()


def test_peer_sees_only_the_paired_client_and_allowed_sections(demo_server, page):
    base = demo_server
    page.emulate_media(color_scheme="dark")  # axe checks the contrast of the dark colours too
    sign_in(page, base, PEER)
    expect(page.get_by_role("heading", name="Hei, Matti Vertainen")).to_be_visible()
    check_a11y(page, "peer home")
    page.get_by_role("link", name="Asiakkaat", exact=True).first.click()
    results = page.get_by_role("heading", name="Asiakkaat", level=1)
    expect(results).to_be_visible()
    expect(page.get_by_role("link", name="Ruusu", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Maja", exact=True)).to_have_count(0)
    expect(page.get_by_role("link", name="Sam", exact=True)).to_have_count(0)
    check_a11y(page, "peer client list")

    page.get_by_role("link", name="Ruusu", exact=True).click()
    expect(page.get_by_role("heading", name="Ruusu", level=1)).to_be_visible()
    expect(page.get_by_role("region", name="Tavoitteet")).to_be_visible()
    for heading in ("Asioinnit", "Yhteydenotot", "Seurantatehtävät"):
        expect(page.get_by_role("heading", name=heading, level=2, exact=True)).to_be_visible()
    for heading in ("Verkosto", "Suostumukset", "Yhteydenpitosopimus", "Verkostopalaverit"):
        expect(page.get_by_role("heading", name=heading, level=2, exact=True)).to_have_count(0)
    expect(page.get_by_role("button", name="Muokkaa tietoja")).to_have_count(0)
    check_a11y(page, "peer view of a client")
    text = body_text(page)
    for secret in HIDDEN_FROM_PEER:
        assert secret not in text, secret

    # Typing the addresses of other sections and of another client shows nothing of them.
    for path in ("/clients/1/network", "/clients/1/network.svg", "/clients/1/consents",
                 "/clients/1/consents/1", "/clients/1/agreement", "/clients/1/agreement/1",
                 "/clients/1/agreement/1/pdf", "/clients/1/meetings", "/clients/1/meetings/1",
                 "/clients/1/notifications", "/clients/1/peers", "/clients/1/edit",
                 "/clients/1/ending", "/clients/3", "/clients/3/goals", "/clients/3/errands",
                 "/clients/3/errands/2", "/clients/3/errands/2/checklist.pdf", "/admin/audit"):
        response = page.goto(base + path)
        assert response.status in (403, 404), (path, response.status)
        text = body_text(page)
        for secret in HIDDEN_FROM_PEER + ["Ruusu" if path.startswith("/clients/3") else "Maja"]:
            assert secret not in text, (path, secret)
        expect(page.get_by_role("heading", level=1)).to_have_text(
            ["Sivua ei löytynyt"] if response.status == 404 else ["Ei käyttöoikeutta"])
    check_a11y(page, "not found page")
