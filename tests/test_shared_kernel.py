"""The shared kernel: htmx, access, forms and the users module serve every feature from one home.

Features ask these modules instead of repeating their work (reading `HX-…` headers, loading a
client's record or 404, checking a stale version); test_architecture.py checks that the kernel
imports no feature package.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from flask import Flask
from flask_login import login_user
from sqlalchemy import select
from werkzeug.exceptions import NotFound

from association_tool import htmx
from association_tool.extensions import db
from association_tool.models import AuditEvent, Client, ContactPerson, Goal, User
from association_tool.timeutil import local_today

from .factories import make_client, make_organisation

PACKAGE = Path(__file__).resolve().parent.parent / "association_tool"
FEATURES = ("admin", "agreements", "auth", "clients", "consents", "contacts", "directory",
            "errands", "goals", "main", "meetings", "network", "tasks")


def _feature_sources():
    for feature in FEATURES:
        for path in sorted((PACKAGE / feature).rglob("*.py")):
            yield path, path.read_text(encoding="utf-8")


def _strings(source: str):
    return [node.value for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.Constant) and isinstance(node.value, str)]


# --- htmx ---------------------------------------------------------------------------------------

def test_no_feature_reads_or_writes_htmx_headers_itself():
    found = [f"{path.relative_to(PACKAGE)}: {value}" for path, source in _feature_sources()
             for value in _strings(source) if value.startswith("HX-")]
    assert found == []


def test_the_client_package_lends_no_htmx_helpers():
    assert not (PACKAGE / "clients" / "sections.py").exists()


def _request(headers):
    return Flask(__name__).test_request_context("/", headers=headers)


def test_fragment_boosted_and_target():
    with _request({}):
        assert (htmx.is_htmx(), htmx.is_boosted(), htmx.is_fragment()) == (False, False, False)
    with _request({"HX-Request": "true", "HX-Boosted": "true", "HX-Target": "rows"}):
        assert (htmx.is_htmx(), htmx.is_boosted(), htmx.is_fragment()) == (True, True, False)
        assert not htmx.targets("rows")  # a boosted request swaps a whole page
    with _request({"HX-Request": "true", "HX-Target": "rows",
                   "HX-Current-URL": "http://localhost/clients/"}):
        assert (htmx.is_htmx(), htmx.is_boosted(), htmx.is_fragment()) == (True, False, True)
        assert htmx.targets("rows") and not htmx.targets("other")
        assert htmx.current_url() == "http://localhost/clients/"


def test_redirects_and_triggers():
    with _request({"HX-Request": "true"}):
        answer = htmx.see_other("/clients/1")
        assert (answer.status_code, answer.headers["HX-Redirect"]) == (204, "/clients/1")
        assert htmx.full_redirect("/login", 401).status_code == 401
        response = htmx.trigger(htmx.trigger(Flask(__name__).response_class(), "a"), "b")
        assert response.headers["HX-Trigger"] == "a, b"
    with _request({}):
        answer = htmx.see_other("/clients/1")
        assert (answer.status_code, answer.headers["Location"]) == (303, "/clients/1")


# --- a record of this client's, or 404 -----------------------------------------------------------

def _denied():
    return [(e.user_id, e.client_id, e.object_id, e.detail) for e in db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "denied").order_by(AuditEvent.id))]


def test_another_clients_record_is_refused_logged_and_404(app, staff):
    from association_tool.access import owned_or_404

    mine, theirs = make_client(), make_client()
    goal = Goal(client_id=theirs.id, text="Oma asunto")
    db.session.add(goal)
    db.session.commit()
    user_id, mine_id, theirs_id, goal_id = staff.id, mine.id, theirs.id, goal.id
    db.session.commit()  # the request writes the log in a session of its own
    path = f"/clients/{mine_id}/goals/{goal_id}/edit"
    with app.test_request_context(path):
        login_user(db.session.get(User, user_id))
        mine, theirs = db.session.get(Client, mine_id), db.session.get(Client, theirs_id)
        assert owned_or_404(Goal, goal_id, theirs).id == goal_id
        for wrong_id in (goal_id, 2**31, 0):  # another client's; ids no table holds
            with pytest.raises(NotFound):
                owned_or_404(Goal, wrong_id, mine)
        with pytest.raises(NotFound):  # the client's own, but the user may not
            owned_or_404(Goal, goal_id, theirs, may=lambda record: False)
    assert _denied() == [
        (user_id, mine_id, path, f"goal {goal_id} of client {mine_id}"),
        (user_id, mine_id, path, f"goal {2**31} of client {mine_id}"),
        (user_id, mine_id, path, f"goal 0 of client {mine_id}"),
        (user_id, theirs_id, path, f"goal {goal_id} of client {theirs_id}")]


def test_a_record_owned_by_something_else_than_a_client(app, staff):
    from association_tool.access import owned_or_404, record_or_404
    from association_tool.models import Organisation

    first = make_organisation(name="A", unit=None, people=[("Anna", None, False)])
    second = make_organisation(name="B", unit=None)
    user_id, first_id, second_id = staff.id, first.id, second.id
    person_id = db.session.scalars(select(ContactPerson.id)).one()
    db.session.commit()  # the request writes the log in a session of its own
    with app.test_request_context("/directory"):
        login_user(db.session.get(User, user_id))
        first = record_or_404(Organisation, first_id)
        assert owned_or_404(ContactPerson, person_id, first).id == person_id
        with pytest.raises(NotFound):
            record_or_404(Organisation, 2**31)
        with pytest.raises(NotFound):
            owned_or_404(ContactPerson, person_id, db.session.get(Organisation, second_id))
    assert _denied() == [
        (user_id, None, "/directory", f"contact person {person_id} of organisation {second_id}")]


def test_no_blueprint_writes_its_own_record_or_404():
    found = [f"{path.relative_to(PACKAGE)}: {node.name}" for path, source in _feature_sources()
             for node in ast.walk(ast.parse(source))
             if isinstance(node, ast.FunctionDef) and node.name.endswith("_or_404")]
    assert found == []


# --- one home for each mechanism ----------------------------------------------------------------

# What the kernel offers every feature; a feature uses it rather than a copy of its own.
KERNEL_NAMES = {"MultiCheckboxField", "sensible_date", "StaleEdit", "workers", "worker_names",
                "conveners", "active_users", "render_section", "wants_fragment", "is_fragment",
                "see_other"}


def test_no_feature_defines_what_the_kernel_offers():
    found = [f"{path.relative_to(PACKAGE)}: {node.name}" for path, source in _feature_sources()
             for node in ast.parse(source).body
             if isinstance(node, (ast.ClassDef, ast.FunctionDef)) and node.name in KERNEL_NAMES]
    assert found == []


def test_no_feature_borrows_what_the_kernel_offers_from_another():
    found = []
    for path, source in _feature_sources():
        feature = path.relative_to(PACKAGE).parts[0]
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.ImportFrom) and node.level == 2 and node.module:
                other = node.module.partition(".")[0]
                if (other in FEATURES and other != feature
                        and {alias.name for alias in node.names} & KERNEL_NAMES):
                    found.append(f"{path.relative_to(PACKAGE)}: {node.module}")
    assert found == []


def test_no_feature_checks_a_version_itself():
    found = [f"{path.relative_to(PACKAGE)}: {line.strip()}" for path, source in _feature_sources()
             for line in source.splitlines()
             if re.search(r"\.(row_)?version\s*!=|int\(form\.version\.data\)", line)]
    assert found == []


def test_check_version_reads_the_records_version_counter(app, staff):
    from association_tool.forms import StaleEdit, check_version
    from association_tool.models import Contact

    client = make_client()
    check_version(client, client.version)
    with pytest.raises(StaleEdit):
        check_version(client, client.version + 1)
    contact = Contact(client_id=client.id, on=local_today(), channel="phone")
    db.session.add(contact)
    db.session.flush()
    check_version(contact, contact.row_version)
    with pytest.raises(StaleEdit):
        check_version(contact, -1)
