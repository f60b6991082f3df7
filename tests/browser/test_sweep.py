"""Every page each role can reach, at phone and laptop width: nothing scrolls sideways, sign-out
is always within reach, axe-core finds nothing serious, the console stays clean and no request
fails.

For each role of the demo association the crawl starts from the home page and follows every
same-origin link (GET only; nothing here changes data). Numbers in paths are read as ids, so each
kind of page (a client page, an errand page, ...) is visited at most PER_KIND times. Downloads
(PDF, CSV, images) and sign-out are not followed. Closed disclosures (<details>) are opened too,
since the forms behind them must fit the phone as well. Controls must be at least 24 × 24 px
and date and time fields must open the phone's own pickers.
"""
from __future__ import annotations

import re
from collections import deque
from urllib.parse import urlsplit, urlunsplit

import pytest
from playwright.sync_api import expect

from .conftest import _serve
from .helpers import PEER, STAFF, TIMEZONE, _axe_source, sign_in

ADMIN = "paakayttaja@demo.example.org"
ROLES = {"admin": ADMIN, "staff": STAFF, "peer": PEER}
WIDTHS = {"phone": {"width": 390, "height": 844}, "laptop": {"width": 1280, "height": 800}}
PER_KIND = 2
SIGN_OUT = "Kirjaudu ulos"
# WCAG 2.2 AA as well: its target-size rule checks the 24 × 24 px touch targets.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
FAILING_IMPACTS = {"serious", "critical"}
# Files, not pages: followed by no one here (other tests check the PDFs and the CSV).
NOT_PAGES = re.compile(r"(\.pdf|\.csv|\.svg|\.json|/pdf|/settings/logo)$")

# No xdist_group: the six crawls (about 40 s each) spread over the workers, each worker starting
# the demo server once for this module.
pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def sweep_server(tmp_path_factory):
    """One demo association for the whole sweep: the crawl only reads."""
    yield from _serve(tmp_path_factory.mktemp("sweep"), demo=True)


def kind_of(path: str, query: str) -> str:
    """The kind of a page: its path with ids as N, and the names (not values) of its query."""
    keys = sorted({part.split("=")[0] for part in query.split("&") if part})
    return re.sub(r"/\d+(?=/|$)", "/N", path) + ("?" + "&".join(keys) if keys else "")


def settle(page) -> None:
    """Wait until the page and the sections it loads by itself are there."""
    page.wait_for_load_state("load")
    expect(page.locator("[aria-busy=true]")).to_have_count(0)
    expect(page.locator(".htmx-request")).to_have_count(0)
    page.evaluate("""async () => {
        const until = Date.now() + 3000;
        while (document.getAnimations().some(a => a.playState === 'running') && Date.now() < until)
            await new Promise(done => setTimeout(done, 50));
    }""")


def sideways_overflow(page) -> str | None:
    """None if the page fits its width, else what sticks out (the outermost few elements)."""
    return page.evaluate("""() => {
        const root = document.scrollingElement, width = window.innerWidth;
        if (root.scrollWidth <= width) return null;
        const clipped = e => { for (let p = e.parentElement; p && p !== document.body; p = p.parentElement)
            if (getComputedStyle(p).overflowX !== 'visible') return true; return false; };
        const out = [];
        for (const e of document.body.querySelectorAll('*')) {
            const box = e.getBoundingClientRect();
            if (!box.width || box.right <= width + 1 || !e.checkVisibility()) continue;
            if (getComputedStyle(e).position !== 'absolute' && clipped(e)) continue;
            if (out.some(o => o.element.contains(e))) continue;
            const name = e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
                (typeof e.className === 'string' && e.className.trim() ? '.' + e.className.trim().split(/\\s+/).join('.') : '');
            out.push({element: e, text: `${name} right=${Math.round(box.right)} "${(e.textContent || '').trim().replace(/\\s+/g, ' ').slice(0, 40)}"`});
            if (out.length >= 4) break;
        }
        return `scrollWidth ${root.scrollWidth} > innerWidth ${width}: ` + out.map(o => o.text).join('; ');
    }""")


