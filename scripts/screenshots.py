"""Take the README's screenshots: the app with the fictional demo association, in Finnish.

Run with `make screenshots`. It starts the app on a free local port with a fresh SQLite database
in a temporary folder (as the browser tests do), loads the demo data, drives headless Chromium
through the main pages and writes PNG files into docs/screenshots/, the home page and a client's
page also at a phone's width (390 px). A printed PDF (the errand
checklist) is turned into an image with pdftoppm (poppler-utils).
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "screenshots"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
STAFF, PASSWORD = "ohjaaja@demo.example.org", "kokeile-demoa-rauhassa"
VIEWPORT = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def demo_app(folder: Path):
    """Serve the app with the demo association on 127.0.0.1; yield its base URL."""
    env = dict(os.environ, INSTANCE_PATH=str(folder), SECRET_KEY="screenshots-only",
               DATABASE_URL=f"sqlite:///{folder / 'screenshots.db'}", FLASK_DEBUG="0")
    env.pop("TEST_DATABASE_URL", None)
    flask = [sys.executable, "-m", "flask", "--app", "app"]
    subprocess.run(flask + ["db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    subprocess.run(flask + ["demo", "load"], cwd=ROOT, env=env, check=True, capture_output=True)
    port = _free_port()
    with (folder / "server.log").open("w") as log:
        server = subprocess.Popen(flask + ["run", "--host", "127.0.0.1", "--port", str(port)],
                                  cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise SystemExit("the app did not start:\n" + (folder / "server.log").read_text())
                    time.sleep(0.1)
            yield f"http://127.0.0.1:{port}"
        finally:
            server.terminate()
            server.wait(10)


def settle(page) -> None:
    """Wait until the page and the sections it loads by itself are there."""
    from playwright.sync_api import expect

    page.wait_for_load_state("networkidle")
    expect(page.locator("[aria-busy=true]")).to_have_count(0)


def shoot(page, name: str, *, full_page: bool = False) -> None:
    settle(page)
    path = OUT / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    print(f"  {path.relative_to(ROOT)}")


def pdf_page_png(data: bytes, name: str, folder: Path) -> None:
    """The first page of a PDF as a PNG at 80 dpi."""
    pdf = folder / f"{name}.pdf"
    pdf.write_bytes(data)
    prefix = folder / name
    subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile",
                    str(pdf), str(prefix)], check=True)
    shutil.copyfile(f"{prefix}.png", OUT / f"{name}.png")
    print(f"  {(OUT / f'{name}.png').relative_to(ROOT)}")


def main() -> None:
    from playwright.sync_api import expect, sync_playwright

    if not Path(CHROMIUM).exists():
        raise SystemExit("Chromium is missing: install the Debian package 'chromium' (make system-deps)")
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="screenshots-") as tmp, demo_app(Path(tmp)) as base, \
            sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=["--no-sandbox", "--disable-gpu", "--lang=fi-FI"])
        page = browser.new_context(locale="fi-FI", viewport=VIEWPORT).new_page()
        page.set_default_timeout(30_000)
        expect.set_options(timeout=30_000)
        print("Writing screenshots:")
        page.goto(base + "/login")
        page.get_by_label("Sähköposti").fill(STAFF)
        page.get_by_label("Salasana").fill(PASSWORD)
        page.get_by_role("button", name="Kirjaudu sisään").click()
        expect(page).to_have_url(base + "/")
        shoot(page, "02-home", full_page=True)

        page.get_by_role("link", name="Asiakkaat", exact=True).first.click()
        page.get_by_role("link", name="Ruusu", exact=True).first.click()
        expect(page.get_by_role("heading", name="Ruusu", level=1)).to_be_visible()
        shoot(page, "03-client")

        page.goto(base + "/clients/1/agreement")
        page.get_by_role("button", name="Tee uusi versio").click()
        expect(page.get_by_role("heading", name="Kuka pitää yhteyttä ja miten")).to_be_visible()
        shoot(page, "04-agreement-editor", full_page=True)

        page.goto(base + "/clients/1/meetings")
        page.get_by_role("region", name="Verkostopalaverit").get_by_role("link").first.click()
        expect(page.get_by_role("heading", name="Tulosta muistio")).to_be_visible()
        shoot(page, "05-meeting-minutes", full_page=True)

        page.goto(base + "/clients/3/errands")
        errand = page.get_by_role("link", name="Bostadsbidrag: vilka papper behövs")
        errand.click()
        expect(page.get_by_role("button", name="Tulosta muistilista (PDF)")).to_be_visible()
        shoot(page, "06-errand")
        answer = page.request.get(page.url + "/checklist.pdf?lang=sv&large_print=y")
        if answer.status != 200 or not answer.headers["content-type"].startswith("application/pdf"):
            raise SystemExit(f"the checklist did not print: {answer.status}")
        pdf_page_png(answer.body(), "07-errand-checklist-pdf", Path(tmp))

        # The same worker on a phone: the home page with the menu opened, and a client's page.
        phone = browser.new_context(locale="fi-FI", viewport=PHONE, device_scale_factor=1,
                                    is_mobile=True, has_touch=True).new_page()
        phone.goto(base + "/login")
        phone.get_by_label("Sähköposti").fill(STAFF)
        phone.get_by_label("Salasana").fill(PASSWORD)
        phone.get_by_role("button", name="Kirjaudu sisään").click()
        expect(phone).to_have_url(base + "/")
        phone.get_by_text("Valikko", exact=True).click()
        expect(phone.get_by_role("button", name="Kirjaudu ulos")).to_be_visible()
        shoot(phone, "08-phone-home")
        phone.goto(base + "/clients/1")
        expect(phone.get_by_role("heading", name="Ruusu", level=1)).to_be_visible()
        shoot(phone, "09-phone-client")
        browser.close()


if __name__ == "__main__":
    main()
