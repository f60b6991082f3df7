"""Crash safety and backups under load.

1. The server is killed with SIGKILL in the middle of writes, again and again. A write counts
   as acknowledged when the status line of its answer (a 303) reached the client. After each
   kill the server is started again, and the database file must hold every acknowledged write
   (and nothing that was never sent) and pass `PRAGMA integrity_check`.

   The server is Werkzeug's threaded WSGI server (the one `flask run` uses) serving the app
   built from the environment, as in production. A fresh interpreter takes about a second to
   import and build the app, so fifty restarts would take over a minute; instead a helper
   process builds the app once and forks a new server for each round (as gunicorn --preload
   forks its workers), which starts in milliseconds. What is killed is a whole server process
   with requests in flight.

2. A backup taken with the CLI while writers run restores to exactly the database as it was at
   the backup's moment: the writers only add rows, so table by table the restored rows must
   hash the same as the source's rows with the same ids, no row committed before the moment
   may be missing, and the access log's hash chain in the restored copy must be intact.
"""
from __future__ import annotations

import http.client
import json
import os
import random
import re
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from association_tool import audit, create_app
from association_tool.config import normalise_database_url
from association_tool.extensions import db
from association_tool.goals import services as goals

from .conftest import BACKENDS, _config
from .factories import PASSWORD, make_client, make_user
from .reliability_helpers import (
    LiveClient, child_env, contact_fields, goal_fields, goal_form, report_figures, spawn,
    table_hashes,
)

KILLS = 50
WRITER_THREADS = 3
TOKEN = re.compile(r"\[[^\]]+\]")


@contextmanager
def _app_on(tmp: Path, database_url: str):
    """An app of the test's own on a database that other processes also use."""
    application = create_app(_config(tmp, database_url))
    with application.app_context():
        try:
            yield application
        finally:
            db.session.remove()
            db.engine.dispose()


def _seed(tmp: Path, database_url: str) -> dict:
    """An administrator, a staff member, a client and a goal to write on."""
    with _app_on(tmp, database_url):
        make_user(role="admin", email="admin@test.example.org")
        staff = make_user(role="staff", email="kirjaaja@test.example.org")
        client = make_client(display_name="Kaatumisasiakas", actor=staff)
        goal = goals.create_goal(client, text="Arki sujuu.", created_by_id=staff.id)
        db.session.commit()
        return {"staff_id": staff.id, "email": staff.email, "client_id": client.id,
                "goal_id": goal.id}


class Acknowledged:
    """What the writers were told was saved, and what they tried."""

    def __init__(self):
        self.lock = threading.Lock()
        self.contacts: set[str] = set()
        self.tried_contacts: set[str] = set()
        self.edits: list[tuple[int, str]] = []  # (version after the save, token)
        self.tried_tokens: set[str] = set()
        self.cut_off = 0  # requests the kill interrupted

    def count(self) -> int:
        """How many writes were acknowledged so far."""
        with self.lock:
            return len(self.contacts) + len(self.edits)


def _write_until_killed(server: LiveClient, seed: dict, acked: Acknowledged, name: str,
                        stop: threading.Event) -> None:
    """Add contacts (or edit the goal) until the server dies or the round ends."""
    client = LiveClient(server.port)
    client.cookie, client.csrf = server.cookie, server.csrf
    edit_url = f"/clients/{seed['client_id']}/goals/{seed['goal_id']}/edit"
    n = 0
    try:
        while not stop.is_set():
            n += 1
            if name.endswith("0"):  # one writer edits the goal, with its version
                status, body = client.request("GET", edit_url, fragment=True)
                if status != 200:
                    raise AssertionError(f"edit form gave {status}")
                version, current = goal_form(body)
                token = f"[{name}.{n}]"
                with acked.lock:
                    acked.tried_tokens.add(token)
                status, _ = client.request("POST", edit_url, goal_fields(current + token, version))
                if status == 303:
                    with acked.lock:
                        acked.edits.append((version + 1, token))
                elif status != 422:
                    raise AssertionError(f"goal edit gave {status}")
            else:
                note = f"{name}.{n}"
                with acked.lock:
                    acked.tried_contacts.add(note)
                status, _ = client.request("POST", f"/clients/{seed['client_id']}/contacts",
                                           contact_fields(note))
                if status != 303:
                    raise AssertionError(f"recording a contact gave {status}")
                with acked.lock:
                    acked.contacts.add(note)
    except (OSError, http.client.HTTPException):  # the server died under this request
        with acked.lock:
            acked.cut_off += 1


