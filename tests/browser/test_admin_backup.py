"""An administrator downloads a backup from the settings in a real browser."""
import sqlite3
from pathlib import Path

from playwright.sync_api import expect

from .helpers import check_a11y, sign_in

ADMIN = "paakayttaja@demo.example.org"


def test_admin_downloads_a_backup_and_the_access_log_shows_it(demo_server, page, tmp_path):
    sign_in(page, demo_server, ADMIN)
    page.goto(demo_server + "/admin/settings")
    page.get_by_role("link", name="Varmuuskopio").click()
    expect(page.get_by_role("heading", name="Varmuuskopio", exact=True)).to_be_visible()
    check_a11y(page, "backup page")

    # The form is sent as a plain POST (not htmx), so the browser saves the answer as a file.
    with page.expect_download() as download:
        page.get_by_role("button", name="Lataa varmuuskopio").click()
    assert download.value.suggested_filename.startswith("backup-")
    saved = tmp_path / "downloaded.db"
    Path(download.value.path()).replace(saved)
    with sqlite3.connect(saved) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert copy.execute("SELECT count(*) FROM client").fetchone()[0] > 0
    expect(page.get_by_role("heading", name="Varmuuskopio", exact=True)).to_be_visible()  # still on the page

    page.goto(demo_server + "/admin/audit?action=export")
    expect(page.locator("#audit-entries").get_by_text("otti varmuuskopion koko tietokannasta").first).to_be_visible()
