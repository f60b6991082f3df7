"""Two-step sign-in (TOTP): enrolment, the second sign-in step, recovery codes and the admin's rules."""
import re
import time

import pyotp
import pytest
from sqlalchemy import func, select

from association_tool.access import ACCESS_ATTR, PUBLIC
from association_tool.auth import two_factor
from association_tool.extensions import db
from association_tool.models import AuditEvent, AuthSession, LoginAttempt, User
from association_tool.models.users import RecoveryCode
from association_tool.settings import required_by_association

from .factories import PASSWORD, make_user
from .test_access import _concrete

LOCKED_OUT_BY_THROTTLE = 10  # LOGIN_MAX_FAILURES


# --- helpers ------------------------------------------------------------------------------------

def fresh(user) -> User:
    """Reload a user from the database."""
    db.session.rollback()
    db.session.expire_all()
    return db.session.get(User, user.id)


def code_for(user, steps_ahead: int = 0) -> str:
    """Return the authenticator code of the user's stored secret, as the phone would show it."""
    secret = two_factor.totp_secret(fresh(user))
    totp = pyotp.TOTP(secret)
    return totp.generate_otp(int(time.time()) // totp.interval + steps_ahead)


def enrol(user) -> list[str]:
    """Turn two-step sign-in on through the service; the current step stays unspent."""
    two_factor.start_enrolment(fresh(user))
    db.session.commit()
    earlier = code_for(user, -1)
    codes = two_factor.confirm_enrolment(fresh(user), earlier)
    assert codes is not None
    db.session.commit()
    return codes


def session_cookie(client):
    """Return the session cookie's value."""
    cookie = client.get_cookie("assoc_session")
    return cookie.value if cookie else None


def attempts() -> list[bool]:
    """The recorded sign-in attempts, oldest first."""
    return db.session.scalars(select(LoginAttempt.success).order_by(LoginAttempt.id)).all()


def audit_actions() -> list[str]:
    """The access log's actions, oldest first."""
    return db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()


def sessions_of(user) -> int:
    """Count the live server-side sessions of a user."""
    return db.session.execute(
        select(func.count(AuthSession.id)).where(AuthSession.user_id == user.id)).scalar_one()


def signed_in(client) -> bool:
    """Tell whether the browser reaches the home page."""
    return client.get("/").status_code == 200


@pytest.fixture
def enrolled(staff):
    """A staff member with two-step sign-in on, and their recovery codes."""
    return staff, enrol(staff)


# --- enrolment ----------------------------------------------------------------------------------

def test_enrolment_shows_our_own_qr_and_the_key_and_needs_a_current_code(client, auth, staff):
    auth.login(staff)
    page = client.get("/account/two-factor")
    assert page.status_code == 200 and b'action="/account/two-factor/start"' in page.data
    assert client.get("/account/two-factor/qr.svg").status_code == 404  # nothing started yet

    assert client.post("/account/two-factor/start").status_code == 303
    secret = two_factor.totp_secret(fresh(staff))
    assert secret and not fresh(staff).two_factor_enabled
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert two_factor.formatted_secret(secret) in page  # for typing by hand
    img = re.search(r'<img [^>]*id="two-factor-qr"[^>]*>', page).group(0)
    assert 'src="/account/two-factor/qr.svg"' in img and "style" not in img

    qr = client.get("/account/two-factor/qr.svg")
    assert qr.status_code == 200 and qr.mimetype == "image/svg+xml"
    svg = qr.get_data(as_text=True)
    assert svg.startswith("<svg") and "style" not in svg and "<script" not in svg
    assert "no-store" in qr.headers["Cache-Control"]
    # The page's policy lets the browser show an image from our own origin and nothing else.
    policy = client.get("/account/two-factor").headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "unsafe-inline" not in policy

    wrong = client.post("/account/two-factor/confirm", data={"code": "000000"})
    if wrong.status_code != 422:  # 000000 could be right by chance, once in a million
        pytest.skip("the random secret happened to produce 000000")
    body = wrong.get_data(as_text=True)
    assert 'id="code-error"' in body and 'value="000000"' in body
    assert not fresh(staff).two_factor_enabled

    before = session_cookie(client)
    done = client.post("/account/two-factor/confirm", data={"code": code_for(staff)})
    assert done.status_code == 200
    shown = re.findall(r"<li><code>([^<]+)</code></li>", done.get_data(as_text=True))
    assert len(shown) == 10 and len(set(shown)) == 10
    user = fresh(staff)
    assert user.two_factor_enabled
    stored = db.session.scalars(select(RecoveryCode.code_hash)
                                .where(RecoveryCode.user_id == user.id)).all()
    assert len(stored) == 10 and not set(shown) & set(stored)  # only hashes are kept
    # Enrolling starts a new session: the old cookie no longer signs anyone in.
    assert session_cookie(client) != before and sessions_of(user) == 1
    assert signed_in(client)
    assert "update" in audit_actions()


def test_the_qr_code_and_key_are_never_shown_again_after_enrolment(client, auth, enrolled):
    user, _codes = enrolled
    auth.login(user)
    client.post("/login/code", data={"code": code_for(user)})
    assert client.get("/account/two-factor/qr.svg").status_code == 404
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert two_factor.formatted_secret(two_factor.totp_secret(fresh(user))) not in page
    # Starting again is refused while two-step sign-in is on: the secret stays as it was.
    secret = two_factor.totp_secret(fresh(user))
    client.post("/account/two-factor/start")
    assert two_factor.totp_secret(fresh(user)) == secret


def test_bad_input_in_the_forms_is_shown_next_to_the_field_never_a_500(client, auth, staff):
    auth.login(staff)
    client.post("/account/two-factor/start")
    for code in ["", "x" * 5000, "12 34 5\x00", "١٢٣٤٥٦", "<script>"]:
        response = client.post("/account/two-factor/confirm", data={"code": code})
        assert response.status_code == 422, code
        assert b'id="code-error"' in response.data
    assert not fresh(staff).two_factor_enabled


# --- the second step of signing in --------------------------------------------------------------

def test_a_right_password_alone_does_not_sign_in_an_enrolled_user(client, auth, enrolled):
    user, _codes = enrolled
    response = auth.login(user)
    assert response.status_code == 302 and response.headers["Location"] == "/login/code"
    assert sessions_of(user) == 0 and not signed_in(client)
    assert client.get("/login/code").status_code == 200
    assert audit_actions()[-1] == "login_pending"


def test_the_waiting_step_gives_no_access_anywhere(app, client, auth, enrolled):
    user, _codes = enrolled
    auth.login(user)
    checked = 0
    for rule in app.url_map.iter_rules():
        declared = getattr(app.view_functions[rule.endpoint], ACCESS_ATTR, None)
        if declared is PUBLIC:
            continue
        for method in ("GET", "POST"):
            if method not in rule.methods:
                continue
            response = client.open(_concrete(rule), method=method)
            assert response.status_code == 302, (rule.rule, method, response.status_code)
            assert response.headers["Location"].startswith("/login"), rule.rule
            checked += 1
    assert checked > 50
    assert sessions_of(user) == 0
    # The waiting state is still there: the right code finishes the sign-in.
    done = client.post("/login/code", data={"code": code_for(user)})
    assert done.status_code == 302 and done.headers["Location"] == "/"
    assert signed_in(client) and sessions_of(user) == 1


def test_the_right_code_starts_a_new_session_and_is_logged(client, auth, enrolled):
    user, _codes = enrolled
    auth.login(user, query_string={"next": "/clients/"})
    waiting = session_cookie(client)
    done = client.post("/login/code", data={"code": code_for(user)})
    assert done.status_code == 302 and done.headers["Location"] == "/clients/"
    assert session_cookie(client) != waiting
    assert signed_in(client)
    assert attempts() == [True]
    assert audit_actions()[-2:] == ["login_pending", "login"]
    # The cookie of the waiting step carries no sign-in, now or later.
    client.set_cookie("assoc_session", waiting)
    assert not signed_in(client)


def test_a_wrong_code_is_refused_counted_and_logged_like_a_wrong_password(client, auth, enrolled):
    user, _codes = enrolled
    auth.login(user)
    right = code_for(user)
    wrong = f"{(int(right) + 1) % 1000000:06d}"
    response = client.post("/login/code", data={"code": wrong})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert 'id="code-error"' in body and f'value="{wrong}"' in body  # what was typed is kept
    assert not signed_in(client) and sessions_of(user) == 0
    assert attempts() == [False]
    failed = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "login_failed")).all()
    assert len(failed) == 1 and failed[0].object_id == str(user.id)