def _check_file(path: Path, seed: dict, acked: Acknowledged) -> None:
    """Every acknowledged write is in the file, nothing unknown is, and the file is sound."""
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        notes = {row[0] for row in connection.execute(
            "SELECT note FROM contact WHERE client_id = ?", (seed["client_id"],))}
        goal_text, version = connection.execute(
            "SELECT text, version FROM goal WHERE id = ?", (seed["goal_id"],)).fetchone()
    with acked.lock:
        assert acked.contacts <= notes, sorted(acked.contacts - notes)[:5]
        assert notes <= acked.tried_contacts
        saved = TOKEN.findall(goal_text)
        assert set(saved) <= acked.tried_tokens
        assert version == 1 + len(saved)  # every saved edit made one version step
        # Acknowledged edits are all there, in the order of their versions.
        for number, token in acked.edits:
            assert saved[number - 2] == token, (number, token, saved)


def test_killing_the_server_mid_write_loses_no_acknowledged_commit(sqlite_template, tmp_path):
    database = tmp_path / "association.db"
    shutil.copy(sqlite_template, database)
    url = f"sqlite:///{database}"
    seed = _seed(tmp_path, url)
    log = (tmp_path / "server.log").open("w")
    warm_up = [f"/clients/{seed['client_id']}/goals/{seed['goal_id']}/edit",
               f"/clients/{seed['client_id']}/contacts", "/"]
    servers = spawn("fork-server", {"warm_up": warm_up, "email": seed["email"],
                                    "password": PASSWORD},
                    child_env(tmp_path, url), stdin=subprocess.PIPE, stderr=log)
    rng = random.Random(20)
    acked = Acknowledged()
    rounds_with_cut_off = 0

    def command(line: str) -> str:
        servers.stdin.write(line + "\n")
        servers.stdin.flush()
        answer = servers.stdout.readline()
        assert answer, "the server helper died: " + (tmp_path / "server.log").read_text()[-3000:]
        return answer.strip()

    try:
        port = int(command("start").split()[1])
        browser = LiveClient(port)
        browser.login(seed["email"], PASSWORD)
        for kill in range(KILLS):
            browser.port = port
            stop = threading.Event()
            before = acked.cut_off
            writers = [threading.Thread(target=_write_until_killed,
                                        args=(browser, seed, acked, f"w{kill}-{n}", stop))
                       for n in range(WRITER_THREADS)]
            acknowledged_before = acked.count()
            for writer in writers:
                writer.start()
            # Let a few writes through (a busy machine may be slow), then kill at a random moment.
            deadline = time.monotonic() + 5
            while acked.count() < acknowledged_before + 2 and time.monotonic() < deadline:
                time.sleep(0.005)
            time.sleep(rng.uniform(0, 0.15))
            command("kill")  # SIGKILL, whatever the server is doing
            stop.set()
            for writer in writers:
                writer.join(30)
                assert not writer.is_alive()
            rounds_with_cut_off += acked.cut_off > before
            port = int(command("start").split()[1])  # the restart
            _check_file(database, seed, acked)
        status, _ = LiveClient(port).request("GET", "/login")
        assert status == 200  # the last restart serves
    finally:
        if servers.poll() is None:
            servers.stdin.write("quit\n")
            servers.stdin.close()
            servers.wait(10)
        log.close()

    with _app_on(tmp_path, url):
        report = audit.verify_chain()
        assert report.ok, report
    # The kills did land in the middle of writes, and plenty of writes were acknowledged.
    assert rounds_with_cut_off >= KILLS * 0.8
    assert acked.count() >= 2 * KILLS and acked.edits
    report_figures("kill", kills=KILLS, integrity_checks_ok=KILLS,
                   contacts_acknowledged=len(acked.contacts), edits_acknowledged=len(acked.edits),
                   rounds_with_requests_cut_off=rounds_with_cut_off)


# --- backups under load ---------------------------------------------------------------------------

# About 6 MB, more pages than one step of SQLite's backup copied before (1,024): the backup
# then had to finish with no commit between its steps.
FILLER_CONTACTS = 2500


