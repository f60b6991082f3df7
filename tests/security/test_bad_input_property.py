"""Property-based bad input: for every form class, arbitrary values in its fields (and a few
fields it does not have) posted to the routes that use it never give a 5xx (SECURITY.md 14).

The field names come from the form classes and the routes from the views' own code
(formclasses.py). Each request runs as a dry run on one shared SQLite world per module, so
every example starts from the same data and nothing piles up. SQLite only.
"""
from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from .conftest import (FIGURES, content_hash, dry_run, keep_session, sign_in, stub_pdf_renderer,
                       world_app)
from .formclasses import fields_of, form_classes, forms_of_view
from .payloads import MALFORMED_BODIES, with_token
from .routes import all_routes, ids_for, url_for_route

EXAMPLES = int(os.environ.get("SECURITY_EXAMPLES", "200"))

NASTY = ["", " ", "\x00", "\r\n", "x" * 5000, "ä" * 400, "-1", "0", "9" * 40, "1e309", "NaN",
         "2026-02-30", "0000-00-00", "31.12.2026", "99:99", "None", "null", "true", "[]", "{}",
         "<script>alert(1)</script>", "' OR 1=1 --", "../../etc/passwd", "%00", "\ufeff",
         "\U0001F600" * 50, "\u202e", "javascript:alert(1)", "https://", "a@b", "@", "1,2,3"]
values = st.one_of(st.sampled_from(NASTY), st.text(max_size=300),
                   st.integers(min_value=-2**63, max_value=2**63).map(str),
                   st.dates().map(lambda d: d.isoformat()))


def _form_routes():
    """(form class, [POST routes using it]) for every form class a state-changing route uses."""
    from ..conftest import _config
    from pathlib import Path
    import tempfile

    from association_tool import create_app

    app = create_app(_config(Path(tempfile.mkdtemp()), "sqlite://"))
    routes, _ = all_routes(app)
    table = {}
    for route in routes:
        if not route.changes_state:
            continue
        for form in forms_of_view(app.view_functions[route.endpoint]):
            table.setdefault(form, []).append(route)
    return sorted(table.items(), key=lambda item: (item[0].__module__, item[0].__name__))


FORM_ROUTES = _form_routes()


def test_every_form_class_is_posted_somewhere():
    """A form class no POST route uses would escape this file: list them (they may be GET
    filters or rows of other forms, which are covered through their parents)."""
    from flask_wtf import FlaskForm

    posted = {form for form, _ in FORM_ROUTES}
    unposted = [c.__name__ for c in form_classes() if issubclass(c, FlaskForm) and c not in posted
                and not c.__name__.endswith(("SearchForm", "FilterForm"))]
    assert unposted == []
    assert len(posted) >= 35


@pytest.fixture(scope="module")
def prop_world(sqlite_world):
    app, seeded, browsers = sqlite_world
    with stub_pdf_renderer():
        yield app, seeded, browsers


@pytest.mark.parametrize("form, routes", FORM_ROUTES,
                         ids=[f"{f.__module__.split('.')[1]}.{f.__name__}" for f, _ in FORM_ROUTES])
def test_bad_input_never_gives_a_server_error(prop_world, form, routes):
    app, seeded, browsers = prop_world
    names = sorted({f.name for f in fields_of(form)} | {"version", "id", "next"})
    field_values = st.lists(st.tuples(st.sampled_from(names), values), max_size=12)
    seen = []

    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              phases=[Phase.explicit, Phase.generate, Phase.shrink],
              suppress_health_check=list(HealthCheck))
    @given(route=st.sampled_from(routes), pairs=field_values, scope=st.sampled_from(["own", "other"]),
           htmx=st.booleans())
    def post(route, pairs, scope, htmx):
        browser = browsers[None] if route.declared.public else browsers["admin"]
        url = url_for_route(route, ids_for(scope, seeded.ids))
        with dry_run(), keep_session(browser):
            response = browser.open(url, method=route.method, data=MultiDict(pairs),
                                    headers={"HX-Request": "true"} if htmx else {})
        seen.append(response.status_code)
        FIGURES.case("5. bad input never a 5xx (hypothesis)", "sqlite",
                     refusal_expected=True, refused=400 <= response.status_code < 500,
                     ok=response.status_code < 500)
        assert response.status_code < 500, (url, pairs, response.status_code)

    post()
    assert len(seen) >= EXAMPLES


# --- malformed bodies ---------------------------------------------------------------------------

def _malformed_walk(app, seeded, browsers, token_of=None):
    """Post every malformed body to every state-changing route, anonymous and as an admin: each
    gets 400 with the app's own error page, and the database does not change."""
    routes = [r for r in all_routes(app)[0] if r.changes_state]
    before = content_hash()
    for route in routes:
        url = url_for_route(route, ids_for("own", seeded.ids))
        for role in (None, "admin"):
            browser = browsers[role]
            for name, (body, content_type) in MALFORMED_BODIES.items():
                token = token_of(browser) if token_of else None
                for data in [body] + ([with_token(body, content_type, token)] if token else []):
                    with dry_run(), keep_session(browser):
                        response = browser.open(url, method=route.method, data=data,
                                                content_type=content_type)
                    page = response.get_data(as_text=True)
                    ok = response.status_code == 400 and "Traceback" not in page
                    FIGURES.case("5. malformed body refused with 400", "sqlite",
                                 refusal_expected=True, refused=ok, ok=ok)
                    assert ok, (str(route), role, name, response.status_code)
    assert content_hash() == before


def test_malformed_bodies_are_refused_on_every_route(sqlite_world):
    app, seeded, browsers = sqlite_world
    _malformed_walk(app, seeded, browsers)


@pytest.mark.csrf
def test_malformed_bodies_are_refused_on_every_route_with_csrf_on(request, tmp_path):
    from ..conftest import extract_csrf

    with world_app(request, "sqlite", tmp_path) as (app, seeded):
        assert app.config["WTF_CSRF_ENABLED"]
        browsers = {None: app.test_client(), "admin": app.test_client()}
        sign_in(browsers["admin"], seeded.users["admin"])
        tokens = {id(b): extract_csrf(b.get("/login" if role is None else "/").get_data(
            as_text=True)) for role, b in browsers.items()}
        _malformed_walk(app, seeded, browsers, token_of=lambda b: tokens[id(b)])