def test_a_used_code_cannot_be_replayed(app, client, auth, enrolled):
    user, _codes = enrolled
    code = code_for(user)
    auth.login(user)
    assert client.post("/login/code", data={"code": code}).status_code == 302
    auth.logout()
    # Another browser (an eavesdropper with the password) tries the same code within its window.
    other = app.test_client()
    other.post("/login", data={"email": user.email, "password": PASSWORD})
    assert other.post("/login/code", data={"code": code}).status_code == 422
    assert other.get("/").status_code == 302
    # Nor does an older code work once a newer one has been used.
    assert two_factor.check_code(fresh(user), code_for(user, -1)) is None
    db.session.rollback()


def test_a_recovery_code_works_once(app, client, auth, enrolled):
    user, codes = enrolled
    auth.login(user)
    typed = " " + codes[3].upper().replace("-", " ") + " "  # as people type them
    assert client.post("/login/code", data={"code": typed}).status_code == 302
    assert signed_in(client)
    assert audit_actions()[-1] == "login"
    assert db.session.scalar(select(func.count(RecoveryCode.id)).where(
        RecoveryCode.used_at.is_not(None))) == 1
    auth.logout()
    auth.login(user)
    assert client.post("/login/code", data={"code": codes[3]}).status_code == 422
    assert not signed_in(client)
    # Another user's code is no good either.
    other = make_user(role="staff")
    other_codes = enrol(other)
    assert client.post("/login/code", data={"code": other_codes[0]}).status_code == 422


