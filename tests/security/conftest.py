"""Fixtures of the security suite: a seeded world per backend, signed-in browsers, figures.

The world is built once per test module and backend (module scope), because the suite walks
every route for every role and rebuilding the data per case would take far too long. Requests
that are expected to change data run as a dry run (see `dry_run`), so the world stays as seeded.
"""
from __future__ import annotations

import hashlib
import os
import shutil
from collections import defaultdict
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import select

from association_tool import create_app
from association_tool.extensions import db

from ..conftest import BACKENDS, ReleasingClient, _config, _truncate_pg, extract_csrf
from ..factories import PASSWORD
from .world import build_world

PROJECT_ROOT = Path(__file__).resolve().parents[2]
FIGURES_FILE = PROJECT_ROOT / "docs" / "security-figures.md"

# Written on page views by design, so left out of "the database did not change":
#   audit_event                -- the access log: every view is logged (SECURITY.md 23); it must
#                                 only grow by appending (checked separately, `audit_rows`).
#   auth_session.last_seen_at  -- the idle-timeout clock, moved on by any request (SECURITY.md 5).
APPEND_ONLY_TABLES = ("audit_event",)
ACTIVITY_COLUMNS = {"auth_session": ("last_seen_at",)}


# --- figures ------------------------------------------------------------------------------------

class Figures:
    """Counts of cases per category and backend: tried, refused as expected, passed."""

    def __init__(self):
        self.rows = defaultdict(lambda: [0, 0, 0])

    def case(self, category: str, backend: str, *, refusal_expected: bool, refused: bool,
             ok: bool) -> None:
        row = self.rows[(category, backend)]
        row[0] += 1
        row[1] += int(refusal_expected and refused and ok)
        row[2] += int(ok)

    def markdown(self) -> str:
        lines = [
            "# Security test figures",
            "",
            "Produced by `make security-figures` (`SECURITY_FIGURES=1 python -m pytest tests/security -q`).",
            "Every case is derived from the app itself: the URL map, the access declarations, the",
            "form classes and the models. *Refused as expected* counts the cases whose expected",
            "outcome was a refusal (403, 404, redirect to sign-in, 400 for a bad CSRF token, an",
            "escaped payload, a revoked session …) and that were refused; *passed* counts every",
            "case whose outcome matched the expectation.",
            "",
            "| Category | Backend | Cases tried | Refused as expected | Passed |",
            "|---|---|---:|---:|---:|",
        ]
        totals = [0, 0, 0]
        for (category, backend), (tried, refused, passed) in sorted(self.rows.items()):
            lines.append(f"| {category} | {backend} | {tried} | {refused} | {passed} |")
            totals = [totals[0] + tried, totals[1] + refused, totals[2] + passed]
        lines.append(f"| **All** | | **{totals[0]}** | **{totals[1]}** | **{totals[2]}** |")
        return "\n".join(lines) + "\n"


FIGURES = Figures()


@pytest.fixture(scope="session", autouse=True)
def _write_figures():
    """Write docs/security-figures.md at the end of the run when SECURITY_FIGURES=1."""
    yield
    if os.environ.get("SECURITY_FIGURES") == "1" and FIGURES.rows:
        FIGURES_FILE.parent.mkdir(parents=True, exist_ok=True)
        FIGURES_FILE.write_text(FIGURES.markdown(), encoding="utf-8")


@pytest.fixture
def figures():
    return FIGURES


# --- the world ----------------------------------------------------------------------------------

class Browser(ReleasingClient):
    """A test browser that can put its session cookie back after a request (`keep_session`).

    Some allowed cases run as dry runs (sign out, language, password change) and change the
    session; restoring the cookie lets one sign-in serve the whole walk.
    """

    restore_cookie = False

    def open(self, *args, **kwargs):
        if not self.restore_cookie:
            return super().open(*args, **kwargs)
        kept = self.get_cookie(self.application.config["SESSION_COOKIE_NAME"])
        try:
            return super().open(*args, **kwargs)
        finally:
            name = self.application.config["SESSION_COOKIE_NAME"]
            if kept is None:
                self.delete_cookie(name)
            else:
                self.set_cookie(name, kept.value)


def sign_in(browser, user, password: str = PASSWORD, **kwargs):
    """Sign a browser in, with a CSRF token when the app checks them; return the response."""
    data = {"email": user.email, "password": password}
    if browser.application.config.get("WTF_CSRF_ENABLED"):
        data["csrf_token"] = extract_csrf(browser.get("/login").get_data(as_text=True))
    response = browser.post("/login", data=data, **kwargs)
    assert response.status_code == 302, f"sign-in of {user.email} failed"
    return response


def _database_url(request, backend: str, tmp: Path) -> str:
    if backend == "sqlite":
        target = tmp / "world.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), target)
        return f"sqlite:///{target}"
    url = request.getfixturevalue("pg_database")
    _truncate_pg(url)
    return url


