"""Every state-changing route refuses a request without a CSRF token or with a wrong one (400),
and the database stays exactly as it was; htmx's header token is accepted."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from association_tool.extensions import db
from association_tool.models import Goal

from ..conftest import extract_csrf
from werkzeug.datastructures import MultiDict

from .conftest import changed_tables, content_hash, dry_run, keep_session
from .pages import form_data, post_forms
from .routes import all_routes, ids_for, url_for_route

pytestmark = pytest.mark.csrf


def _forms_by_action(browser, app, seeded) -> dict[str, list]:
    """The data each POST form on the app's pages would send, by its action path.

    Sending the real form (with a version, dates, choices …) makes "the database did not change"
    meaningful: with a valid token, the same request would have saved something.
    """
    routes, _ = all_routes(app)
    found = {}
    for route in routes:
        if route.method != "GET" or route.endpoint == "static":
            continue
        url = url_for_route(route, ids_for("own", seeded.ids))
        response = browser.get(url)
        if response.mimetype != "text/html":
            continue
        for form in post_forms(response.get_data(as_text=True), url):
            path = urlsplit(form.action).path
            found.setdefault(path, form_data(form))
    return found


def _text(response) -> str:
    """The visible text of a response (the page's own words, no markup or tokens)."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", response.get_data(as_text=True), flags=re.S)
    return " ".join(re.sub(r"<[^>]*>", " ", html).split())


def csrf_refusal_heading(browser) -> dict:
    """The app's own "the form had expired" answer (CSRFError) as a page and as an htmx
    fragment: it tells a CSRF refusal apart from a route's own 400 for a malformed form."""
    texts = {}
    for hx in (False, True):
        response = browser.post("/language", data={"locale": "fi"},
                                headers={"HX-Request": "true"} if hx else {})
        assert response.status_code == 400
        texts[hx] = _text(response)
    assert texts[False] and texts[True]
    return texts


def is_csrf_refusal(response, heading: dict) -> bool:
    hx = response.request.headers.get("HX-Request") == "true"
    return response.status_code == 400 and _text(response) == heading[hx]


def _cases(app, seeded):
    routes, problems = all_routes(app)
    assert not problems
    return [r for r in routes if r.changes_state]


def test_state_changes_without_a_valid_token_are_refused(world, figures):
    app, seeded, browsers = world
    assert app.config["WTF_CSRF_ENABLED"]
    backend = app.config["SECURITY_BACKEND"]
    forms = _forms_by_action(browsers["admin"], app, seeded)
    anonymous = browsers[None]
    tokens = {"anonymous": extract_csrf(anonymous.get("/login").get_data(as_text=True)),
              "admin": extract_csrf(browsers["admin"].get("/").get_data(as_text=True))}
    headings = {"anonymous": csrf_refusal_heading(anonymous),
                "admin": csrf_refusal_heading(browsers["admin"])}
    failures, tried = [], 0
    before = content_hash(skip_append_only=False)
    for route in _cases(app, seeded):
        url = url_for_route(route, ids_for("own", seeded.ids))
        who = "anonymous" if route.declared.public else "admin"
        browser = browsers[None if who == "anonymous" else "admin"]
        own_token = tokens[who]
        foreign_token = tokens["admin" if who == "anonymous" else "anonymous"]
        tampered = own_token[:-4] + ("AAAA" if not own_token.endswith("AAAA") else "BBBB")
        data = [(k, v) for k, v in forms.get(url, []) if k != "csrf_token"]
        variants = {
            "no token": dict(data=MultiDict(data)),
            "token of another session": dict(data=MultiDict(data + [("csrf_token", foreign_token)])),
            "tampered token": dict(data=MultiDict(data + [("csrf_token", tampered)])),
            "wrong htmx header": dict(data=MultiDict(data), headers={
                "X-CSRFToken": foreign_token, "HX-Request": "true"}),
        }
        answers = {name: browser.open(url, method=route.method, **kwargs)
                   for name, kwargs in variants.items()}
        # One snapshot per route (all four variants): any change fails the route.
        after = content_hash(skip_append_only=False)
        changed = changed_tables(before, after)
        before = after
        for name, response in answers.items():
            refused = is_csrf_refusal(response, headings[who])
            ok = refused and not changed
            tried += 1
            figures.case("2. CSRF: missing or wrong token refused, nothing saved", backend,
                         refusal_expected=True, refused=refused, ok=ok)
            if not ok:
                failures.append(f"{route} {name}: {response.status_code}, changed {changed}")
    assert failures == [], "\n".join(failures)
    assert tried >= 4 * 50


def test_the_htmx_header_token_is_accepted_on_every_state_changing_route(world, figures):
    """With the token in X-CSRFToken (as static/js/app.js sends it), no route answers 400.

    Run as a dry run: the requests are real, their changes are not kept.
    """
    app, seeded, browsers = world
    backend = app.config["SECURITY_BACKEND"]
    forms = _forms_by_action(browsers["admin"], app, seeded)
    headings = {None: csrf_refusal_heading(browsers[None]),
                "admin": csrf_refusal_heading(browsers["admin"])}
    failures = []
    for route in _cases(app, seeded):
        url = url_for_route(route, ids_for("own", seeded.ids))
        browser = browsers[None] if route.declared.public else browsers["admin"]
        token = extract_csrf(browser.get("/login" if route.declared.public else "/")
                             .get_data(as_text=True))
        data = [(k, v) for k, v in forms.get(url, []) if k != "csrf_token"]
        with dry_run(), keep_session(browser):
            response = browser.open(url, method=route.method, data=MultiDict(data),
                                    headers={"X-CSRFToken": token, "HX-Request": "true"})
        who = None if route.declared.public else "admin"
        ok = not is_csrf_refusal(response, headings[who]) and response.status_code < 500
        figures.case("2. CSRF: htmx header token accepted", backend, refusal_expected=False,
                     refused=False, ok=ok)
        if not ok:
            failures.append(f"{route}: {response.status_code}")
    assert failures == [], "\n".join(failures)


def test_a_goal_added_with_the_header_token_is_saved(world, figures):
    app, seeded, browsers = world
    staff = browsers["staff"]
    client_id = seeded.client_id("A")
    page = staff.get(f"/clients/{client_id}/goals").get_data(as_text=True)
    token = extract_csrf(page)
    count = db.session.scalar(select(func.count(Goal.id)))
    response = staff.post(f"/clients/{client_id}/goals",
                          data={"text": "Opettelen bussilla kulkemisen", "term": "short"},
                          headers={"HX-Request": "true", "X-CSRFToken": token})
    saved = db.session.scalar(select(func.count(Goal.id))) == count + 1
    figures.case("2. CSRF: htmx header token accepted", app.config["SECURITY_BACKEND"],
                 refusal_expected=False, refused=False, ok=response.status_code == 200 and saved)
    assert response.status_code == 200 and saved
    assert "Opettelen bussilla kulkemisen" in response.get_data(as_text=True)
