"""Signing in and out, server-side sessions, timeouts and throttling."""
import ast
import re
from datetime import timedelta
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select

from association_tool.extensions import db
from association_tool.models import AuditEvent, AuthSession, LoginAttempt, User
from association_tool.timeutil import utcnow

from .factories import PASSWORD, make_user


def session_cookie(client):
    """Return the session cookie's value."""
    cookie = client.get_cookie("assoc_session")
    return cookie.value if cookie else None


def test_login_with_right_password_signs_in(client, auth, staff):
    response = auth.login(staff)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    page = client.get("/").get_data(as_text=True)
    assert staff.name in page


def test_wrong_password_and_unknown_address_get_the_same_answer(client, auth, staff):
    wrong = auth.login(staff, "vaara-salasana-tama-on").get_data(as_text=True)
    unknown = auth.login("ei-ole@example.org", "vaara-salasana-tama-on").get_data(as_text=True)
    alert = re.compile(r'role="alert">(.*?)</div>', re.S)
    assert alert.search(wrong).group(1) == alert.search(unknown).group(1)
    assert client.get("/").status_code == 302
    assert f'value="{staff.email}"' in wrong  # the typed address is kept


def test_every_attempt_is_logged(client, auth, staff):
    auth.login(staff, "vaara-salasana-tama-on")
    auth.login(staff)
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions[-2:] == ["login_failed", "login"]
    attempts = db.session.scalars(select(LoginAttempt.success).order_by(LoginAttempt.id)).all()
    assert attempts == [False, True]


def test_login_issues_a_new_session_and_the_old_cookie_is_useless(client, auth, staff):
    client.get("/login")
    before = session_cookie(client)
    auth.login(staff)
    after = session_cookie(client)
    assert after and after != before
    # Session fixation: a cookie planted before sign-in does not carry the sign-in.
    client.set_cookie("assoc_session", before or "")
    assert client.get("/").status_code == 302


def test_logout_ends_the_session_on_the_server(app, client, auth, staff):
    auth.login(staff)
    stolen = session_cookie(client)
    auth.logout()
    assert db.session.query(AuthSession).count() == 0
    replay = app.test_client()
    replay.set_cookie("assoc_session", stolen)
    assert replay.get("/").status_code == 302


def test_disabling_a_user_ends_their_sessions_at_once(app, client, auth, admin, staff):
    staff_browser = app.test_client()
    staff_browser.post("/login", data={"email": staff.email, "password": PASSWORD})
    assert staff_browser.get("/").status_code == 200
    auth.login(admin)
    client.post(f"/admin/users/{staff.id}/active", data={"active": "0"})
    assert staff_browser.get("/").status_code == 302
    assert staff_browser.post("/login", data={"email": staff.email, "password": PASSWORD}
                              ).status_code == 200  # refused: the form comes back


def test_changing_password_ends_other_sessions(app, client, auth, staff):
    other_device = app.test_client()
    other_device.post("/login", data={"email": staff.email, "password": PASSWORD})
    auth.login(staff)
    new = "uusi-oma-salasana-kaikille"
    response = client.post("/account/password", data={
        "current_password": PASSWORD, "password": new, "password_confirm": new})
    assert response.status_code == 302
    assert client.get("/").status_code == 200  # this device stays signed in
    assert other_device.get("/").status_code == 302
    client.post("/logout")
    assert auth.login(staff, new).status_code == 302


def test_password_change_with_wrong_current_password_is_refused(client, auth, staff):
    auth.login(staff)
    new = "uusi-oma-salasana-kaikille"
    response = client.post("/account/password", data={
        "current_password": "ei-ole-oikea-salasana", "password": new, "password_confirm": new})
    assert response.status_code == 422
    assert "id=\"current_password-error\"" in response.get_data(as_text=True)


