"""Fixtures: a fresh migrated database per test, on SQLite and (when configured) PostgreSQL."""
from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from flask import globals as flask_globals
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from argon2 import PasswordHasher

from association_tool import create_app, passwords
from association_tool.config import Config, normalise_database_url
from association_tool.extensions import db

from .factories import PASSWORD, make_user

# Production Argon2 costs about a third of a second per hash or sign-in; the suite hashes with
# the same algorithm at the lowest cost (test_auth checks the production parameters).
passwords.use_hasher(PasswordHasher(time_cost=1, memory_cost=64, parallelism=1))

# Runs that share one PostgreSQL database at once each name a schema of their own, and so does
# each pytest-xdist worker of a run.
PG_SCHEMA = os.environ.get("TEST_PG_SCHEMA", "assoc_test") + (
    f"_{os.environ['PYTEST_XDIST_WORKER']}" if os.environ.get("PYTEST_XDIST_WORKER") else "")
BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])


def _config(tmp: Path, database_url: str, **overrides) -> Config:
    """Return settings for a test app living in `tmp`."""
    os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production")
    os.environ["INSTANCE_PATH"] = str(tmp)
    config = Config()
    config.SQLALCHEMY_DATABASE_URI = database_url
    config.TESTING = True
    config.WTF_CSRF_ENABLED = False
    for key, value in overrides.items():
        setattr(config, key, value)
    return config


def _migrate(database_url: str, tmp: Path) -> None:
    """Build the schema with the project's own migrations."""
    from flask_migrate import upgrade

    app = create_app(_config(tmp, database_url))
    with app.app_context():
        upgrade()
        db.engine.dispose()


def _pg_url() -> str:
    """Return the PostgreSQL test URL pointed at the test schema."""
    url = make_url(normalise_database_url(os.environ["TEST_DATABASE_URL"]))
    return url.update_query_dict({"options": f"-csearch_path={PG_SCHEMA}"}).render_as_string(
        hide_password=False)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """A migrated SQLite database that each test copies."""
    tmp = tmp_path_factory.mktemp("template")
    path = tmp / "template.db"
    _migrate(f"sqlite:///{path}", tmp)
    return path


@pytest.fixture(scope="session")
def pg_database(tmp_path_factory) -> str:
    """A migrated PostgreSQL schema shared by the tests, emptied between them."""
    base = normalise_database_url(os.environ["TEST_DATABASE_URL"])
    engine = create_engine(base)
    with engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {PG_SCHEMA}"))
        # The trigram extension lives once per database: put it in public, where dropping one
        # run's schema cannot take it (and the search index of another run) away.
        # Workers starting at once would race to create it: one at a time.
        conn.execute(text("SELECT pg_advisory_xact_lock(7283001)"))
        conn.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public"))
    engine.dispose()
    url = _pg_url()
    _migrate(url, tmp_path_factory.mktemp("pg"))
    engine = create_engine(url)
    with engine.connect() as conn:
        _PG_HEAD.append(conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one())
    engine.dispose()
    return url


_PG_HEAD: list[str] = []  # the revision the shared schema was migrated to


def _truncate_pg(url: str) -> None:
    """Empty every table but the migration record, which goes back to the migrated head.

    A test that pretends the database is behind the code (the health check) leaves the record
    changed; the next test on the shared schema must still start from the head.
    """
    engine = create_engine(url)
    with engine.begin() as conn:
        tables = [t.name for t in db.metadata.sorted_tables]
        conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables)
                          + " RESTART IDENTITY CASCADE"))
        conn.execute(text("UPDATE alembic_version SET version_num = :head"), {"head": _PG_HEAD[0]})
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path) -> str:
    """The URL of an empty, migrated database for one test."""
    if request.param == "sqlite":
        target = tmp_path / "test.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), target)
        return f"sqlite:///{target}"
    url = request.getfixturevalue("pg_database")
    _truncate_pg(url)
    return url


class ReleasingClient(FlaskClient):
    """A test browser that ends the test's own transaction before each request.

    The test and the app then never wait on each other's SQLite write lock, and what the
    test reads afterwards is fresh (objects are expired: commits do not expire them).
    """

    def open(self, *args, **kwargs):
        db.session.rollback()
        db.session.expire_all()
        # Serve the request in an app context of its own, as a real server does, so that
        # nothing in `g` leaks from one request to the next through the test's context.
        token = flask_globals._cv_app.set(None)
        try:
            return super().open(*args, **kwargs)
        finally:
            flask_globals._cv_app.reset(token)


@pytest.fixture
def app(request, tmp_path, database_url):
    """The application on a fresh database, CSRF off unless the test is marked `csrf`."""
    overrides = {}
    if request.node.get_closest_marker("csrf"):
        overrides["WTF_CSRF_ENABLED"] = True
    application = create_app(_config(tmp_path, database_url, **overrides))
    application.test_client_class = ReleasingClient
    with application.app_context():
        yield application
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    """A test browser."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """Runs `flask` commands."""
    return app.test_cli_runner()


@pytest.fixture
def admin(app):
    """The association's first administrator (setup is done)."""
    return make_user(role="admin", name="Aino Pääkäyttäjä", email="admin@yhdistys.example.org")


@pytest.fixture
def staff(app, admin):
    """A staff member."""
    return make_user(role="staff", name="Sanna Ohjaaja", email="sanna@yhdistys.example.org")


@pytest.fixture
def peer(app, admin):
    """A peer supporter."""
    return make_user(role="peer", name="Matti Vertainen", email="matti@yhdistys.example.org")


class Auth:
    """Signs a test browser in and out."""

    def __init__(self, client):
        self.client = client

    def login(self, user_or_email, password: str = PASSWORD, **kwargs):
        email = getattr(user_or_email, "email", user_or_email)
        return self.client.post("/login", data={"email": email, "password": password}, **kwargs)

    def logout(self):
        return self.client.post("/logout")


@pytest.fixture
def auth(client):
    """Sign-in helper for the `client` browser."""
    return Auth(client)


def extract_csrf(html: str) -> str:
    """Return the CSRF token of a page."""
    match = re.search(r'name="csrf-token" content="([^"]+)"', html)
    assert match, "page has no CSRF token"
    return match.group(1)