def _fill(database_url: str, client_id: int, staff_id: int) -> None:
    """Give the database some bulk, as years of work do."""
    engine = create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO contact (client_id, \"on\", channel, minutes, topics, note, created_by_id, "
            "created_at) VALUES (:client, :on, 'phone', 30, '', :note, :staff, :at)"),
            [{"client": client_id, "on": date(2025, 1, 2), "note": f"täyte {n} " + "x" * 2300,
              "staff": staff_id, "at": datetime(2025, 1, 2, 10)} for n in range(FILLER_CONTACTS)])
    engine.dispose()


def _tables() -> list[str]:
    """Every table of the schema, the migration record too."""
    return sorted(t.name for t in db.metadata.sorted_tables) + ["alembic_version"]


def _backup_under_load(tmp_path: Path, url: str, target: Path) -> tuple[dict, int]:
    """Run two writers, take the CLI backup while both are writing, stop them.

    Returns the seed and how many contacts the writers added in all.
    """
    seed = _seed(tmp_path, url)
    if url.startswith("sqlite"):
        _fill(url, seed["client_id"], seed["staff_id"])
    env = child_env(tmp_path, url)
    stop = tmp_path / "stop"
    writers = spawn("together", {"command": "append-loop", "args_list": [
        {"client_id": seed["client_id"], "actor_id": seed["staff_id"], "tag": f"load{n}",
         "stop_file": str(stop), "max_seconds": 30} for n in range(2)]}, env)
    try:
        for _ in range(10):  # the writers are committing before the backup starts
            assert writers.stdout.readline().strip(), writers.stderr.read()
        # The CLI command itself, run in this process: a new interpreter would only add start-up.
        with _app_on(tmp_path, url) as application:
            backup = application.test_cli_runner().invoke(args=["backup", str(target)])
        assert backup.exit_code == 0, backup.output
        time.sleep(0.3)  # and they go on writing after it
    finally:
        stop.touch()
        out, err = writers.communicate(timeout=30)
    assert writers.returncode == 0, err
    added = sum(result["contacts"] for result in json.loads(out.strip().splitlines()[-1]))
    return seed, added


def _ids(connection, tables: list[str]) -> dict[str, set]:
    """The ids in each table that has an id column."""
    ids = {}
    for table in tables:
        columns = [row[0] for row in connection.execute(
            text(f'SELECT * FROM "{table}" WHERE 1 = 0')).cursor.description]
        if "id" in columns:
            ids[table] = set(connection.execute(text(f'SELECT id FROM "{table}"')).scalars())
    return ids


def _compare(source_url: str, restored_url: str, added: int) -> dict:
    """The restored copy equals the source as it was at the backup's moment; return counts.

    The writers only add rows, so the source at that moment is the source now less the rows
    added since: each table of the copy must hash the same as the source's rows with the same
    ids, and no row committed before the moment may be missing. On SQLite ids follow the order
    of commits, so each table of the copy is a prefix of the source's. On PostgreSQL two
    transactions may commit in the other order than they took their ids; the access log's ids
    do follow commits (its appends are serialised), and every contact is logged in its own
    transaction, so a complete log prefix with one entry per contact shows none is missing.
    """
    source, restored = create_engine(source_url), create_engine(restored_url)
    try:
        tables = _tables()
        with restored.connect() as copy:
            ids = _ids(copy, tables)
            copied = table_hashes(copy, tables)
            contacts = copy.execute(text(
                "SELECT COUNT(*) FROM contact WHERE note LIKE 'load%'")).scalar()
            logged = copy.execute(text("SELECT COUNT(*) FROM audit_event WHERE action = 'create' "
                                       "AND object_type = 'contact'")).scalar()
        with source.connect() as live:
            at_backup = table_hashes(live, tables, ids)
            live_ids = _ids(live, tables)
            after = live.execute(text(
                "SELECT COUNT(*) FROM contact WHERE note LIKE 'load%'")).scalar()
    finally:
        source.dispose()
        restored.dispose()
    assert copied == at_backup
    prefix_tables = ids if source.dialect.name == "sqlite" else {"audit_event": ids["audit_event"]}
    for table, present in prefix_tables.items():
        upto = max(present, default=0)
        assert {i for i in live_ids[table] if i <= upto} == present, table
    # A snapshot from the middle of the load: writes before it and after it ...
    assert 10 <= contacts < after == added
    # ... and a consistent one: each contact came with its log entry in the same transaction.
    assert logged == contacts
    return {"contacts_in_backup": contacts, "contacts_after": after, "tables": len(tables)}