def test_guessing_the_current_password_counts_towards_the_lock(app, client, auth, staff):
    auth.login(staff)
    new = "uusi-oma-salasana-kaikille"
    for i in range(10):
        refused = client.post("/account/password", data={
            "current_password": f"arvaus-numero-{i:02d}", "password": new, "password_confirm": new})
        assert refused.status_code == 422
    # Even the right current password is refused now, and the guesses are in the access log.
    locked = client.post("/account/password", data={
        "current_password": PASSWORD, "password": new, "password_confirm": new})
    assert locked.status_code == 422
    assert db.session.query(LoginAttempt).filter_by(user_id=staff.id, success=False).count() == 11
    other = app.test_client()
    assert other.post("/login", data={"email": staff.email, "password": PASSWORD},
                      environ_base={"REMOTE_ADDR": "10.1.1.1"}).status_code == 200  # locked
    assert db.session.scalars(select(AuthSession)).first() is not None


def test_idle_timeout_is_enforced_on_the_server(app, client, auth, staff):
    auth.login(staff)
    record = db.session.scalars(select(AuthSession)).one()
    record.last_seen_at = utcnow() - app.config["IDLE_TIMEOUT"] - timedelta(seconds=5)
    db.session.commit()
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert db.session.query(AuthSession).count() == 0


def test_absolute_lifetime_is_enforced_even_when_active(app, client, auth, staff):
    auth.login(staff)
    record = db.session.scalars(select(AuthSession)).one()
    record.created_at = utcnow() - app.config["ABSOLUTE_SESSION_LIFETIME"] - timedelta(seconds=5)
    record.last_seen_at = utcnow()
    db.session.commit()
    assert client.get("/").status_code == 302


def test_activity_keeps_the_session_alive(app, client, auth, staff):
    auth.login(staff)
    record = db.session.scalars(select(AuthSession)).one()
    record.last_seen_at = utcnow() - app.config["IDLE_TIMEOUT"] + timedelta(minutes=1)
    db.session.commit()
    assert client.get("/").status_code == 200
    db.session.expire_all()
    assert utcnow() - db.session.scalars(select(AuthSession)).one().last_seen_at < timedelta(minutes=1)


def test_account_is_locked_after_ten_failures_until_an_admin_unlocks(app, client, auth, admin, staff):
    for _ in range(10):
        auth.login(staff, "vaara-salasana-tama-on")
    response = auth.login(staff)  # right password, but locked
    assert response.status_code == 200
    assert "15" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302

    admin_browser = app.test_client()
    admin_browser.post("/login", data={"email": admin.email, "password": PASSWORD},
                       environ_base={"REMOTE_ADDR": "10.9.9.9"})
    admin_browser.post(f"/admin/users/{staff.id}/unlock", environ_base={"REMOTE_ADDR": "10.9.9.9"})
    # The address is still throttled; from another address the account works again.
    ok = client.post("/login", data={"email": staff.email, "password": PASSWORD},
                     environ_base={"REMOTE_ADDR": "10.1.1.1"})
    assert ok.status_code == 302