def test_guessing_codes_locks_the_account_even_with_the_right_password(app, client, auth, enrolled):
    user, _codes = enrolled
    owner = app.test_client()  # the real user, at the right-code step before the attack
    owner.post("/login", data={"email": user.email, "password": PASSWORD})
    thief = {"REMOTE_ADDR": "10.0.0.66"}
    # The thief knows the password and starts over now and then: that does not reset the count.
    for _round in range(2):
        auth.login(user, environ_base=thief)
        for _ in range(LOCKED_OUT_BY_THROTTLE // 2):
            assert client.post("/login/code", data={"code": "999999"},
                               environ_base=thief).status_code == 422
    assert attempts() == [False] * LOCKED_OUT_BY_THROTTLE
    # Locked: neither the right password nor the right code gets in now, from any address.
    assert auth.login(user, environ_base=thief).status_code == 200
    assert owner.post("/login/code", data={"code": code_for(user)}).status_code == 422
    assert owner.get("/").status_code == 302
    assert owner.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 200
    assert audit_actions().count("login_failed") == LOCKED_OUT_BY_THROTTLE + 3  # + 3 refusals
    # An administrator lifts the lock, as for passwords.
    admin = db.session.scalars(select(User).where(User.role == "admin")).first()
    admin_browser = app.test_client()
    admin_browser.post("/login", data={"email": admin.email, "password": PASSWORD})
    admin_browser.post(f"/admin/users/{user.id}/unlock")
    owner.post("/login", data={"email": user.email, "password": PASSWORD})
    assert owner.post("/login/code", data={"code": code_for(user)}).status_code == 302
    assert owner.get("/").status_code == 200


def test_the_waiting_step_expires(client, auth, enrolled):
    user, _codes = enrolled
    auth.login(user)
    with client.session_transaction() as state:
        pending = dict(state["two_factor_pending"])
        pending["at"] -= 301
        state["two_factor_pending"] = pending
    response = client.post("/login/code", data={"code": code_for(user)})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert not signed_in(client) and sessions_of(user) == 0


def test_the_waiting_step_ends_when_the_password_changes(client, auth, enrolled):
    from association_tool.auth import accounts

    user, _codes = enrolled
    auth.login(user)
    accounts.set_password(fresh(user), "toinen-pitka-salasana-kelpaa", must_change=True)
    db.session.commit()
    response = client.post("/login/code", data={"code": code_for(user)})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert not signed_in(client)


def test_the_code_page_without_a_password_step_sends_to_sign_in(client, staff):
    assert client.get("/login/code").headers["Location"] == "/login"
    response = client.post("/login/code", data={"code": "123456"})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    # A forged waiting state is refused: the cookie is signed with the server's key.
    client.set_cookie("assoc_session", "eyJ0d29fZmFjdG9yX3BlbmRpbmciOnsidXNlciI6MX19.x.y")
    assert client.get("/login/code").headers["Location"] == "/login"


def test_a_user_without_two_step_sign_in_signs_in_as_before(client, auth, staff):
    response = auth.login(staff)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert signed_in(client)


@pytest.mark.csrf
def test_the_code_form_needs_the_csrf_token(client, enrolled):
    user, _codes = enrolled
    from .conftest import extract_csrf

    token = extract_csrf(client.get("/login").get_data(as_text=True))
    client.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    assert client.post("/login/code", data={"code": code_for(user)}).status_code == 400
    page = client.get("/login/code").get_data(as_text=True)
    done = client.post("/login/code", data={"code": code_for(user),
                                            "csrf_token": extract_csrf(page)})
    assert done.status_code == 302 and signed_in(client)


# --- managing one's own second factor -----------------------------------------------------------

def _sign_in_with_code(client, auth, user):
    auth.login(user)
    assert client.post("/login/code", data={"code": code_for(user)}).status_code == 302


def test_new_recovery_codes_need_a_current_code_and_replace_the_old(client, auth, enrolled):
    user, old_codes = enrolled
    _sign_in_with_code(client, auth, user)
    refused = client.post("/account/two-factor/recovery-codes", data={"code": "12"})
    assert refused.status_code == 422 and b'id="code-error"' in refused.data
    assert attempts()[-1] is False  # a wrong code here counts towards the lock too
    done = client.post("/account/two-factor/recovery-codes", data={"code": code_for(user, 1)})
    assert done.status_code == 200
    new_codes = re.findall(r"<li><code>([^<]+)</code></li>", done.get_data(as_text=True))
    assert len(new_codes) == 10 and not set(new_codes) & set(old_codes)
    assert two_factor.recovery_codes_left(fresh(user)) == 10
    auth.logout()
    auth.login(user)
    assert client.post("/login/code", data={"code": old_codes[0]}).status_code == 422
    assert client.post("/login/code", data={"code": new_codes[0]}).status_code == 302


def test_turning_off_needs_the_password_and_a_code(client, auth, enrolled):
    user, codes = enrolled
    _sign_in_with_code(client, auth, user)
    no_password = client.post("/account/two-factor/disable",
                              data={"password": "vaara-salasana-tama-on", "code": codes[0]})
    assert no_password.status_code == 422 and b'id="password-error"' in no_password.data
    no_code = client.post("/account/two-factor/disable",
                          data={"password": PASSWORD, "code": "000-bad"})
    assert no_code.status_code == 422 and b'id="code-error"' in no_code.data
    assert b'value="000-bad"' in no_code.data
    assert fresh(user).two_factor_enabled
    done = client.post("/account/two-factor/disable", data={"password": PASSWORD, "code": codes[0]})
    assert done.status_code == 303
    user = fresh(user)
    assert not user.two_factor_enabled and two_factor.totp_secret(user) is None
    assert two_factor.recovery_codes_left(user) == 0
    auth.logout()
    assert auth.login(user).headers["Location"] == "/"


# --- the administrator's rules ------------------------------------------------------------------

def _require(app, admin, on: bool = True):
    browser = app.test_client()
    browser.post("/login", data={"email": admin.email, "password": PASSWORD})
    data = {"require_two_factor": "y"} if on else {}
    assert browser.post("/admin/settings/two-factor", data=data).status_code == 303


def test_the_setting_is_shown_and_saved_and_logged(app, client, auth, admin):
    auth.login(admin)
    page = client.get("/admin/settings").get_data(as_text=True)
    assert 'name="require_two_factor"' in page and "checked" not in re.search(
        r'<input[^>]*name="require_two_factor"[^>]*>', page).group(0)
    assert client.post("/admin/settings/two-factor", data={"require_two_factor": "y"}
                       ).status_code == 303
    assert required_by_association()
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(
        AuditEvent.object_type == "settings", AuditEvent.detail.contains("two-step"))) == 1


