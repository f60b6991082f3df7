"""Online backups of the live database, and restoring one."""
from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess  # nosec B404 # runs pg_dump only, with a fixed argument list
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import make_url

from .timeutil import HELSINKI


class BackupError(Exception):
    """The backup could not be made."""


def backup_database(database_url: str, target: Path) -> Path:
    """Copy the live database to `target` without stopping the app."""
    url = make_url(database_url)
    target = Path(target).resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    if url.get_backend_name() == "sqlite":
        return _backup_sqlite(Path(url.database), target)
    if url.get_backend_name() == "postgresql":
        return _backup_postgresql(url, target)
    raise BackupError(f"unsupported database: {url.get_backend_name()}")


def download_backup(database_url: str, folder: str) -> tuple:
    """Back up the live database into a file that exists only while it is being sent.

    Returns the open file and the name to download it under. The file is made in a private
    temporary folder under `folder` (the instance folder) and unlinked at once: the open file
    stays readable until the response closes it, and no copy is left on the server even if the
    download is broken off.
    """
    url = make_url(database_url)
    sqlite = url.get_backend_name() == "sqlite"
    stamp = datetime.now(HELSINKI).strftime("%Y-%m-%d-%H%M")
    filename = f"backup-{stamp}.{'db' if sqlite else 'dump'}"
    workdir = Path(tempfile.mkdtemp(prefix="backup-", dir=folder))
    try:
        target = backup_database(database_url, workdir / filename)
        stream = target.open("rb")
    finally:
        for leftover in workdir.iterdir():
            leftover.unlink()
        workdir.rmdir()
    return stream, filename


def _backup_sqlite(source: Path, target: Path) -> Path:
    """Use SQLite's online backup API, which copies a consistent snapshot.

    The copy is made in one step (pages=-1): the step reads in one transaction, which in WAL
    mode sees one snapshot and does not hold up the app's writers. A copy in several steps
    starts over whenever another connection commits between two steps, so under steady writes
    a large database took very long to copy, or never finished.
    """
    if not source.exists():
        raise BackupError(f"database file not found: {source}")
    partial = target.with_name(target.name + ".partial")
    src = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
    dst = sqlite3.connect(partial)
    try:
        src.backup(dst, pages=-1)
        dst.execute("PRAGMA journal_mode=DELETE")
        result = dst.execute("PRAGMA integrity_check").fetchone()[0]
        if result != "ok":
            raise BackupError(f"integrity check of the copy failed: {result}")
    except BaseException as error:
        dst.close()
        src.close()
        partial.unlink(missing_ok=True)
        if isinstance(error, sqlite3.Error):
            raise BackupError(f"the copy failed: {error}") from error
        raise
    dst.close()
    src.close()
    os.replace(partial, target)
    return target


def _backup_postgresql(url, target: Path) -> Path:
    """Run pg_dump in its custom format (restore with pg_restore).

    The connection is the app's own: host, port, user and options such as sslmode come from the
    URL; the password goes through the environment, never the command line. A search_path
    pinned in the URL's options (one schema for this app in a shared database) limits the
    dump to those schemas and the database's extensions.
    """
    if shutil.which("pg_dump") is None:
        raise BackupError("pg_dump is not installed")
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    conninfo = url.set(drivername="postgresql", password=None).render_as_string(
        hide_password=False)
    command = ["pg_dump", "--format=custom", "--file", str(target), "--dbname", conninfo]
    schemas = _search_path(url)
    for schema in schemas:
        command += ["--schema", schema]
    if schemas:  # the extensions the schema's indexes need (pg_trgm), which -n leaves out
        command += ["--extension", "*"]
    # A fixed program and argument list built from the app's own settings; no shell.
    completed = subprocess.run(command, env=env, capture_output=True, text=True,  # nosec B603
                               check=False)
    if completed.returncode != 0:
        raise BackupError(completed.stderr.strip() or "pg_dump failed")
    return target


def _search_path(url) -> list[str]:
    """The schemas named by `-c search_path=...` in the URL's options, if any."""
    options = url.query.get("options") or ""
    if not isinstance(options, str):
        options = " ".join(options)
    match = re.search(r"search_path\s*=\s*(\S+)", options)
    if not match:
        return []
    names = (name.strip().strip('"') for name in match.group(1).split(","))
    return [name for name in names if name and name != "$user"]


# --- restore -----------------------------------------------------------------------------------

SQLITE_HEADER = b"SQLite format 3\x00"
PG_DUMP_HEADER = b"PGDMP"
# Tables every backup of this app has, whatever its version.
_APP_TABLES = ("alembic_version", "audit_event", "client", "setting", "user")


class RestoreError(Exception):
    """The backup cannot be restored (and nothing was changed)."""


@dataclass(frozen=True)
class BackupInfo:
    """What a checked backup holds: its kind and its schema version (migration revision)."""

    backend: str
    revision: str