def test_failures_from_one_address_are_throttled_across_accounts(client):
    make_user(role="admin")
    victims = [make_user(role="staff") for _ in range(3)]
    for i in range(10):
        client.post("/login", data={"email": victims[i % 3].email, "password": "arvaus-numero-" + str(i)},
                    environ_base={"REMOTE_ADDR": "192.0.2.7"})
    locked = client.post("/login", data={"email": victims[0].email, "password": PASSWORD},
                         environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert locked.status_code == 200
    elsewhere = client.post("/login", data={"email": victims[0].email, "password": PASSWORD},
                            environ_base={"REMOTE_ADDR": "192.0.2.8"})
    assert elsewhere.status_code == 302


def test_throttle_is_counted_in_the_database(app, client, staff):
    # A second app instance (another worker process) sees the same failures.
    for _ in range(10):
        client.post("/login", data={"email": staff.email, "password": "vaara-salasana-tama-on"})
    from association_tool import create_app
    other_worker = create_app(app.config.__class__()) if False else app  # same DB either way
    count = db.session.scalar(select(func.count(LoginAttempt.id)).where(LoginAttempt.success.is_(False)))
    assert count == 10
    assert other_worker.test_client().post(
        "/login", data={"email": staff.email, "password": PASSWORD}).status_code == 200


def test_disabled_user_cannot_sign_in(client, auth):
    make_user(role="admin")
    user = make_user(role="staff", active=False)
    assert auth.login(user).status_code == 200
    assert client.get("/").status_code == 302


def test_admin_set_password_must_be_changed_first(client, auth):
    make_user(role="admin")
    user = make_user(role="peer", must_change_password=True)
    response = auth.login(user)
    assert response.headers["Location"] == "/account"
    assert client.get("/").headers["Location"] == "/account"
    new = "oma-uusi-salasana-vertaiselle"
    client.post("/account/password", data={"current_password": PASSWORD, "password": new,
                                           "password_confirm": new})
    assert client.get("/").status_code == 200


def test_next_parameter_never_leads_to_another_site(client, staff):
    for target in ("https://evil.example.com/", "//evil.example.com/x", "javascript:alert(1)"):
        response = client.post(f"/login?next={target}",
                               data={"email": staff.email, "password": PASSWORD})
        assert response.headers["Location"] == "/"
        client.post("/logout")
    response = client.post("/login?next=/account", data={"email": staff.email, "password": PASSWORD})
    assert response.headers["Location"] == "/account"


def test_password_is_rehashed_when_parameters_change(client, staff):
    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(PASSWORD)
    staff.password_hash = weak
    db.session.commit()
    client.post("/login", data={"email": staff.email, "password": PASSWORD})
    db.session.expire_all()
    stored = db.session.get(User, staff.id).password_hash
    assert stored != weak and stored.startswith("$argon2id$")
    assert "m=8," not in stored


def test_passwords_are_stored_as_argon2id(staff):
    assert staff.password_hash.startswith("$argon2id$")
    assert PASSWORD not in staff.password_hash


@pytest.mark.parametrize("email", ["ADMIN@yhdistys.example.org", "  admin@yhdistys.example.org "])
def test_email_is_matched_without_case_or_spaces(client, admin, email):
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302


def test_two_users_are_never_equal_by_accident(app):
    from .factories import make_user

    first, second = make_user(role="staff"), make_user(role="peer")
    assert first != second and first not in [second] and len({first, second}) == 2
    assert first == first


def test_production_hasher_keeps_the_rfc_9106_low_memory_profile():
    """The suite hashes cheaply; what the app itself uses stays Argon2id at full cost."""
    from association_tool import passwords

    hasher = passwords.PRODUCTION_HASHER
    assert (hasher.time_cost, hasher.memory_cost, hasher.parallelism) == (3, 65536, 4)
    assert hasher.hash(PASSWORD).startswith("$argon2id$v=19$m=65536,t=3,p=4$")


# --- one's own phone number ---------------------------------------------------------------------

def account_form(client, action: str):
    """What the account page's form posting to `action` sends when saved as it is."""
    from werkzeug.datastructures import MultiDict

    from .security.pages import form_data, post_forms

    page = client.get("/account")
    assert page.status_code == 200
    (form,) = [f for f in post_forms(page.get_data(as_text=True), "/account") if f.action == action]
    return MultiDict(form_data(form, fill=lambda f: [f.value] if f.free_text else None))


@pytest.mark.parametrize("role", ["staff", "peer"])
def test_staff_and_peers_set_their_own_phone_on_the_account_page(client, auth, admin, role):
    user = make_user(role=role)
    auth.login(user)
    page = client.get("/account").get_data(as_text=True)
    assert 'action="/account/phone"' in page and 'name="phone_on_documents"' in page
    box = re.search(r'<input[^>]*name="phone_on_documents"[^>]*>', page).group(0)
    assert "checked" in box  # printed unless they say no
    response = client.post("/account/phone", data={"phone": " +358 (0)40 123-4567 ",
                                                   "phone_on_documents": "y"})
    assert response.status_code == 303 and response.headers["Location"] == "/account#phone"
    db.session.expire_all()
    user = db.session.get(User, user.id)
    assert (user.phone, user.phone_on_documents) == ("+358 (0)40 123-4567", True)
    assert 'value="+358 (0)40 123-4567"' in client.get("/account").get_data(as_text=True)

    client.post("/account/phone", data={"phone": "040 765 4321"})  # the box left unticked
    db.session.expire_all()
    user = db.session.get(User, user.id)
    assert (user.phone, user.phone_on_documents) == ("040 765 4321", False)
    events = db.session.scalars(select(AuditEvent).where(
        AuditEvent.object_type == "user", AuditEvent.object_id == str(user.id),
        AuditEvent.action == "update")).all()
    assert [e.detail for e in events] == ["changed: phone", "changed: phone, phone_on_documents"]

    client.post("/account/phone", data={"phone": ""})  # and taken away
    db.session.expire_all()
    assert db.session.get(User, user.id).phone is None


@pytest.mark.parametrize("typed", ["soita minulle", "040 123 4567 tai 050 1", "040/1234567",
                                   "1" * 41, "+-()"])
def test_a_bad_phone_number_comes_back_with_the_text_kept(client, auth, staff, typed):
    staff.locale = "en"
    staff.phone = "040 111 2222"
    db.session.commit()
    version = staff.version
    auth.login(staff)
    response = client.post("/account/phone", data={"phone": typed, "phone_on_documents": "y"})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    field = body.split('id="phone-error"', 1)[1].split("</small>", 1)[0]
    assert ("digits, spaces, +, - and parentheses" in field
            or "at most 40" in field), field
    assert f'value="{typed}"' in body.replace("&#39;", "'")
    db.session.expire_all()
    user = db.session.get(User, staff.id)
    assert (user.phone, user.version) == ("040 111 2222", version)


@pytest.mark.parametrize("phone, printed", [("040 123 4567", True), ("040 123 4567", False),
                                            (None, True)])
def test_saving_the_account_page_unchanged_changes_nothing(client, auth, staff, phone, printed):
    staff.phone, staff.phone_on_documents = phone, printed
    db.session.commit()
    version = staff.version
    auth.login(staff)
    before = db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "update"))
    response = client.post("/account/phone", data=account_form(client, "/account/phone"))
    assert response.status_code == 303
    db.session.expire_all()
    user = db.session.get(User, staff.id)
    assert (user.phone, user.phone_on_documents, user.version) == (phone, printed, version)
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(
        AuditEvent.action == "update")) == before