def _chain_ok(tmp_path: Path, restored_url: str) -> None:
    with _app_on(tmp_path / "restored-app", restored_url):
        report = audit.verify_chain()
        assert report.ok, report


def test_sqlite_backup_under_load_restores_to_the_same_content(sqlite_template, tmp_path):
    database = tmp_path / "association.db"
    shutil.copy(sqlite_template, database)
    url = f"sqlite:///{database}"
    target = tmp_path / "backups" / "copy.db"
    seed, added = _backup_under_load(tmp_path, url, target)

    # Restore as README.md says: the copy becomes the database file of a fresh instance.
    fresh = tmp_path / "fresh-instance"
    fresh.mkdir()
    shutil.copy(target, fresh / "association.db")
    restored_url = f"sqlite:///{fresh / 'association.db'}"
    figures = _compare(url, restored_url, added)
    with sqlite3.connect(fresh / "association.db") as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    _chain_ok(tmp_path, restored_url)
    report_figures("backup-sqlite", **figures)


_BUSY_WRITER = """
import sqlite3, sys, os
writer = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=15)
writer.execute("PRAGMA synchronous=FULL")
n = 0
while not os.path.exists(sys.argv[2]):
    writer.execute("INSERT INTO note (body) VALUES ('y')")
    n += 1
    if n == 20:
        print("writing", flush=True)
"""


def test_sqlite_backup_finishes_while_a_writer_commits_without_pause(tmp_path):
    """The copy is one step: a copy in steps of 1,024 pages started over whenever a commit
    landed between two steps, so under steady writes it took seconds, or never finished."""
    from association_tool.backup import backup_database

    source = tmp_path / "busy.db"
    connection = sqlite3.connect(source, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("CREATE TABLE note (id INTEGER PRIMARY KEY, body TEXT)")
    connection.execute("BEGIN")
    connection.executemany("INSERT INTO note (body) VALUES (?)",
                           [("x" * 2000,) for _ in range(10_000)])  # about 5,000 pages
    connection.execute("COMMIT")
    connection.close()
    stop = tmp_path / "stop"
    writer = subprocess.Popen([sys.executable, "-c", _BUSY_WRITER, str(source), str(stop)],
                              stdout=subprocess.PIPE, text=True)
    outcome = {}
    try:
        assert writer.stdout.readline().strip() == "writing"
        copier = threading.Thread(target=lambda: outcome.update(
            path=backup_database(f"sqlite:///{source}", tmp_path / "copy.db")))
        copier.start()
        copier.join(8)
        finished_under_load = not copier.is_alive()
    finally:
        stop.touch()
        writer.wait(30)
    copier.join()
    assert finished_under_load, "the backup did not finish while the writer was committing"
    copy = sqlite3.connect(outcome["path"])
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert copy.execute("SELECT COUNT(*) FROM note").fetchone()[0] >= 10_000 + 20
    copy.close()


@pytest.mark.skipif("postgresql" not in BACKENDS, reason="TEST_DATABASE_URL is not set")
def test_postgresql_backup_under_load_restores_to_the_same_content(pg_database, tmp_path):
    if not (shutil.which("pg_dump") and shutil.which("pg_restore")):
        pytest.skip("pg_dump and pg_restore are not installed")
    from .conftest import _truncate_pg

    _truncate_pg(pg_database)
    target = tmp_path / "copy.dump"
    seed, added = _backup_under_load(tmp_path, pg_database, target)

    # Restore into a fresh, empty database with pg_restore.
    server = make_url(normalise_database_url(os.environ["TEST_DATABASE_URL"]))
    fresh_name = f"restore_{os.getpid()}_{random.randrange(10**6)}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{fresh_name}"'))
    fresh = make_url(pg_database).set(database=fresh_name)
    try:
        env = dict(os.environ)
        if server.password:
            env["PGPASSWORD"] = str(server.password)
        conninfo = fresh.set(drivername="postgresql", password=None, query={}).render_as_string(
            hide_password=False)
        restore = subprocess.run(["pg_restore", "--no-owner", "--exit-on-error", "--dbname",
                                  conninfo, str(target)], env=env, capture_output=True, text=True,
                                 timeout=120)
        assert restore.returncode == 0, restore.stderr
        restored_url = fresh.render_as_string(hide_password=False)
        figures = _compare(pg_database, restored_url, added)
        _chain_ok(tmp_path, restored_url)
        report_figures("backup-postgresql", **figures)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{fresh_name}" WITH (FORCE)'))
        admin.dispose()