def inspect_backup(database_url: str, path: Path, known_revisions: set[str]) -> BackupInfo:
    """Check that `path` is a sound backup of this app that the live database can take: its
    integrity, that it holds this app's tables, and a schema version this app knows (the same
    or older: a newer one needs the newer app). Raise RestoreError saying what is wrong."""
    path = Path(path)
    if not path.is_file():
        raise RestoreError(f"no such file: {path}")
    with path.open("rb") as file:
        header = file.read(16)
    backend = make_url(database_url).get_backend_name()
    if header.startswith(SQLITE_HEADER):
        kind = "sqlite"
    elif header.startswith(PG_DUMP_HEADER):
        kind = "postgresql"
    else:
        raise RestoreError("the file is neither an SQLite database nor a pg_dump backup")
    if kind != backend:
        raise RestoreError(f"the backup is of {kind}, the app's database is {backend}")
    tables, revision = (_inspect_sqlite(path) if kind == "sqlite" else _inspect_pg_dump(path))
    missing = [name for name in _APP_TABLES if name not in tables]
    if missing:
        raise RestoreError("not a backup of this app (no " + ", ".join(missing) + " table)")
    if revision not in known_revisions:
        raise RestoreError(f"the backup's schema version {revision or '(none)'} is not one this "
                           "app knows: it is newer than this app, or not this app's")
    return BackupInfo(kind, revision)


def _inspect_sqlite(path: Path) -> tuple[set[str], str | None]:
    try:
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as error:
        raise RestoreError(f"the file cannot be opened: {error}") from error
    try:
        result = connection.execute("PRAGMA integrity_check").fetchone()[0]
        if result != "ok":
            raise RestoreError(f"the backup is damaged: {result}")
        tables = {row[0] for row in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}
        revision = None
        if "alembic_version" in tables:
            row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
            revision = row[0] if row else None
        return tables, revision
    except sqlite3.DatabaseError as error:
        raise RestoreError(f"the backup is damaged: {error}") from error
    finally:
        connection.close()


def _inspect_pg_dump(path: Path) -> tuple[set[str], str | None]:
    if shutil.which("pg_restore") is None:
        raise RestoreError("pg_restore is not installed")
    # Fixed programs and arguments; the path is the operator's own file.
    command = ["pg_restore", "--list", str(path)]
    listing = subprocess.run(command, capture_output=True, text=True, check=False)  # nosec B603
    if listing.returncode != 0:
        raise RestoreError("the backup is damaged: " + (listing.stderr.strip() or "unreadable"))
    tables = set()
    for line in listing.stdout.splitlines():
        match = re.search(r"\bTABLE (?:DATA )?\S+ (\S+) ", line)
        if match:
            tables.add(match.group(1).strip('"'))
    command = ["pg_restore", "--data-only", "--table=alembic_version", "--file=-", str(path)]
    data = subprocess.run(command, capture_output=True, text=True, check=False)  # nosec B603
    if data.returncode != 0:
        raise RestoreError("the backup is damaged: " + (data.stderr.strip() or "unreadable"))
    lines = data.stdout.splitlines()
    revision = None
    for index, line in enumerate(lines):
        if line.startswith("COPY ") and "alembic_version" in line and index + 1 < len(lines):
            value = lines[index + 1].strip()
            revision = None if value == "\\." else value
    return tables, revision


def restore_database(database_url: str, path: Path, aside_folder: Path) -> Path:
    """Replace the live database with the backup at `path` (checked with `inspect_backup`),
    first keeping the current database aside in `aside_folder`; return where it was kept.

    The caller ends the app's own connections first and migrates and verifies after.
    """
    url = make_url(database_url)
    stamp = datetime.now(HELSINKI).strftime("%Y-%m-%d-%H%M%S")
    aside_folder = Path(aside_folder)
    if url.get_backend_name() == "sqlite":
        aside = backup_database(database_url, aside_folder / f"before-restore-{stamp}.db")
        _restore_sqlite(Path(path), Path(url.database))
        return aside
    aside = backup_database(database_url, aside_folder / f"before-restore-{stamp}.dump")
    _restore_postgresql(url, Path(path))
    return aside


def _restore_sqlite(source: Path, live: Path) -> None:
    """Copy the backup into the live database file with SQLite's backup API (under its locks,
    so the WAL and shared-memory files stay consistent), and check the result."""
    src = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
    dst = sqlite3.connect(live, timeout=15)
    try:
        src.backup(dst, pages=-1)
        result = dst.execute("PRAGMA integrity_check").fetchone()[0]
        if result != "ok":
            raise RestoreError(f"integrity check after the restore failed: {result}")
    except sqlite3.Error as error:
        raise RestoreError(f"the restore failed: {error}") from error
    finally:
        dst.close()
        src.close()


def _restore_postgresql(url, source: Path) -> None:
    """Empty the app's schema and load the dump into it with pg_restore."""
    from sqlalchemy import create_engine, text

    if shutil.which("pg_restore") is None:
        raise RestoreError("pg_restore is not installed")
    schemas = _search_path(url) or ["public"]
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            for schema in schemas:
                quoted = '"' + schema.replace('"', '""') + '"'
                connection.execute(text(f"DROP SCHEMA IF EXISTS {quoted} CASCADE"))
                if schema == "public":  # pg_dump treats public as always there
                    connection.execute(text(f"CREATE SCHEMA {quoted}"))
    finally:
        engine.dispose()
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    conninfo = url.set(drivername="postgresql", password=None).render_as_string(
        hide_password=False)
    command = ["pg_restore", "--no-owner", "--no-privileges", "--no-comments", "--exit-on-error",
               "--dbname", conninfo, str(source)]
    completed = subprocess.run(command, env=env, capture_output=True, text=True,  # nosec B603
                               check=False)
    if completed.returncode != 0:
        raise RestoreError(completed.stderr.strip() or "pg_restore failed")
