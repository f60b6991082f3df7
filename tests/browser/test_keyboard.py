"""The staff journey's main part with the keyboard only (Tab, Shift+Tab, Enter, Space, Escape):
the focus stays visible, and after each htmx swap it lands where a person expects it: on the
first field with a mistake, or on the message that says what happened."""
from playwright.sync_api import expect

from .helpers import (DEMO_PASSWORD, STAFF, assert_focus_visible, check_a11y, expect_focus,
                      tab_to)


def test_goal_and_network_with_the_keyboard_only(demo_server, page):
    base = demo_server
    keys = page.keyboard
    page.emulate_media(color_scheme="dark")  # axe checks the contrast of the dark colours too
    page.goto(base + "/login")
    tab_to(page, page.get_by_label("Sähköposti"))
    keys.type(STAFF)
    keys.press("Tab")
    keys.type(DEMO_PASSWORD)
    keys.press("Enter")
    expect(page).to_have_url(base + "/")

    # The skip link comes first and takes the reader to the content.
    keys.press("Tab")
    skip = page.get_by_role("link", name="Siirry sisältöön")
    expect_focus(skip)
    assert_focus_visible(page)

    tab_to(page, page.get_by_role("navigation", name="Päävalikko").get_by_role("link", name="Asiakkaat"))
    keys.press("Enter")
    expect(page.get_by_role("heading", name="Asiakkaat", level=1)).to_be_visible()
    tab_to(page, page.get_by_label("Hae nimellä"))
    keys.type("Tuuli")
    client_link = page.locator("#client-results").get_by_role("link", name="Tuuli", exact=True)
    expect(client_link).to_be_visible()
    tab_to(page, client_link)
    keys.press("Enter")
    expect(page.get_by_role("heading", name="Tuuli", level=1)).to_be_visible()
    goals = page.get_by_role("region", name="Tavoitteet")
    expect(goals.get_by_role("button", name="Lisää tavoite")).to_be_visible()
    # The sections that load themselves neither take the focus nor scroll the page.
    expect(page.locator("[aria-busy=true]")).to_have_count(0)
    assert page.evaluate("window.scrollY") == 0
    assert page.evaluate("document.activeElement === document.body || "
                         "document.activeElement.closest('main') === null")

    # A goal: the means first and no goal text, a mistake; focus lands on the goal field.
    tab_to(page, goals.get_by_label("Keinot"))
    keys.type("Kysytään ryhmästä yhdessä.")
    tab_to(page, goals.get_by_role("button", name="Lisää tavoite"))
    keys.press("Enter")
    goal_text = page.get_by_role("region", name="Tavoitteet").get_by_label("Tavoite asiakkaan omin sanoin")
    expect_focus(goal_text)
    assert_focus_visible(page)
    expect(goal_text).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_role("region", name="Tavoitteet").get_by_label("Keinot")).to_have_value(
        "Kysytään ryhmästä yhdessä.")
    keys.type("Haluan löytää harrastuksen.")
    tab_to(page, page.get_by_role("region", name="Tavoitteet").get_by_role("button", name="Lisää tavoite"))
    keys.press("Space")
    done = page.get_by_role("region", name="Tavoitteet").get_by_role("status")
    expect(done).to_have_text("Tavoite on lisätty.")
    expect_focus(done)
    assert_focus_visible(page)

    # Someone in the network: open the form with Enter, choose with the arrow keys, Escape closes.
    network = page.locator("#section-network")
    summary = network.get_by_text("Lisää joku verkostoon", exact=True)
    tab_to(page, summary)
    keys.press("Enter")
    name = network.get_by_label("Nimi", exact=True)
    expect(name).to_be_visible()
    keys.press("Escape")
    expect(name).to_be_hidden()
    expect_focus(summary)
    keys.press("Enter")
    tab_to(page, name)
    keys.type("Kummitäti Kaija")
    tab_to(page, network.get_by_role("button", name="Tallenna"))
    keys.press("Enter")
    added = page.locator("#section-network").get_by_role("status")
    expect(added).to_have_text("Lisätty verkostoon.")
    expect_focus(added)
    assert_focus_visible(page)
    expect(page.locator("#section-network").get_by_role("listitem").filter(
        has_text="Kummitäti Kaija")).to_be_visible()
    check_a11y(page, "client page after keyboard use")
