"""Backups that happen by themselves: which copies are kept (with a fake clock), the checks a
copy passes before it counts, encryption with age, the second place, the status the settings
page and the health check read, and `/healthz`."""
import json
import shutil
import sqlite3
import subprocess
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from association_tool import audit, backup_schedule
from association_tool.backup import BackupError
from association_tool.backup_schedule import Policy, prune, taken_at, to_keep
from association_tool.extensions import db
from association_tool.models import AuditEvent
from association_tool.timeutil import HELSINKI
from tests.factories import make_client


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=HELSINKI)


def _names(times, suffix=".db"):
    return [Path(f"backup-{t.strftime('%Y%m%d-%H%M%S')}{suffix}") for t in times]


# --- which copies are kept -------------------------------------------------------------------

def test_the_newest_copy_of_each_of_the_last_days_and_months_is_kept():
    now = _at("2026-12-07T03:00:00")
    nightly = [now - timedelta(days=d) for d in range(0, 120)]  # four months of nights
    extra_today = now - timedelta(hours=1)  # a second copy today: the older of the two goes
    paths = _names(nightly + [extra_today])
    kept = to_keep(paths, Policy(daily=7, monthly=3), now)
    kept_times = sorted(taken_at(p) for p in kept)
    days = [now - timedelta(days=d) for d in range(0, 7)]
    # the newest of November, October (the newest copies of the two earlier months of 3)
    month_ends = [_at("2026-11-30T03:00:00"), _at("2026-10-31T03:00:00")]
    assert kept_times == sorted(days + month_ends)
    assert Path(f"backup-{extra_today.strftime('%Y%m%d-%H%M%S')}.db") not in kept


def test_a_missed_night_does_not_keep_an_older_copy_in_its_place():
    now = _at("2026-12-07T03:00:00")
    times = [now - timedelta(days=d) for d in (0, 1, 5, 9, 10)]
    kept = to_keep(_names(times), Policy(daily=3, monthly=0), now)
    assert sorted(taken_at(p) for p in kept) == sorted(times[:2])


def test_other_files_are_never_touched_and_zero_keeps_none(tmp_path):
    now = _at("2026-12-07T03:00:00")
    for path in _names([now - timedelta(days=d) for d in range(10)], ".db.age"):
        (tmp_path / path).write_text("x")
    (tmp_path / "notes.txt").write_text("keep me")
    (tmp_path / "before-upgrade-20260101-000000.db").write_text("keep me")
    removed = prune(tmp_path, Policy(daily=2, monthly=0), now)
    assert len(removed) == 8
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "backup-20261206-030000.db.age", "backup-20261207-030000.db.age",
        "before-upgrade-20260101-000000.db", "notes.txt"]


def test_the_names_read_back_as_the_local_time_they_were_taken():
    assert taken_at(Path("backup-20261207-023000.dump.age")) == _at("2026-12-07T02:30:00")
    assert taken_at(Path("backup-2026.db")) is None
    assert taken_at(Path("backup-20261207-023000.db.partial")) is None


# --- one scheduled run -------------------------------------------------------------------------

def _sqlite_only():
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the copy is checked inside SQLite; PostgreSQL dumps are listed with pg_restore")


def test_a_run_checks_the_copy_records_it_and_prunes(app, admin, tmp_path):
    _sqlite_only()
    make_client(display_name="Ruusu Ranta")
    db.session.commit()
    folder = tmp_path / "backups"
    folder.mkdir()
    old = folder / "backup-20261101-023000.db"
    old.write_text("an older copy")
    now = _at("2026-12-07T02:30:00")
    outcome = backup_schedule.run(app.config["SQLALCHEMY_DATABASE_URI"], folder, tmp_path,
                                  policy=Policy(daily=7, monthly=0), now=now)
    assert outcome.path == folder / "backup-20261207-023000.db"
    assert outcome.removed == [old] and not old.exists()
    assert oct(outcome.path.stat().st_mode & 0o777) == "0o600"
    with sqlite3.connect(outcome.path) as copy:
        assert copy.execute("SELECT display_name FROM client").fetchall() == [("Ruusu Ranta",)]
    entry = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert entry.action == "export" and entry.object_type == "backup"
    assert entry.detail.startswith("scheduled backup-20261207-023000.db")
    status = json.loads((tmp_path / "backup-status.json").read_text())
    assert status["last_good_at"] == now.isoformat() and status["anchor"] == str(outcome.anchor)
    last = backup_schedule.last_backup(tmp_path)
    assert last.at == now and not last.stale(now + timedelta(days=1))
    assert last.stale(now + timedelta(days=2, minutes=1))
    assert audit.verify_chain().ok


def test_a_copy_whose_log_does_not_verify_never_counts(app, admin, tmp_path, monkeypatch):
    _sqlite_only()
    db.session.commit()
    real_backup = backup_schedule.backup_database

    def tampered_backup(url, target):
        real_backup(url, target)
        with sqlite3.connect(target) as copy:  # as someone with the file could
            for name, in copy.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' "
                                      "AND tbl_name = 'audit_event'").fetchall():
                copy.execute(f'DROP TRIGGER "{name}"')
            copy.execute("UPDATE audit_event SET detail = 'changed' WHERE id = 1")
        return target

    monkeypatch.setattr(backup_schedule, "backup_database", tampered_backup)
    now = _at("2026-12-07T02:30:00")
    backup_schedule.write_status(tmp_path, {"last_good_at": _at("2026-12-01T02:30:00").isoformat()})
    with pytest.raises(BackupError, match="does not verify"):
        backup_schedule.run(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path / "b", tmp_path,
                            now=now)
    assert list((tmp_path / "b").iterdir()) == []  # the bad copy is gone
    last = backup_schedule.last_backup(tmp_path)
    assert last.at == _at("2026-12-01T02:30:00")  # the last good one stays the last good one
    assert "does not verify" in last.error and last.stale(now)


