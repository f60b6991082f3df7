"""Online backups of the live database."""
from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import make_url


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


def _backup_sqlite(source: Path, target: Path) -> Path:
    """Use SQLite's online backup API, which copies a consistent snapshot."""
    if not source.exists():
        raise BackupError(f"database file not found: {source}")
    partial = target.with_name(target.name + ".partial")
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(partial)
    try:
        src.backup(dst, pages=1024)
        dst.execute("PRAGMA journal_mode=DELETE")
        result = dst.execute("PRAGMA integrity_check").fetchone()[0]
        if result != "ok":
            raise BackupError(f"integrity check of the copy failed: {result}")
    finally:
        dst.close()
        src.close()
    os.replace(partial, target)
    return target


def _backup_postgresql(url, target: Path) -> Path:
    """Run pg_dump in its custom format (restore with pg_restore)."""
    if shutil.which("pg_dump") is None:
        raise BackupError("pg_dump is not installed")
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = url.password
    command = ["pg_dump", "--format=custom", "--file", str(target),
               "--host", url.host or "localhost", "--port", str(url.port or 5432),
               "--username", url.username or os.environ.get("USER", "postgres"),
               url.database or ""]
    completed = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if completed.returncode != 0:
        raise BackupError(completed.stderr.strip() or "pg_dump failed")
    return target
