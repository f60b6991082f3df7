"""Sessions across every route: fixation, revocation at once, idle and absolute timeouts, the
sign-in throttle, and the Secure cookie flag (SECURITY.md 3-6).

Time is moved with the app's own clock (`utcnow`, as the session and throttle code imports it
from association_tool.timeutil). A revoked or expired session is replayed against every
signed-in route and method, so a route that forgot the session check cannot hide.
"""
from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from association_tool.extensions import db
from association_tool.models import LoginAttempt, User

from ..factories import PASSWORD
from .checks import header_problems
from .conftest import FIGURES, sign_in
from .routes import LOGIN, all_routes, ids_for, outcome, url_for_route


@contextmanager
def clock(offset: timedelta):
    """Move the app's clock (as the session and throttle code read it) forward by `offset`."""
    from association_tool.auth import sessions, throttle

    def moved(now):
        return lambda: now() + offset

    modules = (sessions, throttle)
    real = {module: module.utcnow for module in modules}
    for module in modules:
        module.utcnow = moved(real[module])
    try:
        yield
    finally:
        for module in modules:
            module.utcnow = real[module]


def _cookie(browser, app):
    cookie = browser.get_cookie(app.config["SESSION_COOKIE_NAME"])
    return cookie.value if cookie else None


def _replay_everywhere(app, seeded, cookie: str, what: str) -> list[str]:
    """Use a session cookie against every signed-in route and method: all must ask to sign in."""
    backend = app.config["SECURITY_BACKEND"]
    thief = app.test_client()
    thief.set_cookie(app.config["SESSION_COOKIE_NAME"], cookie)
    routes, _ = all_routes(app)
    failures = []
    for route in routes:
        if route.declared.public:
            continue
        url = url_for_route(route, ids_for("own", seeded.ids))
        response = thief.open(url, method=route.method)
        ok = outcome(response) == LOGIN and not any(
            t in response.get_data(as_text=True) for t in seeded.tokens.values())
        FIGURES.case(f"6. {what}: session refused on every route", backend,
                     refusal_expected=True, refused=outcome(response) == LOGIN, ok=ok)
        if not ok:
            failures.append(f"{route} after {what}: {response.status_code}")
        thief.set_cookie(app.config["SESSION_COOKIE_NAME"], cookie)
    return failures


@pytest.mark.parametrize("role", ["admin", "staff", "peer"])
def test_sign_in_issues_a_new_session_and_a_planted_one_gives_nothing(world, role):
    app, seeded, _ = world
    browser = app.test_client()
    browser.get("/login")
    planted = _cookie(browser, app)
    assert planted  # the anonymous session exists (the language choice, the form token…)
    sign_in(browser, seeded.users[role])
    signed_in = _cookie(browser, app)
    attacker = app.test_client()
    attacker.set_cookie(app.config["SESSION_COOKIE_NAME"], planted)
    gained = outcome(attacker.get("/")) != LOGIN
    ok = signed_in and signed_in != planted and not gained
    FIGURES.case("6. session fixation: new session at sign-in", app.config["SECURITY_BACKEND"],
                 refusal_expected=True, refused=not gained, ok=ok)
    assert ok
    assert browser.get("/").status_code == 200


def test_sign_out_ends_the_session_everywhere_at_once(world):
    app, seeded, _ = world
    browser = app.test_client()
    sign_in(browser, seeded.users["staff"])
    stolen = _cookie(browser, app)
    assert browser.post("/logout").status_code == 302
    assert _replay_everywhere(app, seeded, stolen, "sign-out") == []


def test_disabling_a_user_ends_their_sessions_at_once(world):
    app, seeded, browsers = world
    user = seeded.users["other_peer"]
    browser = app.test_client()
    sign_in(browser, user)
    stolen = _cookie(browser, app)
    response = browsers["admin"].post(f"/admin/users/{user.id}/active", data={"active": "0"})
    assert response.status_code in (302, 303)
    try:
        assert _replay_everywhere(app, seeded, stolen, "disabling the user") == []
    finally:
        db.session.get(User, user.id).active = True
        db.session.commit()


def test_changing_the_password_ends_the_other_sessions_at_once(world):
    app, seeded, _ = world
    user = seeded.users["other_peer"]
    other_device, this_device = app.test_client(), app.test_client()
    sign_in(other_device, user)
    sign_in(this_device, user)
    stolen = _cookie(other_device, app)
    new = "toinen-pitka-salasana-vaihdettu"
    response = this_device.post("/account/password", data={
        "current_password": PASSWORD, "password": new, "password_confirm": new})
    assert response.status_code == 302
    try:
        assert this_device.get("/").status_code == 200  # the device that changed it stays in
        assert _replay_everywhere(app, seeded, stolen, "password change") == []
    finally:
        from association_tool.auth import accounts

        accounts.set_password(db.session.get(User, user.id), PASSWORD, must_change=False)
        db.session.commit()