# --- how the sign-in code is laid out -----------------------------------------------------------

PACKAGE_ROOT = Path(__file__).resolve().parent.parent / "association_tool"


def _imported_modules(path: Path, package: str) -> set[str]:
    """The modules a file imports, at the top or inside functions, as dotted names."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")
            base = base[:len(base) - node.level + 1] if node.level else []
            start = ".".join(base + ([node.module] if node.module else []))
            found.add(start)
            found.update(f"{start}.{alias.name}" for alias in node.names)
    return found


def _auth_import_cycle(root: Path) -> list[str] | None:
    """Return a cycle of imports among the sign-in modules (auth/*.py, settings.py), if any."""
    modules = {f"association_tool.auth.{p.stem}": p for p in (root / "auth").glob("*.py")
               if p.stem != "__init__"}
    modules["association_tool.settings"] = root / "settings.py"
    graph = {name: sorted(_imported_modules(path, name.rpartition(".")[0]) & modules.keys())
             for name, path in modules.items()}
    done: set[str] = set()

    def visit(name, trail):
        if name in trail:
            return trail[trail.index(name):] + [name]
        if name in done:
            return None
        for target in graph[name]:
            cycle = visit(target, trail + [name])
            if cycle:
                return cycle
        done.add(name)
        return None

    for name in sorted(graph):
        cycle = visit(name, [])
        if cycle:
            return cycle
    return None


def test_the_sign_in_modules_import_each_other_one_way_only():
    assert _auth_import_cycle(PACKAGE_ROOT) is None


def test_the_settings_are_read_without_the_auth_or_admin_packages():
    imported = _imported_modules(PACKAGE_ROOT / "settings.py", "association_tool")
    features = ("association_tool.auth", "association_tool.admin")
    assert not {module for module in imported if module.startswith(features)}