def test_when_required_staff_must_enrol_before_anything_else(app, client, auth, admin, staff):
    _require(app, admin)
    response = auth.login(staff)
    assert response.status_code == 302
    assert client.get("/").headers["Location"] == "/account/two-factor"
    for path in ("/clients/", "/directory/", "/admin/users", "/account/two-factor/disable"):
        response = client.get(path) if path != "/account/two-factor/disable" else client.post(path)
        assert response.status_code == 302 and response.headers["Location"] == "/account/two-factor"
    htmx = client.get("/clients/", headers={"HX-Request": "true"})
    assert htmx.headers.get("HX-Redirect") == "/account/two-factor"
    assert client.get("/account/two-factor").status_code == 200
    client.post("/account/two-factor/start")
    done = client.post("/account/two-factor/confirm", data={"code": code_for(staff)})
    assert done.status_code == 200 and fresh(staff).two_factor_enabled
    assert signed_in(client)


def test_a_due_password_change_and_a_due_enrolment_do_not_loop(app, client, auth, admin):
    _require(app, admin)
    newcomer = make_user(role="staff", must_change_password=True)
    auth.login(newcomer)
    page = client.get("/", follow_redirects=True)
    assert page.status_code == 200 and page.request.path == "/account"
    client.post("/account/password", data={"current_password": PASSWORD,
                                           "password": "uusi-oma-salasana-kelpaa-hyvin",
                                           "password_confirm": "uusi-oma-salasana-kelpaa-hyvin"})
    page = client.get("/", follow_redirects=True)
    assert page.status_code == 200 and page.request.path == "/account/two-factor"