def test_the_command_line_runs_it_with_the_settings(app, admin, runner, tmp_path):
    _sqlite_only()
    db.session.commit()
    app.config["BACKUP_DIR"] = str(tmp_path / "nightly")
    app.config["BACKUP_COPY_TO"] = str(tmp_path / "second-disk")
    (tmp_path / "second-disk").mkdir()
    result = runner.invoke(args=["scheduled-backup", "--now", "2026-12-07T02:30:00+02:00"])
    assert result.exit_code == 0, result.output
    name = "backup-20261207-023000.db"
    assert (tmp_path / "nightly" / name).read_bytes() == (tmp_path / "second-disk" / name).read_bytes()
    assert f"copied to {tmp_path / 'second-disk'}" in result.output
    app.config["BACKUP_COPY_TO"] = str(tmp_path / "not-mounted")
    result = runner.invoke(args=["scheduled-backup", "--now", "2026-12-08T02:30:00+02:00"])
    assert result.exit_code != 0 and "is not a folder" in result.output


@pytest.mark.skipif(shutil.which("age") is None or shutil.which("age-keygen") is None,
                    reason="age is not installed (Debian package 'age')")
def test_an_encrypted_copy_opens_only_with_the_private_key(app, admin, tmp_path):
    _sqlite_only()
    make_client(display_name="Ruusu Ranta")
    db.session.commit()
    identity = tmp_path / "key.txt"
    subprocess.run(["age-keygen", "-o", str(identity)], check=True, capture_output=True)
    public = subprocess.run(["age-keygen", "-y", str(identity)], check=True, capture_output=True,
                            text=True).stdout.strip()
    outcome = backup_schedule.run(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path / "b", tmp_path,
                                  recipients=[public], now=_at("2026-12-07T02:30:00"))
    assert outcome.encrypted and outcome.path.name == "backup-20261207-023000.db.age"
    assert sorted(p.name for p in (tmp_path / "b").iterdir()) == [outcome.path.name]
    assert b"Ruusu Ranta" not in outcome.path.read_bytes()
    plain = backup_schedule.decrypt(outcome.path, identity, tmp_path / "restored.db")
    with sqlite3.connect(plain) as copy:
        assert copy.execute("SELECT display_name FROM client").fetchall() == [("Ruusu Ranta",)]
    other = tmp_path / "other.txt"
    subprocess.run(["age-keygen", "-o", str(other)], check=True, capture_output=True)
    with pytest.raises(BackupError, match="decryption failed"):
        backup_schedule.decrypt(outcome.path, other, tmp_path / "nope.db")


# --- what the admin and the monitoring see ------------------------------------------------------

def test_healthz_says_what_is_wrong_and_nothing_personal(app, client, admin, tmp_path):
    make_client(display_name="Ruusu Ranta")
    db.session.commit()
    response = client.get("/healthz")
    assert response.status_code == 503  # no backup yet
    body = response.get_json()
    assert body["checks"] == {"database": "ok", "migrations": "current", "disk": "ok",
                              "backup": "none"}
    assert body["last_backup_age_hours"] is None
    backup_schedule.write_status(
        tmp_path, {"last_good_at": (datetime.now(HELSINKI) - timedelta(hours=5)).isoformat()})
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json()["status"] == "ok"
    assert 4.9 <= response.get_json()["last_backup_age_hours"] <= 5.1
    text = response.get_data(as_text=True)
    for private in ("Ruusu", admin.email, app.config["SECRET_KEY"], str(tmp_path)):
        assert private not in text
    backup_schedule.write_status(
        tmp_path, {"last_good_at": (datetime.now(HELSINKI) - timedelta(days=3)).isoformat()})
    assert client.get("/healthz").get_json()["checks"]["backup"] == "old"


def test_healthz_tells_of_a_database_behind_the_code(app, client, admin):
    db.session.execute(db.text("UPDATE alembic_version SET version_num = '0001'"))
    db.session.commit()
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["migrations"] == "behind"


def test_the_backup_page_shows_the_last_good_backup_and_warns_when_old(app, client, auth, admin,
                                                                       tmp_path):
    auth.login(admin)
    page = client.get("/admin/settings/backup").get_data(as_text=True)
    assert 'class="backup-status stale"' in page
    backup_schedule.write_status(
        tmp_path, {"last_good_at": (datetime.now(HELSINKI) - timedelta(hours=3)).isoformat(),
                   "file": "backup-x.db"})
    page = client.get("/admin/settings/backup").get_data(as_text=True)
    assert 'class="backup-status ok"' in page
    backup_schedule.write_status(
        tmp_path, {"last_good_at": (datetime.now(HELSINKI) - timedelta(days=3)).isoformat(),
                   "last_error": "the second place /mnt/x is not a folder",
                   "last_error_at": datetime.now(HELSINKI).isoformat()})
    page = client.get("/admin/settings/backup").get_data(as_text=True)
    assert 'class="backup-status stale"' in page
    assert "the second place /mnt/x is not a folder" in page
