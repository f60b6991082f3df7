"""Online backups of the live database."""
from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess  # nosec B404 # runs pg_dump only, with a fixed argument list
import tempfile
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