def test_the_requirement_also_stops_sessions_that_were_already_open(app, client, auth, admin, staff):
    auth.login(staff)
    assert signed_in(client)
    _require(app, admin)
    assert client.get("/").headers["Location"] == "/account/two-factor"


def test_the_requirement_reaches_admins_too(app, client, auth, admin):
    _require(app, admin)
    auth.login(admin)
    assert client.get("/admin/users").headers["Location"] == "/account/two-factor"


def test_peer_supporters_are_not_required_but_may_enrol(app, client, auth, admin, peer):
    _require(app, admin)
    auth.login(peer)
    assert signed_in(client)
    client.post("/account/two-factor/start")
    assert client.post("/account/two-factor/confirm", data={"code": code_for(peer)}
                       ).status_code == 200
    auth.logout()
    assert auth.login(peer).headers["Location"] == "/login/code"


def test_an_admin_resets_a_lost_second_factor(app, client, auth, admin, enrolled):
    user, codes = enrolled
    staff_browser = app.test_client()
    staff_browser.post("/login", data={"email": user.email, "password": PASSWORD})
    staff_browser.post("/login/code", data={"code": code_for(user)})
    assert staff_browser.get("/").status_code == 200

    auth.login(admin)
    page = client.get(f"/admin/users/{user.id}").get_data(as_text=True)
    assert f'action="/admin/users/{user.id}/two-factor/reset"' in page
    assert client.post(f"/admin/users/{user.id}/two-factor/reset").status_code == 303
    user = fresh(user)
    assert not user.two_factor_enabled and two_factor.totp_secret(user) is None
    assert two_factor.recovery_codes_left(user) == 0
    assert staff_browser.get("/").status_code == 302  # their sessions ended
    event = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert event.action == "update" and event.object_id == str(user.id)
    assert "two-step" in event.detail and event.user_id == admin.id
    # They sign in with the password alone again.
    assert staff_browser.post("/login", data={"email": user.email, "password": PASSWORD}
                              ).headers["Location"] == "/"


