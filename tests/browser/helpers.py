"""Shared steps of the browser journeys: signing in, accessibility checks with axe-core, PDFs."""
from __future__ import annotations

import json
import re
import subprocess
from functools import lru_cache
from pathlib import Path

from playwright.sync_api import expect

DEMO_PASSWORD = "kokeile-demoa-rauhassa"
STAFF = "ohjaaja@demo.example.org"
PEER = "vertainen@demo.example.org"
# The browser keeps Finnish time, as the people who use the app do: the app's "today" is
# Helsinki's, and a date picked in a browser on another clock is a day off near midnight.
TIMEZONE = "Europe/Helsinki"
AXE = Path(__file__).with_name("vendor") / "axe-core" / "axe.min.js"
# WCAG 2.1 A and AA plus axe's best practices; only serious and critical findings fail a test.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
FAILING_IMPACTS = {"serious", "critical"}


def sign_in(page, base, email, password=DEMO_PASSWORD, *, lands_on=None):
    """Sign in through the form and wait until the landing page is there."""
    page.goto(base + "/login")
    page.get_by_label("Sähköposti").fill(email)
    page.get_by_label("Salasana").fill(password)
    page.get_by_role("button", name="Kirjaudu sisään").click()
    expect(page).to_have_url(lands_on or base + "/")


@lru_cache(maxsize=1)
def _axe_source() -> str:
    return AXE.read_text(encoding="utf-8")


def check_a11y(page, where: str = "") -> None:
    """Run axe-core on the page as it is now; fail on serious or critical violations.

    The script is evaluated through the DevTools protocol, which the app's Content Security
    Policy (no inline or injected scripts) does not apply to, so the app runs with its real CSP.
    """
    page.wait_for_load_state("load")
    # Sections load themselves with htmx; check the page once nothing is loading any more.
    expect(page.locator("[aria-busy=true]")).to_have_count(0)
    expect(page.locator(".htmx-request")).to_have_count(0)
    # Colours fade over a fraction of a second (Pico's transitions), for example right after a
    # switch to the dark scheme: measure contrast once they have settled, not in between.
    # (Polled inside page.evaluate: wait_for_function would need eval, which the CSP forbids.)
    page.evaluate("""async () => {
        const until = Date.now() + 5000;
        while (document.getAnimations().some(a => a.playState === 'running') && Date.now() < until)
            await new Promise(done => setTimeout(done, 50));
    }""")
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(_axe_source())
    result = page.evaluate(
        """async (tags) => {
            const r = await axe.run(document, {runOnly: {type: 'tag', values: tags},
                                              resultTypes: ['violations']});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 8).map(n => ({target: n.target.join(' '),
                    summary: (n.failureSummary || '').slice(0, 300)}))}));
        }""", AXE_TAGS)
    bad = [v for v in result if v["impact"] in FAILING_IMPACTS]
    if bad:
        report = "\n".join(
            f"- {v['id']} ({v['impact']}): {v['help']}\n"
            + "\n".join(f"    {n['target']}: {n['summary']}" for n in v["nodes"]) for v in bad)
        print(f"axe violations on {page.url} {where}:\n{report}")
    assert not bad, f"axe found serious or critical problems on {page.url} {where}:\n" + json.dumps(
        bad, ensure_ascii=False, indent=1)


def pdf_text(data: bytes, tmp_path: Path, name: str = "doc.pdf") -> str:
    """The text of a PDF, as pdftotext (poppler) reads it."""
    path = tmp_path / name
    path.write_bytes(data)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout


def print_pdf(page, button, tmp_path: Path, name: str) -> str:
    """Press a print button, check that a PDF download comes back and return its text."""
    with page.expect_response(re.compile(r"(\.pdf|/pdf)(\?|$)")) as answer, \
            page.expect_download() as download:
        button.click()
    response = answer.value
    assert response.status == 200, response.status
    assert response.headers["content-type"].startswith("application/pdf"), response.headers
    data = Path(download.value.path()).read_bytes()
    assert data.startswith(b"%PDF-")
    return pdf_text(data, tmp_path, name)


def open_details(page, summary_text: str):
    """Open a <details> disclosure by its summary (the way a person clicks it) if closed."""
    pattern = summary_text if isinstance(summary_text, re.Pattern) else re.compile(
        "^" + re.escape(summary_text) + "$")
    summary = page.locator("details > summary").filter(has_text=pattern)
    details = summary.locator("xpath=..")
    if details.get_attribute("open") is None:
        summary.click()
    expect(details).to_have_attribute("open", "")
    # A form fetched when the details open (fetched_when_opened): wait until it has arrived and
    # htmx has set it up, as a person would before choosing or typing in it.
    expect(details.locator("[hx-trigger^='toggle once']")).to_have_count(0)
    details.page.wait_for_load_state("networkidle")
    return details


def choose(select, text_part: str) -> None:
    """Choose the option of a drop-down whose visible text contains text_part."""
    label = select.locator("option", has_text=text_part).first.text_content().strip()
    select.select_option(label=label)


FOCUS_STYLE = """e => { const s = getComputedStyle(e);
    return {outline: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0,
            shadow: s.boxShadow !== 'none', tag: e.tagName, text: (e.textContent || e.name || '').trim().slice(0, 40)}; }"""


def assert_focus_visible(page):
    """The focused element shows it: an outline or a focus ring (box-shadow)."""
    style = page.evaluate(f"({FOCUS_STYLE})(document.activeElement)")
    assert style["outline"] or style["shadow"], f"focus is not visible on {style}"


def is_focused(locator) -> bool:
    return locator.evaluate("e => e === document.activeElement")


def tab_to(page, locator, *, limit=200, backwards=False):
    """Press Tab (or Shift+Tab) until the locator's element has focus, as a keyboard user
    would, and check that the focus can be seen there."""
    target = locator.first
    expect(target).to_be_attached()
    for _ in range(limit):
        if is_focused(target):
            assert_focus_visible(page)
            return
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
    raise AssertionError(f"{limit} presses of Tab did not reach {locator}")


def expect_focus(locator):
    """Wait until the element has focus (htmx swaps and the focus handling run asynchronously)."""
    expect(locator).to_be_focused()
