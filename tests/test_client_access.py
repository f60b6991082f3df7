"""Role × route × own/other client: every client route refuses what the user may not see."""
import re

import pytest

from association_tool.access import ACCESS_ATTR, PUBLIC

from .factories import PASSWORD, make_client, pair

SECRET = "Erittäin-yksityinen-tieto-4711"


def _client_routes(app):
    """Every URL rule that addresses one client."""
    return [r for r in app.url_map.iter_rules() if "<int:client_id>" in r.rule]


def _url(rule, client_id):
    """Fill the client id, and any other id with 1."""
    url = rule.rule.replace("<int:client_id>", str(client_id))
    return re.sub(r"<(?:[^:>]+:)?[^>]+>", "1", url)


def test_client_routes_exist_and_none_is_public(app):
    rules = _client_routes(app)
    assert len(rules) >= 10
    for rule in rules:
        declared = getattr(app.view_functions[rule.endpoint], ACCESS_ATTR)
        assert declared is not PUBLIC, rule.rule


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_unpaired_peer_gets_nothing_from_any_client_route(app, client, staff, peer, method):
    other = make_client(display_name=SECRET, full_name=SECRET, staff_notes=SECRET)
    mine = make_client(display_name="Oma")
    pair(peer, mine)
    client.post("/login", data={"email": peer.email, "password": PASSWORD})
    for rule in _client_routes(app):
        if method not in rule.methods:
            continue
        response = client.open(_url(rule, other.id), method=method,
                               data={"text": SECRET, "title": SECRET, "note": SECRET})
        assert response.status_code in (403, 404), (rule.rule, response.status_code)
        assert SECRET not in response.get_data(as_text=True), rule.rule
        fragment = client.open(_url(rule, other.id), method=method,
                               headers={"HX-Request": "true"})
        assert fragment.status_code in (403, 404), rule.rule
        assert SECRET not in fragment.get_data(as_text=True), rule.rule


def test_peer_without_a_section_gets_404_for_that_section(app, client, staff, peer):
    person = make_client(display_name="Ruusu", staff_notes=SECRET)
    pair(peer, person, sections=())
    client.post("/login", data={"email": peer.email, "password": PASSWORD})
    assert client.get(f"/clients/{person.id}").status_code == 200
    for section in ("goals", "contacts", "tasks", "peers", "ending"):
        response = client.get(f"/clients/{person.id}/{section}")
        assert response.status_code in (403, 404), section
        assert SECRET not in response.get_data(as_text=True)


def test_staff_reach_every_client_get_route(app, client, staff):
    from association_tool.access import ADMIN, rule_for

    person = make_client(display_name="Ruusu")
    client.post("/login", data={"email": staff.email, "password": PASSWORD})
    for rule in _client_routes(app):
        if rule_for(rule.endpoint) == ADMIN:  # an administrator's step (erasure), not casework
            if "GET" in rule.methods:
                assert client.get(_url(rule, person.id)).status_code == 403, rule.rule
            continue
        if "GET" in rule.methods and rule.rule.count("<") == 1:
            response = client.get(_url(rule, person.id))
            assert response.status_code == 200, rule.rule