def test_an_admin_cannot_reset_their_own_second_factor_here(client, auth, admin):
    enrol(admin)
    auth.login(admin)
    client.post("/login/code", data={"code": code_for(admin)})
    assert client.post(f"/admin/users/{admin.id}/two-factor/reset").status_code == 303
    assert fresh(admin).two_factor_enabled


def test_only_admins_reset_or_require(client, auth, staff, enrolled):
    other = make_user(role="staff")
    enrol(other)
    auth.login(staff)
    client.post("/login/code", data={"code": code_for(staff)})
    assert client.post(f"/admin/users/{other.id}/two-factor/reset").status_code == 403
    assert client.post("/admin/settings/two-factor", data={"require_two_factor": "y"}
                       ).status_code == 403
    assert fresh(other).two_factor_enabled and not required_by_association()


# --- the migration ------------------------------------------------------------------------------

def _run_own_migration(*steps: str) -> None:
    """Run this feature's migration steps alone, whatever later migrations exist.

    A step is "0007.upgrade" and so on: 0007 made two-step sign-in, 0015 sealed its secrets.
    """
    import importlib.util
    from pathlib import Path

    from alembic.migration import MigrationContext
    from alembic.operations import Operations

    folder = Path(__file__).resolve().parent.parent / "migrations/versions"
    db.session.remove()
    with db.engine.begin() as connection:
        context = MigrationContext.configure(connection, opts={"render_as_batch": True})
        with Operations.context(context):
            for step in steps:
                revision, function = step.split(".")
                path = next(folder.glob(f"{revision}_*.py"))
                spec = importlib.util.spec_from_file_location(f"migration_{revision}", path)
                module = importlib.util.module_from_spec(spec)
                spec.loader.exec_module(module)
                getattr(module, function)()


def _user_columns() -> set[str]:
    from sqlalchemy import inspect

    db.session.rollback()  # another connection reads the schema: hold no lock meanwhile
    return {c["name"] for c in inspect(db.engine).get_columns("user")}


def _stored_secret(user_id: int, column: str = "totp_secret_sealed"):
    """The user's secret column as the database holds it."""
    from sqlalchemy import column as sql_column, table

    user = table("user", sql_column("id"), sql_column(column))
    db.session.rollback()
    value = db.session.execute(select(user.c[column]).where(user.c.id == user_id)).scalar_one()
    db.session.rollback()
    return value


def test_the_migration_goes_down_and_up_without_losing_users_or_sessions(app, client, auth, staff):
    auth.login(staff)
    staff_id = staff.id
    _run_own_migration("0015.downgrade", "0007.downgrade")
    from sqlalchemy import inspect

    inspector = inspect(db.engine)
    assert "recovery_code" not in inspector.get_table_names()
    assert not {"totp_secret", "totp_secret_sealed"} & _user_columns()
    assert db.session.execute(select(func.count(AuthSession.id))).scalar_one() == 1
    db.session.remove()
    _run_own_migration("0007.upgrade", "0015.upgrade")
    staff = db.session.get(User, staff_id)
    assert sessions_of(staff) == 1
    assert signed_in(client)
    enrol(staff)
    assert fresh(staff).two_factor_enabled


# --- the secret at rest -------------------------------------------------------------------------

def test_the_stored_secret_is_never_the_base32_secret(app, client, auth, staff):
    enrol(staff)
    secret = two_factor.totp_secret(fresh(staff))
    stored = _stored_secret(staff.id)
    assert len(secret) == 32 and stored.startswith("v1:")
    assert secret not in stored and secret.lower() not in stored.lower()
    assert "totp_secret" not in _user_columns()
    # Two enrolments of one secret would not even look alike: a fresh nonce each time.
    from association_tool import sealing

    key = app.config["TOTP_ENCRYPTION_KEY"]
    context = sealing.user_context(staff.id)
    assert sealing.seal(key, secret, context) != sealing.seal(key, secret, context)
    # Sign-in with a code still works, through the sealed secret.
    auth.login(staff)
    assert client.post("/login/code", data={"code": code_for(staff)}).status_code == 302
    assert signed_in(client)


