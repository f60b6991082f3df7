"""On a phone (390 px wide): putting a contact agreement into force asks once more, by a panel
that names what happens, takes the focus and offers "Yes" and "Cancel" (found by their accessible
names only)."""
import re

import pytest
from playwright.sync_api import expect

from .helpers import STAFF, TIMEZONE, check_a11y, sign_in
from .test_journeys_staff import today_iso


@pytest.fixture
def phone(browser):
    context = browser.new_context(locale="fi-FI", timezone_id=TIMEZONE,
                                  viewport={"width": 390, "height": 844})
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    expect.set_options(timeout=15_000)
    yield tab
    context.close()


def test_putting_an_agreement_into_force_asks_once_more_on_a_phone(demo_server, phone):
    page = phone
    base = demo_server
    sign_in(page, base, STAFF)
    # The first demo client has an agreement in force; a new version is made and signed.
    page.goto(base + "/clients/1/agreement")
    page.get_by_role("button", name="Tee uusi versio").click()
    expect(page.get_by_role("heading", name=re.compile("Yhteydenpitosopimus, versio 2"))).to_be_visible()

    signed = page.get_by_label("Asiakas allekirjoitti")
    expect(signed).to_have_value("")  # the signing date is the user's to give
    signed.fill(today_iso(page))
    page.get_by_role("button", name="Ota sopimus käyttöön").click()

    # The question, with what will happen; the focus is on it, and nothing has happened yet.
    panel = page.get_by_role("group", name="Otetaanko sopimus käyttöön?")
    expect(panel).to_be_visible()
    expect(page.get_by_role("heading", name="Otetaanko sopimus käyttöön?")).to_be_focused()
    expect(panel).to_contain_text("versio 1")  # the version in force now is replaced
    check_a11y(page, "asking before the agreement comes into force")

    # Cancel goes back to the editor, the draft still a draft.
    panel.get_by_role("button", name="Peruuta").click()
    expect(page.get_by_role("button", name="Ota sopimus käyttöön")).to_be_visible()
    expect(page.get_by_role("group", name="Otetaanko sopimus käyttöön?")).to_have_count(0)

    page.get_by_label("Asiakas allekirjoitti").fill(today_iso(page))
    page.get_by_role("button", name="Ota sopimus käyttöön").click()
    page.get_by_role("group", name="Otetaanko sopimus käyttöön?").get_by_role(
        "button", name="Kyllä, ota sopimus käyttöön").click()
    expect(page.get_by_role("status").filter(has_text="Sopimus on nyt voimassa.")).to_have_count(1)
    expect(page.get_by_role("heading", name=re.compile("Yhteydenpitosopimus, versio 2"))).to_be_visible()
