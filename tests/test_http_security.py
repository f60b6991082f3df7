"""Headers, cookie flags and CSRF protection on every response and form."""
import pytest
from sqlalchemy import select

from association_tool.extensions import db
from association_tool.models import User

from .conftest import extract_csrf
from .factories import PASSWORD


def test_security_headers_on_pages_and_errors(client, auth, staff):
    auth.login(staff)
    for path in ("/", "/account", "/no-such-page", "/login"):
        headers = client.get(path).headers
        csp = headers["Content-Security-Policy"]
        for directive in ("default-src 'self'", "object-src 'none'", "base-uri 'none'",
                          "frame-ancestors 'none'"):
            assert directive in csp
        assert "unsafe-inline" not in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"]
        assert headers["Cache-Control"] == "no-store"


def test_session_cookie_flags(app, client, staff):
    response = client.post("/login", data={"email": staff.email, "password": PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    app.config["SESSION_COOKIE_SECURE"] = True
    client.post("/logout")
    secure = client.post("/login", data={"email": staff.email, "password": PASSWORD})
    assert "Secure" in secure.headers["Set-Cookie"]


def test_cookie_holds_no_user_data(client, staff):
    client.post("/login", data={"email": staff.email, "password": PASSWORD})
    import base64
    value = client.get_cookie("assoc_session").value
    payload = value.split(".")[0] if not value.startswith(".") else value.split(".")[1]
    decoded = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    try:
        import zlib
        decoded = zlib.decompress(decoded)
    except zlib.error:
        pass
    text = decoded.decode("utf-8", "replace")
    assert staff.email not in text and staff.name not in text and str(staff.id) != text


@pytest.mark.csrf
def test_posts_without_a_valid_csrf_token_are_refused(app, client, admin):
    client.get("/login")
    refused = client.post("/login", data={"email": admin.email, "password": PASSWORD})
    assert refused.status_code == 400
    token = extract_csrf(client.get("/login").get_data(as_text=True))
    wrong = client.post("/login", data={"email": admin.email, "password": PASSWORD,
                                        "csrf_token": token[:-3] + "abc"})
    assert wrong.status_code == 400
    ok = client.post("/login", data={"email": admin.email, "password": PASSWORD,
                                     "csrf_token": token})
    assert ok.status_code == 302


@pytest.mark.csrf
def test_state_changes_without_token_leave_the_database_unchanged(app, client, admin, staff):
    token = extract_csrf(client.get("/login").get_data(as_text=True))
    client.post("/login", data={"email": admin.email, "password": PASSWORD, "csrf_token": token})
    response = client.post(f"/admin/users/{staff.id}/active", data={"active": "0"})
    assert response.status_code == 400
    assert db.session.get(User, staff.id).active is True
    # htmx sends the token in a header; that is accepted.
    token = extract_csrf(client.get("/").get_data(as_text=True))
    ok = client.post(f"/admin/users/{staff.id}/active", data={"active": "0"},
                     headers={"X-CSRFToken": token})
    assert ok.status_code == 303
    assert db.session.scalar(select(User.active).where(User.id == staff.id)) is False


def test_gets_never_change_data(app, client, auth, admin):
    from .test_access import _concrete, _routes
    from association_tool.models import AuditEvent, LoginAttempt, Setting

    auth.login(admin)

    def snapshot():
        db.session.rollback()
        return [(u.id, u.name, u.email, u.role, u.active, u.version) for u in
                db.session.scalars(select(User).order_by(User.id))] + \
               [(s.key, s.value) for s in db.session.scalars(select(Setting))]

    before = snapshot()
    for url_rule, _ in _routes(app):
        if "GET" in url_rule.methods and url_rule.endpoint != "static":
            client.get(_concrete(url_rule))
    assert snapshot() == before


def test_static_files_are_served_with_nosniff(client):
    response = client.get("/static/js/app.js")
    assert response.status_code == 200
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_templates_need_no_inline_script_or_style():
    """The CSP forbids inline code, so no template may rely on it, nor htmx settle styles."""
    import json
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent / "templates"
    for path in root.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"\sstyle\s*=", text), path
        assert not re.search(r"\son[a-z]+\s*=", text), path
        assert not re.search(r"<script(?![^>]*\ssrc=)", text), path
        assert "javascript:" not in text, path
    base = (root / "base.html").read_text(encoding="utf-8")
    config = json.loads(re.search(r"name=\"htmx-config\" content='([^']+)'", base).group(1))
    assert "style" not in config["attributesToSettle"]
    assert config["includeIndicatorStyles"] is False and config["historyCacheSize"] == 0


def test_a_boosted_form_answered_with_its_errors_keeps_the_page_address(client, auth, staff):
    auth.login(staff)
    boosted = {"HX-Request": "true", "HX-Boosted": "true"}
    refused = client.post("/account/password", headers=boosted, data={
        "current_password": "", "password": "x", "password_confirm": "y"})
    assert refused.status_code == 422
    assert refused.headers["HX-Push-Url"] == "false"  # the address bar keeps /account
    moved = client.post("/clients/new", headers=boosted, data={
        "display_name": "Kettu", "level": "advice", "status": "active", "language": "fi",
        "referral_source": "self", "start_date": "2026-11-01"})
    assert moved.status_code == 303 and "HX-Push-Url" not in moved.headers
    assert "HX-Push-Url" not in client.get("/clients/", headers=boosted).headers
