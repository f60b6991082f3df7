"""Command-line tools: users, demo data, backups."""
import sqlite3

import pytest
from sqlalchemy import select

from association_tool.extensions import db
from association_tool.models import AuditEvent, User


def test_users_create_reads_the_password_from_stdin(runner):
    result = runner.invoke(args=["users", "create", "--role", "staff", "--email", "Uusi@Example.org",
                                 "--name", "Uusi Työntekijä"], input="hyva-pitka-salasana-tassa\n")
    assert result.exit_code == 0, result.output
    user = db.session.scalars(select(User)).one()
    assert user.email == "uusi@example.org" and user.role == "staff"
    assert "hyva-pitka-salasana-tassa" not in result.output


def test_users_create_refuses_weak_passwords_and_bad_roles(runner):
    weak = runner.invoke(args=["users", "create", "--role", "admin", "--email", "a@example.org",
                               "--name", "A"], input="salasana\n")
    assert weak.exit_code != 0
    bad_role = runner.invoke(args=["users", "create", "--role", "root", "--email", "a@example.org",
                                   "--name", "A"], input="hyva-pitka-salasana-tassa\n")
    assert bad_role.exit_code != 0
    assert db.session.query(User).count() == 0


def test_users_create_has_no_password_option(runner):
    result = runner.invoke(args=["users", "create", "--role", "admin", "--email", "a@example.org",
                                 "--name", "A", "--password", "hyva-pitka-salasana-tassa"])
    assert result.exit_code != 0


def test_demo_load_prints_logins_that_work(runner, client):
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    lines = [line.split() for line in result.output.splitlines() if "@" in line]
    assert {line[0] for line in lines} == {"admin", "staff", "peer"}
    role, email, password = lines[0][:3]
    assert client.post("/login", data={"email": email, "password": password}).status_code == 302
    again = runner.invoke(args=["demo", "load"])
    assert again.exit_code != 0


def test_backup_copies_the_live_database(app, runner, tmp_path, admin):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the SQLite online backup; PostgreSQL uses pg_dump")
    target = tmp_path / "backups" / "copy.db"
    result = runner.invoke(args=["backup", str(target)])
    assert result.exit_code == 0, result.output
    with sqlite3.connect(target) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        emails = [row[0] for row in copy.execute("SELECT email FROM user")]
    assert emails == [admin.email]
    assert db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id.desc())).first() == "export"
    # The log's anchor: as the copy holds it in the backup's entry, and the newest printed.
    from association_tool import audit

    with sqlite3.connect(target) as copy:
        count, = copy.execute("SELECT count(*) FROM audit_event").fetchone()
        newest, = copy.execute("SELECT hash FROM audit_event ORDER BY id DESC").fetchone()
    entry = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert entry.detail == f"{target}; access log at the backup: {count}:{newest}"
    assert f"Access log anchor: {audit.head()}" in result.output
    assert audit.head().count == count + 1
    assert runner.invoke(args=["audit", "verify", "--expect", str(audit.head())]).exit_code == 0


def test_backup_of_postgresql_uses_pg_dump(app, runner, tmp_path, admin):
    import shutil

    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only")
    if shutil.which("pg_dump") is None:
        pytest.skip("pg_dump is not installed")
    target = tmp_path / "pg.dump"
    result = runner.invoke(args=["backup", str(target)])
    assert result.exit_code == 0, result.output
    assert target.read_bytes()[:5] == b"PGDMP"
    from association_tool import audit

    entry = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    anchor = audit.Anchor.parse(entry.detail.split("access log at the backup: ")[1])
    assert audit.verify_chain(expect=anchor).ok and anchor.count == audit.head().count - 1
    assert f"Access log anchor: {audit.head()}" in result.output
