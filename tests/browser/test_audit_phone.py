"""The access log and the caseloads on a phone: sentences that fit the screen, no sideways scroll."""
import os

from playwright.sync_api import expect

from .helpers import check_a11y, sign_in

ADMIN = "paakayttaja@demo.example.org"


def _wide_in_main(page) -> list[str]:
    """The page's own content (not the site navigation) that reaches past the screen's edge."""
    return page.evaluate("""[...document.querySelectorAll('main *')]
        .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
        .map(e => e.tagName + '#' + e.id + '.' + e.className).slice(0, 12)""")


def test_access_log_and_caseloads_on_a_phone(demo_server, page, tmp_path):
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, demo_server, ADMIN)
    page.goto(demo_server + "/admin/audit")
    entries = page.locator("#audit-entries > li")
    expect(entries.first).to_be_visible()
    expect(page.locator("#audit-entries").get_by_text("kirjautui sisään").first).to_be_visible()
    assert _wide_in_main(page) == [], "the access log is wider than a 390 px screen"
    check_a11y(page, "access log at 390 px")
    page.screenshot(path=str(os.environ.get("SCREENSHOT_DIR", tmp_path)) + "/audit-390.png",
                    full_page=True)

    # A client's name in a sentence leads to the client.
    link = page.locator("#audit-entries a[href^='/clients/']").first
    if link.count():
        href = link.get_attribute("href")
        link.click()
        expect(page).to_have_url(demo_server + href)

    page.goto(demo_server + "/clients/caseload")
    expect(page.get_by_role("heading", name="Asiakasmäärät")).to_be_visible()
    check_a11y(page, "caseloads at 390 px")
    page.screenshot(path=str(os.environ.get("SCREENSHOT_DIR", tmp_path)) + "/caseload-390.png")
