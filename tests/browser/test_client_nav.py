"""A worker's day on a phone and on a laptop: from the home page straight to the very task or goal,
between the client's sections by their own addresses, and back with the browser's back button."""
import re

import pytest
from playwright.sync_api import expect

from .helpers import STAFF, check_a11y, sign_in

SECTION_NAV = "Asiakastietojen osiot"


def _nav(page):
    return page.get_by_role("navigation", name=SECTION_NAV)


def _in_view(page, selector: str) -> bool:
    """Whether the element's top is within the window (the page scrolled to it)."""
    return page.evaluate("""(selector) => {
        const box = document.querySelector(selector).getBoundingClientRect();
        return box.top >= -1 && box.top < window.innerHeight;
    }""", selector)


def _settled(page) -> None:
    """Wait until the page reloaded after a step back has finished loading.

    With no history cache, a step back reloads the page; a second step taken while that page is
    still starting would reach a document whose script has not yet begun to listen for it.
    """
    page.wait_for_function("() => document.readyState === 'complete'")


def _no_sideways_scroll(page) -> bool:
    """Whether the summary, the section links and the section itself fit the window's width."""
    return page.evaluate("""() => Array.from(document.querySelectorAll(
        '#client-summary, .section-nav, .section-nav li, .client-section > h2, .peer-notice'))
        .every(e => e.getBoundingClientRect().right <= window.innerWidth + 1)""")


@pytest.mark.parametrize("width,height", [(390, 844), (1280, 900)], ids=["phone", "laptop"])
def test_home_link_opens_the_item_and_back_returns(demo_server, page, width, height):
    base = demo_server
    page.set_viewport_size({"width": width, "height": height})
    sign_in(page, base, STAFF)

    # A task due this week leads to its row in the client's tasks section.
    task_link = page.locator("main a[href*='/tasks#task-']").first
    href = task_link.get_attribute("href")
    client_path, anchor = re.fullmatch(r"(/clients/\d+)/tasks#(task-\d+)", href).groups()
    task_link.click()
    expect(page).to_have_url(base + href)
    row = page.locator(f"#{anchor}")
    expect(row).to_be_visible()
    assert _in_view(page, f"#{anchor}"), "the page did not open at the task"
    nav = _nav(page)
    expect(nav.locator("[aria-current=page]")).to_have_text("Seurantatehtävät")
    expect(page.locator("#client-summary")).to_be_visible()
    assert _no_sideways_scroll(page)
    check_a11y(page, f"tasks section at {width} px")

    # Another section is a page of its own, with its own address.
    nav.get_by_role("link", name="Tavoitteet", exact=True).click()
    expect(page).to_have_url(base + client_path + "/goals")
    expect(page.locator("#section-goals")).to_be_visible()
    expect(_nav(page).locator("[aria-current=page]")).to_have_text("Tavoitteet")
    expect(page.locator("#section-tasks")).to_have_count(0)

    # Back: the tasks section again, marked as where the user is.
    page.go_back()
    expect(page).to_have_url(base + href)
    expect(page.locator(f"#{anchor}")).to_be_visible()
    expect(_nav(page).locator("[aria-current=page]")).to_have_text("Seurantatehtävät")
    _settled(page)

    # Back again: the home page; a goal review there leads to the goal itself.
    page.go_back()
    expect(page).to_have_url(base + "/")
    expect(page.locator("#client-summary")).to_have_count(0)
    goal_link = page.locator("main a[href*='/goals#goal-']").first
    goal_href = goal_link.get_attribute("href")
    goal_anchor = goal_href.split("#")[1]
    goal_link.click()
    expect(page).to_have_url(base + goal_href)
    expect(page.locator(f"#{goal_anchor}")).to_be_visible()
    assert _in_view(page, f"#{goal_anchor}"), "the page did not open at the goal"

    # The whole client page is still there for those who want everything at once.
    _nav(page).get_by_role("link", name="Kaikki osiot").click()
    expect(page).to_have_url(re.compile(re.escape(base) + r"/clients/\d+$"))
    expect(_nav(page).locator("[aria-current=page]")).to_have_text("Kaikki osiot")
    expect(page.locator("#section-goals")).to_be_visible()
    expect(page.locator("#section-tasks")).to_be_visible()
    assert _no_sideways_scroll(page)


def test_a_section_opens_directly_from_its_address(demo_server, page):
    base = demo_server
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, base, STAFF)
    page.goto(base + "/clients/1/consents")
    expect(page.get_by_role("heading", name="Suostumukset", level=2)).to_be_visible()
    expect(_nav(page).locator("[aria-current=page]")).to_have_text("Suostumukset")
    # The opener of the consent form looks and acts like a button, named by what it does.
    opener = page.locator("#section-consents summary.opener")
    expect(opener).to_have_text("Kirjaa suostumus")
    assert opener.evaluate("e => getComputedStyle(e).borderStyle") == "solid"
    opener.click()
    expect(page.locator("#section-consents details")).to_have_attribute("open", "")
    check_a11y(page, "consents section on a phone")
