"""Moving to PostgreSQL: `flask copy-database` copies the demo association from the SQLite
file into an empty PostgreSQL database, every row, and the access log still verifies there."""
import os

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.orm import Session

from association_tool import audit, create_app
from association_tool.demo import load_demo
from association_tool.extensions import db
from tests.conftest import _config, _truncate_pg

pytestmark = pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"),
                                reason="needs PostgreSQL (TEST_DATABASE_URL)")


@pytest.fixture
def sqlite_app(tmp_path, sqlite_template):
    import shutil

    shutil.copy(sqlite_template, tmp_path / "source.db")
    application = create_app(_config(tmp_path, f"sqlite:///{tmp_path / 'source.db'}"))
    with application.app_context():
        yield application
        db.session.remove()
        db.engine.dispose()


def test_the_demo_association_moves_to_postgresql_whole(sqlite_app, pg_database):
    _truncate_pg(pg_database)
    load_demo()
    db.session.commit()
    tables = [t for t in db.metadata.sorted_tables if t.name != "client_status_count"]
    source_counts = {t.name: db.session.execute(select(func.count()).select_from(t)).scalar()
                     for t in tables}
    result = sqlite_app.test_cli_runner().invoke(args=["copy-database", pg_database])
    assert result.exit_code == 0, result.output
    assert "the access log verifies in the copy" in result.output
    source_counts["audit_event"] += 1  # the copy's own entry, made before copying
    target = create_engine(pg_database)
    try:
        with target.connect() as connection:
            target_counts = {t.name: connection.execute(select(func.count()).select_from(t))
                             .scalar() for t in tables}
            status = dict(connection.execute(text(
                "SELECT status, clients FROM client_status_count")).all())
            clients_by_status = dict(connection.execute(text(
                "SELECT status, count(*) FROM client GROUP BY status")).all())
            # new rows get fresh ids after the copied ones
            max_client = connection.execute(text("SELECT max(id) FROM client")).scalar()
            next_id = connection.execute(text(
                "SELECT nextval(pg_get_serial_sequence('client', 'id'))")).scalar()
        assert target_counts == source_counts
        assert source_counts["client"] > 0 and source_counts["audit_event"] > 0
        assert {k: v for k, v in status.items() if v} == clients_by_status
        assert next_id == max_client + 1
        with Session(target) as session:
            assert audit.verify_chain(expect=audit.head(), session=session).ok
    finally:
        target.dispose()
    again = sqlite_app.test_cli_runner().invoke(args=["copy-database", pg_database])
    assert again.exit_code != 0 and "already holds data" in again.output


def test_only_postgresql_is_a_target(sqlite_app, tmp_path):
    result = sqlite_app.test_cli_runner().invoke(
        args=["copy-database", f"sqlite:///{tmp_path / 'other.db'}"])
    assert result.exit_code != 0 and "must be a PostgreSQL database" in result.output
