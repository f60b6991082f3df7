"""Every route declares who may use it, and the declaration holds for every role."""
import re

import pytest
from sqlalchemy import select

from association_tool.access import ACCESS_ATTR, ADMIN, PUBLIC, SIGNED_IN, STAFF
from association_tool.extensions import db
from association_tool.models import AuditEvent

from .factories import PASSWORD, make_user


def _routes(app):
    """Yield (rule, endpoint rule object, declared rule) for every URL rule."""
    for url_rule in app.url_map.iter_rules():
        view = app.view_functions[url_rule.endpoint]
        yield url_rule, getattr(view, ACCESS_ATTR, None)


def _concrete(url_rule) -> str:
    """Fill a rule's variables with plausible values."""
    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", lambda m: "1" if m.group(1).endswith("id") else "x",
                  url_rule.rule)


def test_every_route_declares_an_access_rule(app):
    undeclared = [r.rule for r, declared in _routes(app) if declared is None]
    assert undeclared == []


def test_only_the_expected_routes_are_public(app):
    from association_tool.access import PUBLIC_ENDPOINTS

    public = {r.endpoint for r, declared in _routes(app) if declared is PUBLIC}
    assert public == PUBLIC_ENDPOINTS
    assert PUBLIC_ENDPOINTS == {"auth.language", "auth.login", "auth.login_code", "auth.setup",
                                "static", "health.healthz", "feedback.kiosk", "feedback.partner"}


def test_an_undeclared_route_is_closed(app, client, admin):
    app.add_url_rule("/forgotten", "forgotten", lambda: "secret data")
    client.post("/login", data={"email": admin.email, "password": PASSWORD})
    response = client.get("/forgotten")
    assert response.status_code == 404
    assert b"secret data" not in response.data


def _expected(declared, role):
    """Tell whether a role passes a declared rule."""
    if declared is PUBLIC:
        return True
    return role is not None and role in declared.roles


@pytest.mark.parametrize("role", [None, "peer", "staff", "admin"])
def test_role_matrix_over_every_route(app, client, role):
    make_user(role="admin", email="first-admin@example.org")
    if role:
        user = make_user(role=role)
        client.post("/login", data={"email": user.email, "password": PASSWORD})
    checked = 0
    for url_rule, declared in _routes(app):
        if url_rule.endpoint in ("static", "auth.logout", "auth.login", "auth.login_code",
                                  "auth.setup"):
            continue
        method = "GET" if "GET" in url_rule.methods else "POST"
        response = client.open(_concrete(url_rule), method=method)
        allowed = _expected(declared, role)
        if allowed:
            assert response.status_code not in (401, 403), (url_rule.rule, role)
            assert not (response.status_code == 302 and "/login" in response.headers["Location"]), (
                url_rule.rule, role)
        elif role is None:
            assert response.status_code == 302 and "/login" in response.headers["Location"], url_rule.rule
        else:
            assert response.status_code == 403, (url_rule.rule, role, response.status_code)
        checked += 1
    assert checked >= 10


def test_denied_attempts_are_logged(client, peer):
    client.post("/login", data={"email": peer.email, "password": PASSWORD})
    assert client.get("/admin/users").status_code == 403
    denied = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "denied")).all()
    assert len(denied) == 1 and denied[0].user_id == peer.id
    assert "/admin/users" in denied[0].object_id


def test_admin_pages_show_no_user_data_to_a_peer(client, peer, staff):
    client.post("/login", data={"email": peer.email, "password": PASSWORD})
    body = client.get("/admin/users").get_data(as_text=True)
    assert staff.email not in body


def test_rules_are_the_declared_ones():
    assert ADMIN.roles == {"admin"}
    assert STAFF.roles == {"admin", "staff"}
    assert SIGNED_IN.roles == {"admin", "staff", "peer"}
