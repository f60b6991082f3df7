"""A live server on 127.0.0.1 and headless Debian Chromium driven by Playwright."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .helpers import TIMEZONE

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def pytest_collection_modifyitems(config, items):
    """Mark everything here as a browser test."""
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test item, so fixtures can tell whether the test failed."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, "report_" + report.when, report)


def _failed(request) -> bool:
    report = getattr(request.node, "report_call", None)
    return report is None or report.failed


def _diagnostics(tab, server_log: Path) -> str:
    """What a failed browser test needs to explain itself: where the page was, what it showed,
    and what the server said last."""
    lines = ["", "=" * 30 + " browser diagnostics " + "=" * 30]
    try:
        lines.append(f"page URL: {tab.url}")
        lines.append(f"page title: {tab.title()}")
        main = tab.locator("main")
        text = main.first.inner_text(timeout=2_000) if main.count() else tab.inner_text("body", timeout=2_000)
        text = " ".join(text.split())
        lines.append("visible text of <main> (truncated): " + (text[:1500] + (" …" if len(text) > 1500 else "")))
        # Messages further down a long page would be cut off above: list them on their own.
        messages = tab.evaluate("""() => Array.from(document.querySelectorAll(
            '[role=alert], [role=status], .field-error, [aria-invalid=true]')).map(e =>
            (e.getAttribute('aria-invalid') ? 'invalid field ' + (e.name || e.id) + ' = ' + e.value
             : (e.getAttribute('role') || 'field error') + ': ' + e.textContent.trim()).slice(0, 200))""")
        if messages:
            lines.append("alerts, statuses and field errors on the page:")
            lines.extend("  " + " ".join(message.split()) for message in messages[:30])
    except Exception as error:  # the page may be closed or mid-navigation
        lines.append(f"(could not read the page: {error!r})")
    if server_log.exists():
        tail = server_log.read_text(errors="replace").splitlines()[-40:]
        lines.append(f"last {len(tail)} lines of the live server log ({server_log}):")
        lines.extend("  " + line for line in tail)
    else:
        lines.append("(no live server log: the test used no live server)")
    return "\n".join(lines)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _serve(tmp_path, *, demo: bool):
    """Start the app as a real server on a fresh SQLite database; yield its base URL."""
    env = dict(os.environ, INSTANCE_PATH=str(tmp_path), SECRET_KEY="browser-test-secret",
               DATABASE_URL=f"sqlite:///{tmp_path / 'browser.db'}", FLASK_DEBUG="0")
    env.pop("TEST_DATABASE_URL", None)
    flask = [sys.executable, "-m", "flask", "--app", "app"]
    subprocess.run(flask + ["db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    if demo:
        subprocess.run(flask + ["demo", "load"], cwd=ROOT, env=env, check=True, capture_output=True)
    port = _free_port()
    log = (tmp_path / "server.log").open("w")
    server = subprocess.Popen(flask + ["run", "--host", "127.0.0.1", "--port", str(port)],
                              cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            time.sleep(0.1)
    else:
        server.kill()
        pytest.fail("the server did not start: " + (tmp_path / "server.log").read_text())
    yield f"http://127.0.0.1:{port}"
    server.terminate()
    server.wait(10)


@pytest.fixture
def live_server(tmp_path):
    """A live server on an empty database (first run)."""
    yield from _serve(tmp_path, demo=False)


@pytest.fixture
def demo_server(tmp_path):
    """A live server with the fictional demo association loaded."""
    yield from _serve(tmp_path, demo=True)


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium; skipped only where Chromium is missing and this is not CI."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing in CI: run `make test`, which installs it")
        pytest.skip("Chromium is not installed (Debian package 'chromium'); `make test` installs it as root")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run", "--disable-quic"])
        yield browser
        browser.close()


@pytest.fixture
def page(browser, request, tmp_path):
    """A fresh browser tab with its own cookies; on failure it prints where it was and what the
    server logged (pytest shows it under "Captured stdout teardown")."""
    context = browser.new_context(locale="fi-FI", timezone_id=TIMEZONE,
                                  viewport={"width": 1280, "height": 900})
    console = []
    tab = context.new_page()
    tab.on("console", lambda message: console.append(f"{message.type}: {message.text}")
           if message.type in ("error", "warning") else None)
    tab.on("pageerror", lambda error: console.append(f"page error: {error}"))
    tab.set_default_timeout(15_000)
    # A client page loads up to eleven sections at once, each logging its view: on a busy
    # two-core machine that can take longer than Playwright's 5 s default for expectations.
    from playwright.sync_api import expect

    expect.set_options(timeout=15_000)
    yield tab
    if _failed(request):
        print(_diagnostics(tab, tmp_path / "server.log"))
        if console:
            print("browser console (errors and warnings, last 20):")
            print("\n".join("  " + line for line in console[-20:]))
    context.close()
