"""The client record in a real browser: a staff member at work, and a peer supporter's view."""
import re

from playwright.sync_api import expect

PASSWORD = "kokeile-demoa-rauhassa"


def sign_in(page, base, email):
    page.goto(base + "/login")
    page.get_by_label("Sähköposti").fill(email)
    page.get_by_label("Salasana").fill(PASSWORD)
    page.get_by_role("button", name="Kirjaudu sisään").click()
    expect(page).to_have_url(base + "/")


def test_staff_adds_a_client_and_a_goal_in_place(demo_server, page):
    base = demo_server
    sign_in(page, base, "ohjaaja@demo.example.org")
    page.get_by_role("link", name="Asiakkaat").first.click()
    page.get_by_role("button", name="Lisää asiakas").click()
    page.get_by_label("Nimi tai lempinimi").fill("Kettu")
    page.get_by_label("Syntymävuosi").fill("1850")
    page.get_by_role("button", name="Tallenna").click()
    # The mistake is shown beside the field and the name is kept.
    expect(page.locator("#birth_year-error")).to_be_visible()
    expect(page.get_by_label("Nimi tai lempinimi")).to_have_value("Kettu")
    page.get_by_label("Syntymävuosi").fill("1990")
    page.get_by_role("button", name="Tallenna").click()
    expect(page.get_by_role("heading", name="Kettu", level=1)).to_be_visible()

    # The goals section loads in place; a goal is added with htmx, a mistake first.
    goals = page.locator("#section-goals")
    expect(goals).to_be_visible()
    adder = goals.locator("details.goal-new")
    if adder.get_attribute("open") is None:  # open already when the client has no goals yet
        adder.locator("summary").click()
    means = goals.locator("textarea[name=means]").first
    means.fill("Soitetaan yhdessä vuokranantajalle")
    goals.locator("form").first.locator("button[type=submit]").click()
    # Wait for the answer to be swapped in before typing into the form it replaces.
    expect(page.locator("#section-goals .field-error").first).to_be_visible()
    expect(page.locator("#section-goals textarea[name=means]").first).to_have_value(
        "Soitetaan yhdessä vuokranantajalle")
    page.locator("#section-goals textarea[name=text]").first.fill("Haluan oman asunnon.")
    page.locator("#section-goals form").first.locator("button[type=submit]").click()
    expect(page.locator("#section-goals").get_by_text("Haluan oman asunnon.")).to_be_visible()

    # Search as you type finds the new client.
    page.get_by_role("link", name="Asiakkaat").first.click()
    expect(page).to_have_url(base + "/clients/")
    page.get_by_label("Hae nimellä").press_sequentially("ket", delay=60)
    expect(page.locator("#client-results").get_by_role("link", name="Kettu")).to_be_visible()
    expect(page.locator("#client-results").get_by_role("link", name="Ruusu")).to_have_count(0)


def test_peer_sees_only_paired_clients_and_allowed_sections(demo_server, page):
    base = demo_server
    sign_in(page, base, "vertainen@demo.example.org")
    page.goto(base + "/clients/")
    results = page.locator("#client-results")
    expect(results.get_by_role("link", name="Ruusu")).to_be_visible()
    expect(results.get_by_role("link", name="Maja")).to_have_count(0)
    results.get_by_role("link", name="Ruusu").click()
    expect(page.locator("#section-goals")).to_be_visible()
    expect(page.locator("#section-network")).to_have_count(0)
    expect(page.get_by_role("link", name="Muokkaa tietoja")).to_have_count(0)
    assert "Rosa Virtanen" not in page.content()
    # Other clients and sections are simply not there.
    for path in ("/clients/3", "/clients/1/network", "/clients/1/peers", "/clients/1/edit"):
        response = page.goto(base + path)
        assert response.status in (403, 404), path
        assert "Ruusu" not in page.content() or path.startswith("/clients/1/")
        assert "Rosa Virtanen" not in page.content()
