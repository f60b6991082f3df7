"""Malformed and oversized input to every form gets a clear answer, never a 500."""
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .factories import PASSWORD
from .security.payloads import MALFORMED_BODIES, MULTIPART, with_token
from .test_access import _concrete, _routes

JUNK_VALUES = ["", " ", "\x00", "x" * 5000, "<script>alert(1)</script>", "' OR 1=1 --",
               "2026-02-30", "-1", "9" * 40, "ä" * 300, "\ud800".encode("utf-8", "surrogatepass")
               .decode("utf-8", "replace"), "../../etc/passwd"]


def _all_form_fields():
    """Every field name of every form in the app, so new forms are covered without a list."""
    import importlib
    import pkgutil

    import association_tool
    from flask_wtf import FlaskForm

    for module in pkgutil.walk_packages(association_tool.__path__, "association_tool."):
        importlib.import_module(module.name)

    names, stack = set(), list(FlaskForm.__subclasses__())
    while stack:
        form = stack.pop()
        stack.extend(form.__subclasses__())
        names.update(name for name, _ in getattr(form, "_unbound_fields", None) or []
                     if not name.startswith("_"))
        names.update(name for name, value in vars(form).items()
                     if hasattr(value, "field_class"))
    return sorted(names | {"next", "active", "status", "csrf_token"})


FIELDS = _all_form_fields()


def _post_routes(app):
    return [r for r, _ in _routes(app) if "POST" in r.methods]


@pytest.mark.parametrize("junk", JUNK_VALUES)
def test_junk_in_every_field_of_every_form(app, client, admin, junk):
    from .factories import make_client

    make_client(display_name="Kohde")  # id 1, so client routes reach their forms
    client.post("/login", data={"email": admin.email, "password": PASSWORD})
    for url_rule in _post_routes(app):
        if url_rule.endpoint == "auth.logout":
            continue
        data = {field: junk for field in FIELDS}
        response = client.post(_concrete(url_rule), data=data)
        assert response.status_code < 500, (url_rule.rule, junk[:20], response.status_code)


def test_oversized_body_gets_413(app, client, admin):
    client.post("/login", data={"email": admin.email, "password": PASSWORD})
    huge = "x" * (app.config["MAX_CONTENT_LENGTH"] + 10)
    response = client.post("/admin/settings", data={"association_name": huge})
    assert response.status_code == 413
    assert "<h1>" in response.get_data(as_text=True)


def test_repeated_and_missing_fields(app, client, admin):
    from .factories import make_client

    make_client(display_name="Kohde")
    client.post("/login", data={"email": admin.email, "password": PASSWORD})
    for url_rule in _post_routes(app):
        if url_rule.endpoint == "auth.logout":
            continue
        response = client.post(_concrete(url_rule), data={"name": ["a", "b"], "role": ["admin", "peer"]})
        assert response.status_code < 500, url_rule.rule
        response = client.post(_concrete(url_rule), data={"x": "1"})  # nothing expected
        assert response.status_code < 500, url_rule.rule
        response = client.post(_concrete(url_rule), data=b"\xff\xfe garbage",
                               content_type="application/x-www-form-urlencoded")
        assert response.status_code < 500, url_rule.rule
        response = client.post(_concrete(url_rule), json={"name": ["a"]})
        assert response.status_code < 500, url_rule.rule


def test_unknown_urls_get_a_friendly_404(client, staff):
    client.post("/login", data={"email": staff.email, "password": PASSWORD})
    for path in ("/ei-ole", "/admin/users/abc", "/static/../app.py", "/%00"):
        response = client.get(path)
        assert response.status_code in (403, 404), path
        assert response.status_code != 500


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.dictionaries(st.sampled_from(FIELDS), st.text(max_size=300), max_size=8))
def test_property_user_form_never_500(app, client, admin, data):
    client.post("/login", data={"email": admin.email, "password": PASSWORD})
    assert client.post("/admin/users/new", data=data).status_code < 500
    assert client.post("/setup", data=data).status_code < 500


# --- malformed bodies ---------------------------------------------------------------------------


def _post_every_route_with_malformed_bodies(app, client, token=None):
    from .factories import make_client

    make_client(display_name="Kohde")
    for url_rule in _post_routes(app):
        for name, (body, content_type) in MALFORMED_BODIES.items():
            for data in [body] + ([with_token(body, content_type, token)] if token else []):
                response = client.post(_concrete(url_rule), data=data, content_type=content_type)
                assert response.status_code == 400, (url_rule.rule, name, response.status_code)
                page = response.get_data(as_text=True)
                assert "Traceback" not in page and "<h1>" in page, (url_rule.rule, name)


def test_malformed_bodies_get_400_on_every_post_route(app, client, admin):
    client.post("/login", data={"email": admin.email, "password": PASSWORD})
    _post_every_route_with_malformed_bodies(app, client)
    # Still signed in (the sign-out was refused too), and a well-formed body still works.
    assert client.get("/admin/settings").status_code == 200
    response = client.post("/admin/settings", data={"association_name": "Uusi nimi"},
                           content_type="multipart/form-data")
    assert response.status_code in (200, 302, 303)


@pytest.mark.csrf
def test_malformed_bodies_get_400_on_every_post_route_with_csrf_on(app, client, admin):
    from .conftest import extract_csrf

    token = extract_csrf(client.get("/login").get_data(as_text=True))
    client.post("/login", data={"email": admin.email, "password": PASSWORD, "csrf_token": token})
    token = extract_csrf(client.get("/").get_data(as_text=True))
    _post_every_route_with_malformed_bodies(app, client, token)
    assert client.get("/admin/settings").status_code == 200