def test_idle_timeout_is_enforced_on_the_server(world):
    app, seeded, _ = world
    browser = app.test_client()
    sign_in(browser, seeded.users["peer"])
    cookie = _cookie(browser, app)
    idle = app.config["IDLE_TIMEOUT"]
    with clock(idle - timedelta(minutes=1)):
        assert browser.get("/").status_code == 200  # just inside the limit: still signed in
    with clock(2 * idle - timedelta(minutes=1) + timedelta(seconds=61)):
        failures = _replay_everywhere(app, seeded, cookie, "idle timeout")
    assert failures == []


def test_absolute_lifetime_ends_even_an_active_session(world):
    app, seeded, _ = world
    browser = app.test_client()
    sign_in(browser, seeded.users["staff"])
    cookie = _cookie(browser, app)
    lifetime, step = app.config["ABSOLUTE_SESSION_LIFETIME"], app.config["IDLE_TIMEOUT"] / 2
    elapsed = timedelta(0)
    while elapsed + step < lifetime:  # active all along: never idle
        elapsed += step
        with clock(elapsed):
            assert browser.get("/").status_code == 200, f"signed out after {elapsed}"
    with clock(lifetime + timedelta(seconds=1)):
        failures = _replay_everywhere(app, seeded, cookie, "absolute lifetime")
    assert failures == []


def _attempts() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count(LoginAttempt.id)))


def _try(app, email, password, ip):
    return app.test_client().post("/login", data={"email": email, "password": password},
                                  environ_base={"REMOTE_ADDR": ip})


def test_failures_lock_the_account_from_any_address_until_the_window_or_an_admin(world):
    app, seeded, browsers = world
    backend = app.config["SECURITY_BACKEND"]
    user = seeded.users["other_peer"]
    limit = app.config["LOGIN_MAX_FAILURES"]
    before = _attempts()
    for n in range(limit):
        assert _try(app, user.email, f"arvaus-numero-{n}-vaarin", f"198.51.100.{n + 1}").status_code == 200
    locked = _try(app, user.email, PASSWORD, "198.51.100.200")
    FIGURES.case("6. sign-in throttle", backend, refusal_expected=True,
                 refused=locked.status_code == 200, ok=locked.status_code == 200)
    assert locked.status_code == 200  # the right password, refused: the form comes back
    assert _attempts() == before + limit + 1  # every attempt is recorded
    with clock(app.config["LOGIN_FAILURE_WINDOW"] + timedelta(seconds=1)):
        later = _try(app, user.email, PASSWORD, "198.51.100.201")
    FIGURES.case("6. sign-in throttle", backend, refusal_expected=False, refused=False,
                 ok=later.status_code == 302)
    assert later.status_code == 302  # the window has passed
    for n in range(limit):
        _try(app, user.email, f"arvaus-numero-{n}-vaarin", "198.51.100.202")
    assert _try(app, user.email, PASSWORD, "198.51.100.203").status_code == 200
    assert browsers["admin"].post(f"/admin/users/{user.id}/unlock").status_code in (302, 303)
    unlocked = _try(app, user.email, PASSWORD, "198.51.100.204")
    FIGURES.case("6. sign-in throttle", backend, refusal_expected=False, refused=False,
                 ok=unlocked.status_code == 302)
    assert unlocked.status_code == 302  # an admin lifted the lock


def test_failures_from_one_address_lock_that_address_for_every_account(world):
    app, seeded, _ = world
    backend = app.config["SECURITY_BACKEND"]
    limit = app.config["LOGIN_MAX_FAILURES"]
    for n in range(limit):
        _try(app, f"arvattu{n}@example.org", "vaara-salasana-joka-tapauksessa", "203.0.113.9")
    from_there = _try(app, seeded.users["staff"].email, PASSWORD, "203.0.113.9")
    elsewhere = _try(app, seeded.users["staff"].email, PASSWORD, "203.0.113.10")
    ok = from_there.status_code == 200 and elsewhere.status_code == 302
    FIGURES.case("6. sign-in throttle", backend, refusal_expected=True,
                 refused=from_there.status_code == 200, ok=ok)
    assert ok


def test_the_secure_flag_is_set_on_every_response_that_sets_the_cookie(world):
    app, seeded, _ = world
    app.config["SESSION_COOKIE_SECURE"] = True
    try:
        browser = app.test_client()
        sign_in(browser, seeded.users["admin"], base_url="https://localhost")
        routes, _ = all_routes(app)
        failures, cookies = [], 0
        for route in routes:
            if route.method != "GET":
                continue
            url = url_for_route(route, ids_for("own", seeded.ids))
            response = browser.get(url, base_url="https://localhost")
            cookies += bool(response.headers.getlist("Set-Cookie"))
            problems = header_problems(response, endpoint=route.endpoint, secure_cookie=True)
            FIGURES.case("6. security headers and cookie flags", app.config["SECURITY_BACKEND"],
                         refusal_expected=False, refused=False, ok=not problems)
            if problems:
                failures.append(f"{url}: {problems}")
        assert failures == []
        assert cookies >= 1
    finally:
        app.config["SESSION_COOKIE_SECURE"] = False
