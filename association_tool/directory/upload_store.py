"""Held uploads: a checked file kept on the server until its owner confirms the import.

Each file is kept under a random token for an hour, readable only by the user who uploaded it;
claiming it renames it, so that a second confirmation cannot import it twice.
"""
from __future__ import annotations

import json
import os
import re
import secrets
import time
from pathlib import Path

from flask import current_app

TOKEN_LIFETIME_SECONDS = 3600
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32}$")


class StoredImportMissing(Exception):
    """No such import: never made, already done, or expired."""


class StoredImportForeign(Exception):
    """The import was started by another user."""


def _folder() -> Path:
    folder = Path(current_app.instance_path) / "imports"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def clean_up(max_age: float = TOKEN_LIFETIME_SECONDS) -> None:
    """Delete kept files older than their lifetime."""
    limit = time.time() - max_age
    for path in _folder().iterdir():
        try:
            if path.stat().st_mtime < limit:
                path.unlink()
        except OSError:
            pass


def store(data: bytes, user_id: int, filename: str | None) -> str:
    """Keep a checked file for its owner to confirm; return its token."""
    clean_up()
    token = secrets.token_urlsafe(24)
    folder = _folder()
    meta = {"user_id": user_id, "created": time.time(), "filename": (filename or "")[:200]}
    for name, content in ((f"{token}.json", json.dumps(meta).encode()), (f"{token}.csv", data)):
        fd = os.open(folder / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
    return token


def _meta(token: str) -> dict:
    if not isinstance(token, str) or not _TOKEN.match(token):
        raise StoredImportMissing()
    try:
        meta = json.loads((_folder() / f"{token}.json").read_text())
    except (OSError, ValueError):
        raise StoredImportMissing() from None
    if time.time() - meta.get("created", 0) > TOKEN_LIFETIME_SECONDS:
        discard(token)
        raise StoredImportMissing()
    return meta


def stored_filename(token: str) -> str:
    """Return the original name of a kept file, for the page."""
    try:
        return _meta(token).get("filename", "")
    except StoredImportMissing:
        return ""


def claim(token: str, user_id: int) -> bytes:
    """Take a kept file for importing, so that a second confirmation cannot import it twice."""
    meta = _meta(token)
    if meta.get("user_id") != user_id:
        raise StoredImportForeign()
    folder = _folder()
    try:
        os.rename(folder / f"{token}.csv", folder / f"{token}.busy")
        return (folder / f"{token}.busy").read_bytes()
    except OSError:
        raise StoredImportMissing() from None


def release(token: str) -> None:
    """Give a claimed file back, so that the user can still confirm it (e.g. the valid rows only)."""
    folder = _folder()
    try:
        os.rename(folder / f"{token}.busy", folder / f"{token}.csv")
    except OSError:
        pass


def discard(token: str) -> None:
    """Delete a kept file and its details."""
    folder = _folder()
    for suffix in (".csv", ".busy", ".json"):
        try:
            (folder / f"{token}{suffix}").unlink()
        except OSError:
            pass
