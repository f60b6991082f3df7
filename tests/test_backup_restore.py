"""`flask backup restore PATH` (SECURITY.md #21): backup, change, restore, and the change is
gone while the access log verifies; on SQLite and PostgreSQL. A file that is not a sound backup
of this app is refused before anything changes."""
from __future__ import annotations

import shutil
import sqlite3

import pytest
from sqlalchemy import select

from association_tool import audit
from association_tool.extensions import db
from association_tool.models import AuditEvent, AuthSession, Client

from .factories import login, make_client


def _needs_tools():
    if db.engine.dialect.name == "postgresql" and not (shutil.which("pg_dump")
                                                       and shutil.which("pg_restore")):
        pytest.skip("pg_dump and pg_restore are not installed")


def _backup(runner, tmp_path):
    target = tmp_path / ("before.db" if db.engine.dialect.name == "sqlite" else "before.dump")
    result = runner.invoke(args=["backup", str(target)])
    assert result.exit_code == 0, result.output
    # The anchor at the backup, as its log entry records it (the entry itself comes after).
    entry = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    return target, entry.detail.split("access log at the backup: ")[1]


def test_backup_change_restore_and_the_change_is_gone(app, runner, tmp_path, admin):
    _needs_tools()
    kept = make_client(display_name="Ennen varmuuskopiota")
    target, anchor = _backup(runner, tmp_path)
    later = make_client(display_name="Varmuuskopion jälkeen")
    kept.display_name = "Muutettu nimi"
    db.session.commit()
    later_id, kept_id = later.id, kept.id

    result = runner.invoke(args=["backup", "restore", str(target), "--expect", anchor])
    assert result.exit_code == 0, result.output
    assert "the access log verifies" in result.output
    db.session.remove()
    assert db.session.get(Client, later_id) is None
    assert db.session.get(Client, kept_id).display_name == "Ennen varmuuskopiota"
    verify = runner.invoke(args=["audit", "verify", "--expect", anchor])
    assert verify.exit_code == 0, verify.output
    newest = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert newest.object_type == "backup" and newest.detail.startswith(f"restored {target.name}")
    # The database as it was before the restore is kept aside, with the later client in it.
    aside = [p for p in tmp_path.iterdir() if p.name.startswith("before-restore-")]
    assert len(aside) == 1
    if db.engine.dialect.name == "sqlite":
        with sqlite3.connect(aside[0]) as copy:
            names = {row[0] for row in copy.execute("SELECT display_name FROM client")}
        assert "Varmuuskopion jälkeen" in names


def test_a_restore_is_refused_while_the_app_is_serving(app, client, runner, tmp_path, admin):
    _needs_tools()
    target, _anchor = _backup(runner, tmp_path)
    person = make_client(display_name="Palvelee")
    login(client, admin)  # someone is using the app
    db.session.rollback()
    result = runner.invoke(args=["backup", "restore", str(target)])
    assert result.exit_code != 0 and "the app is serving" in result.output
    assert db.session.get(Client, person.id) is not None
    forced = runner.invoke(args=["backup", "restore", str(target), "--force"])
    assert forced.exit_code == 0, forced.output
    db.session.remove()
    assert db.session.get(Client, person.id) is None
    # Sessions are ended by the restore: the browser must sign in again.
    assert db.session.scalars(select(AuthSession)).first() is None
    assert client.get("/clients/").status_code == 302  # to the sign-in page


def test_a_file_that_is_not_a_backup_of_this_app_is_refused(app, runner, tmp_path, admin):
    _needs_tools()
    make_client(display_name="Pysyy")
    before = audit.head()
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all" * 100)
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as connection:
        connection.execute("CREATE TABLE something (id INTEGER)")
    cases = [junk, other, tmp_path / "missing.db"]
    if db.engine.dialect.name == "sqlite":
        damaged = tmp_path / "damaged.db"
        good, _anchor = _backup(runner, tmp_path)
        data = bytearray(good.read_bytes())
        data[4096 * 2: 4096 * 2 + 200] = b"\xff" * 200
        damaged.write_bytes(bytes(data))
        newer = tmp_path / "newer.db"
        shutil.copy(good, newer)
        with sqlite3.connect(newer) as connection:
            connection.execute("UPDATE alembic_version SET version_num = '9999_future'")
        cases += [damaged, newer]
        before = audit.head()
    else:
        good, _anchor = _backup(runner, tmp_path)
        cut = tmp_path / "cut.dump"
        cut.write_bytes(good.read_bytes()[:len(good.read_bytes()) // 2])
        cases.append(cut)
        before = audit.head()
    for path in cases:
        result = runner.invoke(args=["backup", "restore", str(path)])
        assert result.exit_code != 0 and "Not restored" in result.output, (path, result.output)
    db.session.remove()
    assert audit.head() == before
    assert db.session.scalars(select(Client.display_name)).all() == ["Pysyy"]