def small_targets(page) -> list[str]:
    """Controls smaller than 24 × 24 px (WCAG 2.2, 2.5.8), stricter than axe's target-size rule,
    which lets a small control pass when nothing else is near: buttons, menu and disclosure
    buttons, form fields and links that stand on their own (a link inside a sentence may be as
    small as its text)."""
    return page.evaluate("""() => {
        const controls = 'button, summary, select, textarea, [role=button], a[href], ' +
            'input:not([type=hidden])';
        return Array.from(document.querySelectorAll(controls)).filter(e => {
            if (!e.checkVisibility({visibilityProperty: true}) || e.closest('.visually-hidden, .skip-link')) return false;
            if (e.tagName === 'A' && getComputedStyle(e).display === 'inline') return false;
            const box = e.getBoundingClientRect();
            return box.width > 1 && (box.width < 23.5 || box.height < 23.5);
        }).slice(0, 5).map(e => { const box = e.getBoundingClientRect();
            return `${e.tagName.toLowerCase()}${e.name ? '[name=' + e.name + ']' : ''} ` +
                   `"${(e.textContent || '').trim().slice(0, 30)}" ${Math.round(box.width)}×${Math.round(box.height)}`; });
    }""")


def dates_typed_as_text(page) -> list[str]:
    """Fields that hold a date or a time but are plain text fields: a phone shows no picker."""
    return page.evaluate("""() => Array.from(document.querySelectorAll('input[type=text]'))
        .filter(e => /^(\\d{1,2}\\.\\d{1,2}\\.\\d{4}|\\d{4}-\\d{2}-\\d{2}|\\d{1,2}[.:]\\d{2})$/.test(e.value.trim()))
        .map(e => e.name)""")


def open_all_details(page) -> None:
    page.evaluate("() => document.querySelectorAll('main details:not([open])').forEach(d => d.open = true)")
    settle(page)


def sign_out_reachable(page) -> str | None:
    """None if the sign-out button can be seen and pressed, opening the menu first if needed."""
    button = page.get_by_role("button", name=SIGN_OUT, include_hidden=True)
    if button.count() != 1:
        return f"{button.count()} sign-out buttons on the page"
    opened = False
    if not button.is_visible():
        menu = page.locator("header details > summary")
        if menu.count() != 1 or not menu.is_visible():
            return "sign-out is hidden and there is no menu button to show it"
        menu.click()
        opened = True
    try:
        if not button.is_visible():
            return "sign-out is not visible even with the menu open"
        box = button.bounding_box()
        width = page.viewport_size["width"]
        if box is None or box["x"] < 0 or box["x"] + box["width"] > width:
            return f"sign-out lies outside the {width} px wide window: {box}"
    finally:
        if opened:
            page.locator("header details > summary").click()
    return None


def axe_findings(page) -> list[str]:
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(_axe_source())
    violations = page.evaluate(
        """async (tags) => {
            const r = await axe.run(document, {runOnly: {type: 'tag', values: tags},
                                              resultTypes: ['violations']});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 4).map(n => n.target.join(' '))}));
        }""", AXE_TAGS)
    return [f"axe {v['id']} ({v['impact']}): {v['help']} at {', '.join(v['nodes'])}"
            for v in violations if v["impact"] in FAILING_IMPACTS]