@contextmanager
def world_app(request, backend: str, tmp: Path, **overrides):
    """Yield (app, world) on a fresh database with the seeded world, an app context pushed."""
    url = _database_url(request, backend, tmp)
    if request.node.get_closest_marker("csrf"):
        overrides.setdefault("WTF_CSRF_ENABLED", True)
    application = create_app(_config(tmp, url, **overrides))
    application.test_client_class = Browser
    application.config["SECURITY_BACKEND"] = backend
    with application.app_context():
        world = build_world()
        try:
            yield application, world
        finally:
            db.session.remove()
            db.engine.dispose()


@pytest.fixture(scope="module", params=BACKENDS)
def world(request, tmp_path_factory):
    """(app, world, browsers) on each backend: browsers by role, signed in; None is anonymous."""
    tmp = tmp_path_factory.mktemp(f"world-{request.param}")
    with world_app(request, request.param, tmp) as (application, seeded):
        browsers = {None: application.test_client()}
        for role in ("admin", "staff", "peer"):
            browsers[role] = application.test_client()
            sign_in(browsers[role], seeded.users[role])
        yield application, seeded, browsers


@pytest.fixture(scope="module")
def sqlite_world(request, tmp_path_factory):
    """The same as `world`, on SQLite only: for the heavier parts of the suite."""
    tmp = tmp_path_factory.mktemp("world-sqlite")
    with world_app(request, "sqlite", tmp) as (application, seeded):
        browsers = {None: application.test_client()}
        for role in ("admin", "staff", "peer"):
            browsers[role] = application.test_client()
            sign_in(browsers[role], seeded.users[role])
        yield application, seeded, browsers


# --- database snapshots -------------------------------------------------------------------------

def content_hash(*, skip_append_only: bool = True) -> dict[str, str]:
    """Return a digest of every table's rows (by primary key), leaving out the activity columns.

    With `skip_append_only`, the access log is left out too (check it with `audit_rows`).
    """
    db.session.rollback()
    connection = db.session.connection()
    digests = {}
    for name, sql in _snapshot_queries(connection.dialect):
        if skip_append_only and name in APPEND_ONLY_TABLES:
            continue
        rows = connection.exec_driver_sql(sql).fetchall()
        digests[name] = hashlib.sha256(repr(rows).encode()).hexdigest()
    db.session.rollback()
    return digests


_QUERIES = {}


def _snapshot_queries(dialect):
    """SELECT statements for every table of the models (compiled once per dialect)."""
    if dialect.name not in _QUERIES:
        queries = []
        for table in db.metadata.sorted_tables:
            ignored = ACTIVITY_COLUMNS.get(table.name, ())
            columns = [c for c in table.columns if c.name not in ignored]
            statement = select(*columns).order_by(*table.primary_key.columns)
            queries.append((table.name, str(statement.compile(dialect=dialect))))
        _QUERIES[dialect.name] = queries
    return _QUERIES[dialect.name]


def changed_tables(before: dict, after: dict) -> list[str]:
    return sorted(name for name in before.keys() | after.keys() if before.get(name) != after.get(name))


def audit_rows() -> list[tuple]:
    """The access log as (id, hash) pairs in order."""
    from association_tool.models import AuditEvent

    db.session.rollback()
    rows = [tuple(r) for r in db.session.execute(
        select(AuditEvent.id, AuditEvent.hash, AuditEvent.action).order_by(AuditEvent.id)).all()]
    db.session.rollback()
    return rows


def appended_only(before: list[tuple], after: list[tuple]) -> bool:
    """Tell whether the log after is the log before with entries added at the end."""
    return after[:len(before)] == before and all(
        row[0] > (before[-1][0] if before else 0) for row in after[len(before):])


# --- dry runs -----------------------------------------------------------------------------------

@contextmanager
def stub_pdf_renderer():
    """Render PDF templates as usual but skip WeasyPrint (for walks that only check access)."""
    from association_tool import pdf

    class Stub:
        def render(self, html, logo, **kwargs):
            return {"pdf": b"%PDF-1.7 stub", "refused": [], "render_ms": 0}

    original = pdf._worker
    pdf._worker = lambda: Stub()
    try:
        yield
    finally:
        pdf._worker = original


@contextmanager
def keep_session(browser):
    """Put the browser's session cookie back after each request inside the block."""
    browser.restore_cookie = True
    try:
        yield browser
    finally:
        browser.restore_cookie = False


@contextmanager
def dry_run():
    """Let a request run to its end but keep nothing: commits become flushes, then roll back.

    Used for requests that are *expected to be allowed* and would change the world (delete an
    errand, end a pairing …): the response still shows whether the access check let it through.
    """
    from flask_sqlalchemy.session import Session

    original = Session.commit
    Session.commit = lambda self: self.flush()
    try:
        yield
    finally:
        Session.commit = original
        db.session.rollback()