def test_the_key_is_made_once_in_the_instance_folder_for_the_owner_only(app, monkeypatch,
                                                                          tmp_path):
    from association_tool.config import totp_encryption_key

    monkeypatch.delenv("TOTP_ENCRYPTION_KEY", raising=False)
    folder = tmp_path / "elsewhere"
    first = totp_encryption_key(folder)
    assert (folder / "totp_key").stat().st_mode & 0o777 == 0o600
    assert totp_encryption_key(folder) == first
    monkeypatch.setenv("TOTP_ENCRYPTION_KEY", "ZmFrZQ")
    assert totp_encryption_key(folder) == "ZmFrZQ"


def test_a_sealed_secret_does_not_open_on_another_users_row(app, staff):
    other = make_user(role="staff")
    enrol(staff)
    db.session.execute(User.__table__.update().where(User.id == other.id).values(
        totp_secret_sealed=_stored_secret(staff.id), totp_enabled_at=fresh(staff).totp_enabled_at))
    db.session.commit()
    from association_tool.sealing import SealKeyError

    with pytest.raises(SealKeyError):
        two_factor.totp_secret(fresh(other))


def test_a_wrong_key_gives_a_clear_error_and_accepts_no_code(app, client, auth, staff, caplog):
    enrol(staff)
    good_code = code_for(staff)
    from association_tool import sealing

    app.config["TOTP_ENCRYPTION_KEY"] = sealing.new_key()  # the key file was lost or replaced
    with pytest.raises(sealing.SealKeyError, match="does not open"):
        two_factor.check_code(fresh(staff), good_code)
    auth.login(staff)
    response = client.post("/login/code", data={"code": good_code})
    assert response.status_code == 500
    assert "Kaksivaiheista kirjautumista ei voi tarkistaa" in response.get_data(as_text=True)
    assert not signed_in(client)
    assert any("does not open the stored authenticator secrets" in r.getMessage()
               for r in caplog.records)
    assert fresh(staff).totp_last_step is not None and "login" not in audit_actions()


def test_a_malformed_key_stops_the_app_from_starting(app, monkeypatch, tmp_path):
    from association_tool import create_app
    from association_tool.config import Config

    monkeypatch.setenv("TOTP_ENCRYPTION_KEY", "too-short")
    with pytest.raises(RuntimeError, match="TOTP_ENCRYPTION_KEY"):
        create_app(Config())


def test_the_migration_seals_a_secret_stored_in_clear(app, client, auth, staff):
    enrol(staff)
    secret = two_factor.totp_secret(fresh(staff))
    _run_own_migration("0015.downgrade")  # as before the sealing: the secret in clear
    assert _stored_secret(staff.id, "totp_secret") == secret
    assert "totp_secret_sealed" not in _user_columns()
    _run_own_migration("0015.upgrade")
    stored = _stored_secret(staff.id)
    assert stored.startswith("v1:") and secret not in stored
    assert "totp_secret" not in _user_columns()
    assert two_factor.totp_secret(fresh(staff)) == secret
    auth.login(staff)
    assert client.post("/login/code", data={"code": code_for(staff)}).status_code == 302
    assert signed_in(client)


def test_the_command_line_resets_a_locked_out_only_admin(app, client, auth, admin, runner):
    # The only admin has two-step sign-in, lost the phone and the codes, and guessed ten times.
    enrol(admin)
    for _ in range(10):
        auth.login(admin, "vaara-salasana-tama-on")
    assert not signed_in(client)
    result = runner.invoke(args=["users", "reset-two-factor", "--email", admin.email.upper()])
    assert result.exit_code == 0, result.output
    assert not fresh(admin).two_factor_enabled
    assert db.session.query(RecoveryCode).filter_by(user_id=admin.id).count() == 0
    # The account's lock is lifted (the guessing address stays throttled for its window).
    back = client.post("/login", data={"email": admin.email, "password": PASSWORD},
                       environ_base={"REMOTE_ADDR": "10.1.1.1"})
    assert back.status_code == 302 and signed_in(client)
    assert "update" in audit_actions()
    unknown = runner.invoke(args=["users", "reset-two-factor", "--email", "ei@example.org"])
    assert unknown.exit_code != 0 and "ei@example.org" in unknown.output