def same_origin_links(page, base: str) -> list[str]:
    hrefs = page.evaluate("""() => Array.from(document.querySelectorAll('a[href]'))
        .filter(a => !a.hasAttribute('download') && !a.closest('[hx-boost=false]'))
        .map(a => a.href)""")
    origin = urlsplit(base)
    links = []
    for href in hrefs:
        parts = urlsplit(href)
        if (parts.scheme, parts.netloc) != (origin.scheme, origin.netloc):
            continue
        if NOT_PAGES.search(parts.path) or parts.path.startswith("/static/"):
            continue
        links.append(urlunsplit((parts.scheme, parts.netloc, parts.path, parts.query, "")))
    return links


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("role", ROLES)
def test_every_reachable_page_fits_and_passes(sweep_server, browser, role, width):
    base = sweep_server
    context = browser.new_context(locale="fi-FI", timezone_id=TIMEZONE, viewport=WIDTHS[width])
    page = context.new_page()
    page.set_default_timeout(15_000)
    expect.set_options(timeout=15_000)
    problems: list[str] = []
    current = {"url": ""}

    def note(message: str) -> None:
        problems.append(f"{current['url'] or '(sign-in)'}: {message}")

    page.on("console", lambda m: note(f"console {m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda error: note(f"page error: {error}"))
    page.on("response", lambda r: note(f"{r.status} from {r.request.method} {r.url}")
            if r.status >= 400 else None)
    page.on("requestfailed", lambda r: note(f"request failed: {r.method} {r.url} ({r.failure})"))
    try:
        # The sign-in page first: it is the first page everyone sees, on any device.
        current["url"] = base + "/login"
        page.goto(base + "/login")
        settle(page)
        overflow = sideways_overflow(page)
        if overflow:
            note(overflow)
        problems.extend(f"{base}/login: {finding}" for finding in axe_findings(page))
        current["url"] = ""
        sign_in(page, base, ROLES[role])
        queue, visited, kinds = deque([base + "/"]), set(), {}
        while queue:
            url = queue.popleft()
            parts = urlsplit(url)
            kind = kind_of(parts.path, parts.query)
            if url in visited or kinds.get(kind, 0) >= PER_KIND:
                continue
            visited.add(url)
            kinds[kind] = kinds.get(kind, 0) + 1
            current["url"] = url
            response = page.goto(url)
            if response is None or "text/html" not in response.headers.get("content-type", ""):
                continue
            settle(page)
            if page.url.startswith(base + "/login"):
                note("signed out while crawling")
                break
            links = same_origin_links(page, base)
            overflow = sideways_overflow(page)
            if overflow:
                note(overflow)
            trouble = sign_out_reachable(page)
            if trouble:
                note(trouble)
            problems.extend(f"{url}: {finding}" for finding in axe_findings(page))
            open_all_details(page)
            overflow = sideways_overflow(page)
            if overflow:
                note("with every disclosure open: " + overflow)
            for target in small_targets(page):
                note("touch target smaller than 24 × 24 px: " + target)
            for name in dates_typed_as_text(page):
                note(f"the date or time field {name!r} is a text field, not type=date or type=time")
            queue.extend(link for link in links if link not in visited)
        current["url"] = ""
        assert len(kinds) >= 5, f"the crawl found too few pages: {sorted(kinds)}"
        print(f"{role} at {width}: {len(visited)} pages of {len(kinds)} kinds")
    finally:
        context.close()
    assert not problems, f"{len(problems)} problems for {role} at {width}:\n" + "\n".join(problems)


def test_the_menu_opens_without_javascript_on_a_phone_and_stays_open_on_a_laptop(sweep_server, browser):
    base = sweep_server
    phone = browser.new_context(locale="fi-FI", timezone_id=TIMEZONE,
                                viewport=WIDTHS["phone"], java_script_enabled=False)
    try:
        page = phone.new_page()
        page.set_default_timeout(15_000)
        sign_in(page, base, STAFF)
        menu = page.get_by_text("Valikko", exact=True)
        sign_out = page.get_by_role("button", name=SIGN_OUT)
        clients = page.get_by_role("navigation", name="Päävalikko").get_by_role("link", name="Asiakkaat")
        expect(menu).to_be_visible()
        expect(sign_out).to_be_hidden()
        menu.click()
        expect(clients).to_be_visible()
        expect(sign_out).to_be_visible()
        clients.click()
        expect(page.get_by_role("heading", name="Asiakkaat", level=1)).to_be_visible()
        expect(sign_out).to_be_hidden()  # a new page starts with the menu folded
        menu.click()
        sign_out.click()
        expect(page).to_have_url(re.compile(r"/login"))
    finally:
        phone.close()

    with_script = browser.new_context(locale="fi-FI", timezone_id=TIMEZONE,
                                      viewport=WIDTHS["phone"])
    try:
        page = with_script.new_page()
        page.set_default_timeout(15_000)
        sign_in(page, base, STAFF)
        menu = page.get_by_text("Valikko", exact=True)
        sign_out = page.get_by_role("button", name=SIGN_OUT)
        menu.click()
        expect(sign_out).to_be_visible()
        page.keyboard.press("Escape")  # from the menu button: closes the menu, focus stays on it
        expect(sign_out).to_be_hidden()
        expect(menu).to_be_focused()
        menu.click()
        expect(sign_out).to_be_visible()
        page.mouse.click(5, 400)  # a tap elsewhere, beside the open menu, folds it again
        expect(sign_out).to_be_hidden()
    finally:
        with_script.close()

    laptop = browser.new_context(locale="fi-FI", timezone_id=TIMEZONE,
                                 viewport=WIDTHS["laptop"], java_script_enabled=False)
    try:
        page = laptop.new_page()
        page.set_default_timeout(15_000)
        sign_in(page, base, STAFF)
        expect(page.get_by_text("Valikko", exact=True)).to_be_hidden()
        expect(page.get_by_role("button", name=SIGN_OUT)).to_be_visible()
        page.get_by_role("link", name="Palveluhakemisto").click()
        expect(page.get_by_role("heading", name="Palveluhakemisto", level=1)).to_be_visible()
    finally:
        laptop.close()
