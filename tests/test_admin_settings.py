"""Admin settings: the association's logo for PDFs, the usual things to bring on errands, backups."""
import io
import re

import pytest
from sqlalchemy import func, select

from association_tool.errands import services as errands
from association_tool.extensions import db
from association_tool.models import AuditEvent, Setting
from association_tool.pdf import LOGO_MAX_BYTES, render_pdf
from association_tool.settings import letterhead, stored_logo

from .factories import PASSWORD, login, make_user
from .test_pdf_engine import image_count, png_bytes


def upload(client, data: bytes, name="logo.png"):
    return client.post("/admin/settings/logo", data={"logo": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def jpeg_bytes() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (30, 30), (10, 80, 160)).save(out, format="JPEG")
    return out.getvalue()


PLAIN_SVG = (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="40" height="20">'
             b'<defs><linearGradient id="g"><stop offset="0" stop-color="#236"/></linearGradient></defs>'
             b'<rect width="40" height="20" fill="url(#g)"/><use href="#g"/></svg>')


@pytest.fixture
def english_admin(app, admin):
    """The admin, reading English, so the messages are matched in English."""
    admin.locale = "en"
    db.session.commit()
    return admin


@pytest.mark.parametrize("data, mime", [(png_bytes(), "image/png"), (jpeg_bytes(), "image/jpeg"),
                                        (PLAIN_SVG, "image/svg+xml")])
def test_a_logo_is_stored_shown_and_used_in_pdfs(client, admin, data, mime):
    login(client, admin)
    response = upload(client, data, name="whatever.gif")  # the name does not decide the type
    assert response.status_code == 303
    assert stored_logo() == (mime, data)
    preview = client.get("/admin/settings/logo")
    assert preview.status_code == 200 and preview.mimetype == mime and preview.data == data
    assert "sandbox" in preview.headers["Content-Security-Policy"]
    page = client.get("/admin/settings").get_data(as_text=True)
    assert 'src="/admin/settings/logo"' in page
    document = render_pdf("pdf/_sample.html", title="M", lang="fi", **letterhead())  # the setting
    assert image_count(document) >= (0 if mime == "image/svg+xml" else 1)
    assert image_count(render_pdf("pdf/_sample.html", title="M", lang="fi", logo=False)) == 0
    kinds = [e.detail for e in db.session.scalars(select(AuditEvent).where(
        AuditEvent.object_type == "settings"))]
    assert any(d and d.startswith(f"logo {mime}") for d in kinds)


@pytest.mark.parametrize("data, message", [
    (b"just text", "Choose a PNG, JPEG or SVG picture."),
    (b"GIF89a" + b"\0" * 40, "Choose a PNG, JPEG or SVG picture."),
    (b"", "Choose a PNG, JPEG or SVG picture."),
    (b"\x89PNG\r\n\x1a\n" + b"\0" * 100, "The file could not be read as a picture."),
    (b"\x89PNG\r\n\x1a\n" + b"\0" * (LOGO_MAX_BYTES + 1), "The picture is too large"),
    (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "has scripts"),
    (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "has scripts"),
    (b'<svg xmlns="http://www.w3.org/2000/svg"><image href="file:///etc/passwd"/></svg>', "has scripts"),
    (b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:x="http://www.w3.org/1999/xlink">'
     b'<image x:href="http://127.0.0.1:9/x.png"/></svg>', "has scripts"),
    (b'<svg xmlns="http://www.w3.org/2000/svg"><rect style="fill: url(http://127.0.0.1:9/x)"/></svg>',
     "has scripts"),
    (b'<svg xmlns="http://www.w3.org/2000/svg"><style>@import "http://127.0.0.1:9/x.css";</style></svg>',
     "has scripts"),
    (b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;">]>'
     b'<svg xmlns="http://www.w3.org/2000/svg"><text>&b;</text></svg>', "has scripts"),
    (b"<svg xmlns='http://www.w3.org/2000/svg'><rect></svg>", "could not be read"),
    (b"<?xml version='1.0'?><html/>", "Choose a PNG, JPEG or SVG picture."),
])
def test_a_bad_logo_is_refused_with_a_clear_message(client, english_admin, data, message):
    login(client, english_admin)
    response = upload(client, data)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert message in body and "field-error" in body
    assert stored_logo() is None


def test_the_logo_can_be_removed(client, admin):
    login(client, admin)
    upload(client, png_bytes())
    assert client.post("/admin/settings/logo/remove").status_code == 303
    assert stored_logo() is None
    assert client.get("/admin/settings/logo").status_code == 404
    assert image_count(render_pdf("pdf/_sample.html", title="M", lang="fi", **letterhead())) == 0


def test_a_broken_logo_row_does_not_break_pdfs(app):
    db.session.add(Setting(key="logo", value="{not json"))
    db.session.commit()
    assert stored_logo() is None
    assert render_pdf("pdf/_sample.html", title="M", lang="fi",
                      **letterhead()).startswith(b"%PDF-")


def test_only_admins_reach_the_settings(client, staff):
    login(client, staff)
    assert upload(client, png_bytes()).status_code == 403
    assert client.get("/admin/settings/errands").status_code == 403
    assert client.post("/admin/settings/errands", data={"bring_kela": "x"}).status_code == 403
    assert stored_logo() is None


def test_the_usual_things_to_bring_per_errand_type(client, english_admin):
    login(client, english_admin)
    page = client.get("/admin/settings/errands").get_data(as_text=True)
    assert "Kela card" in page and "List of medicines" in page  # the built-in lists
    assert 'href="/admin/settings/errands"' in client.get("/admin/settings").get_data(as_text=True)
    data = {f"bring_{t}": "  Henkilökortti \n\n Omat paperit  " for t in errands.ERRAND_TYPES}
    data["bring_bank"] = "Pankkikortti"
    assert client.post("/admin/settings/errands", data=data).status_code == 303
    assert errands.default_things_to_bring("kela") == "Henkilökortti\nOmat paperit"
    assert errands.default_things_to_bring("bank") == "Pankkikortti"
    assert ("update", "errand things to bring") in {
        (e.action, e.detail) for e in db.session.scalars(select(AuditEvent))}


@pytest.mark.parametrize("text, message", [
    ("\n".join(f"Asia {i}" for i in range(41)), "At most 40 lines."),
    ("x" * 201, "A line can have at most 200 characters."),
])
def test_too_long_lists_are_refused_with_the_text_kept(client, english_admin, text, message):
    login(client, english_admin)
    data = {f"bring_{t}": "Henkilökortti" for t in errands.ERRAND_TYPES}
    data["bring_housing"] = text + "\nNaapurin kissa"
    response = client.post("/admin/settings/errands", data=data)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert message in body and "Naapurin kissa" in body
    assert db.session.get(Setting, "errand_bring.kela") is None


def test_the_association_name_still_saves(client, admin):
    login(client, admin)
    assert client.post("/admin/settings", data={"association_name": "Toivon Tupa ry"}).status_code == 302
    assert "Toivon Tupa ry" in client.get("/admin/settings").get_data(as_text=True)
    response = client.post("/admin/settings", data={"association_name": ""})
    assert response.status_code == 422


def test_peer_cannot_see_the_logo(client, admin):
    peer = make_user(role="peer")
    login(client, admin)
    upload(client, png_bytes())
    client.post("/logout")
    login(client, peer)
    assert client.get("/admin/settings/logo").status_code == 403


def test_an_admin_downloads_a_backup_of_the_whole_database(app, client, admin, tmp_path):
    """The backup page's button sends a consistent copy of the database, logged as an export,
    and leaves no copy behind on the server."""
    import shutil
    import sqlite3
    from pathlib import Path

    from .factories import make_client

    postgresql = db.engine.dialect.name == "postgresql"
    if postgresql and shutil.which("pg_dump") is None:
        pytest.skip("pg_dump is not installed")
    make_client(display_name="Varmuuskopioitava Asiakas")
    login(client, admin)
    page = client.get("/admin/settings/backup").get_data(as_text=True)
    assert 'action="/admin/settings/backup"' in page
    settings = client.get("/admin/settings").get_data(as_text=True)
    # The link says "backup copy" in Finnish, not "backup person" (the same English word).
    assert re.search(r'href="/admin/settings/backup"[^>]*>Varmuuskopio</a>', settings)

    response = client.post("/admin/settings/backup")
    assert response.status_code == 200
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and "backup-" in disposition
    body = response.get_data()
    response.close()
    if postgresql:
        assert body[:5] == b"PGDMP" and disposition.rstrip('"').endswith(".dump")
    else:
        assert disposition.rstrip('"').endswith(".db")
        copy = tmp_path / "downloaded.db"
        copy.write_bytes(body)
        with sqlite3.connect(copy) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            names = [row[0] for row in conn.execute("SELECT display_name FROM client")]
        assert names == ["Varmuuskopioitava Asiakas"]
    event = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert (event.action, event.object_type, event.user_id) == ("export", "backup", admin.id)
    assert not list(Path(app.instance_path).glob("backup-*")), "a copy was left on the server"
    # The entry anchors the access log as the backup holds it, for `audit verify --expect`.
    from association_tool import audit

    anchor = audit.Anchor.parse(event.detail.split("access log at the backup: ")[1])
    assert audit.verify_chain(expect=anchor).ok and anchor.count == audit.head().count - 1
    if not postgresql:
        with sqlite3.connect(copy) as conn:
            count, = conn.execute("SELECT count(*) FROM audit_event").fetchone()
            newest, = conn.execute("SELECT hash FROM audit_event ORDER BY id DESC").fetchone()
        assert audit.Anchor(count, newest) == anchor


def test_only_admins_take_backups(client, staff):
    login(client, staff)
    assert client.get("/admin/settings/backup").status_code == 403
    assert client.post("/admin/settings/backup").status_code == 403
    assert db.session.scalars(select(AuditEvent).where(AuditEvent.action == "export")).first() is None


def test_a_failed_backup_says_so_and_logs_no_export(client, english_admin, monkeypatch):
    from association_tool import backup

    def broken(*args, **kwargs):
        raise backup.BackupError("disk full")

    monkeypatch.setattr(backup, "backup_database", broken)
    login(client, english_admin)
    response = client.post("/admin/settings/backup")
    assert response.status_code == 503
    assert "The backup could not be made. Nothing was downloaded." in response.get_data(as_text=True)
    assert response.headers.get("Content-Disposition") is None
    assert db.session.scalars(select(AuditEvent).where(AuditEvent.action == "export")).first() is None


@pytest.mark.csrf
def test_a_backup_needs_the_form_token(client, admin):
    from .conftest import extract_csrf

    token = extract_csrf(client.get("/login").get_data(as_text=True))
    client.post("/login", data={"email": admin.email, "password": PASSWORD, "csrf_token": token})
    page = client.get("/admin/settings/backup").get_data(as_text=True)
    assert 'name="csrf_token"' in page  # the button's form carries the token
    response = client.post("/admin/settings/backup")
    assert response.status_code == 400
    assert response.headers.get("Content-Disposition") is None
    assert db.session.scalars(select(AuditEvent).where(AuditEvent.action == "export")).first() is None


def test_no_write_lock_is_held_while_the_backup_is_made(client, admin, monkeypatch):
    """A backup of a large database takes seconds; a POST's SQLite transaction holds the write
    lock, and held through the copy it would keep every other worker's save waiting."""
    import shutil

    from association_tool import backup

    from .reliability_helpers import write_lock_free

    if db.engine.dialect.name == "postgresql" and shutil.which("pg_dump") is None:
        pytest.skip("pg_dump is not installed")
    seen = []
    real = backup.backup_database

    def checking(*args, **kwargs):
        seen.append((db.session().in_transaction(), write_lock_free(db.engine)))
        return real(*args, **kwargs)

    monkeypatch.setattr(backup, "backup_database", checking)
    login(client, admin)
    response = client.post("/admin/settings/backup")
    assert response.status_code == 200 and len(response.get_data()) > 0
    response.close()
    assert seen == [(False, True if db.engine.dialect.name == "sqlite" else None)]


# --- the association's contact details -----------------------------------------------------------

CONTACT = {"association_name": "Toivon Tupa ry", "association_phone": "017 123 456",
           "association_address": "Esimerkkikatu 1, 70100 Kuopio",
           "association_hours": "Ma–Pe 9–15\r\n\r\nLa 10–14 "}


def settings_form(client):
    """What the settings page's own form sends when it is saved as it is (a browser's newlines)."""
    from werkzeug.datastructures import MultiDict

    from .security.pages import form_data, post_forms

    page = client.get("/admin/settings")
    (form,) = [f for f in post_forms(page.get_data(as_text=True), "/admin/settings")
               if f.action == "/admin/settings"]
    return MultiDict(form_data(form, fill=lambda f: (
        [f.value.replace("\n", "\r\n")] if f.free_text else None)))


def test_the_associations_phone_address_and_hours_are_kept_in_the_settings(client, admin):
    login(client, admin)
    response = client.post("/admin/settings", data=CONTACT)
    assert response.status_code == 302
    assert {key: db.session.get(Setting, key).value for key in (
        "association_phone", "association_address", "association_hours")} == {
        "association_phone": "017 123 456", "association_address": "Esimerkkikatu 1, 70100 Kuopio",
        "association_hours": "Ma–Pe 9–15\nLa 10–14"}
    page = client.get("/admin/settings").get_data(as_text=True)
    for shown in ('value="017 123 456"', 'value="Esimerkkikatu 1, 70100 Kuopio"', "La 10–14"):
        assert shown in page
    details = [e.detail for e in db.session.scalars(select(AuditEvent).where(
        AuditEvent.object_type == "settings"))]
    assert details == ["changed: association_name, association_phone, association_address, "
                       "association_hours"]


@pytest.mark.parametrize("changes, field, message", [
    ({"association_phone": "soita"}, "association_phone", "digits, spaces, +, - and parentheses"),
    ({"association_phone": "0" * 41}, "association_phone", "at most 40"),
    ({"association_address": "x" * 201}, "association_address", "at most 200"),
    ({"association_hours": "\n".join(["Ma 9–15"] * 8)}, "association_hours", "At most 7 lines."),
    ({"association_hours": "y" * 81}, "association_hours", "at most 80 characters"),
])
def test_bad_contact_details_come_back_with_the_text_kept(client, english_admin, changes, field,
                                                          message):
    login(client, english_admin)
    response = client.post("/admin/settings", data={**CONTACT, **changes})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert message in body.split(f'id="{field}-error"', 1)[1].split("</small>", 1)[0]
    assert changes[field].split("\n")[0] in body and "Toivon Tupa ry" in body
    assert db.session.get(Setting, "association_phone") is None


@pytest.mark.parametrize("saved", [False, True])
def test_saving_the_settings_unchanged_changes_nothing(client, admin, saved):
    login(client, admin)
    if saved:
        client.post("/admin/settings", data=CONTACT)
    before = {s.key: s.value for s in db.session.scalars(select(Setting))}
    events = db.session.scalar(select(func.count(AuditEvent.id)).where(
        AuditEvent.object_type == "settings"))
    assert client.post("/admin/settings", data=settings_form(client)).status_code == 302
    db.session.expire_all()
    assert {s.key: s.value for s in db.session.scalars(select(Setting))} == before
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(
        AuditEvent.object_type == "settings")) == events
