"""Backups that happen by themselves: the daily copy, its checks, encryption, a second place,
keeping the last N daily and M monthly copies, and the record of the last good one.

`flask scheduled-backup` runs `run()` once; the systemd timer made by `make install` calls it
every night. Each copy is checked before it counts: SQLite's integrity check and the access log's
hash chain verified inside the copy against the anchor taken just before it (a PostgreSQL dump is
checked by listing its table of contents with pg_restore). Encryption uses `age` (Debian
package) with the association's public key, so the server can make encrypted copies it cannot
read itself: the private key stays off the server, with whoever would restore.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess  # nosec B404 # runs age, rsync and pg_restore with fixed argument lists
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from . import audit
from .backup import BackupError, backup_database
from .timeutil import HELSINKI

STATUS_FILE = "backup-status.json"
NAME = re.compile(r"^backup-(\d{8}-\d{6})\.(db|dump)(\.age)?$")
STALE_AFTER = timedelta(days=2)


@dataclass(frozen=True)
class Policy:
    """How many copies to keep: the newest of each of the last `daily` days and of each of the
    last `monthly` months (today and this month included)."""

    daily: int = 7
    monthly: int = 12


@dataclass
class Outcome:
    """What one run did."""

    path: Path
    anchor: audit.Anchor
    encrypted: bool = False
    copied_to: str | None = None
    removed: list[Path] = field(default_factory=list)


def backup_name(now: datetime, sqlite: bool) -> str:
    """The file name of a copy taken at `now` (local time)."""
    return f"backup-{now.strftime('%Y%m%d-%H%M%S')}.{'db' if sqlite else 'dump'}"


def taken_at(path: Path) -> datetime | None:
    """When the copy named `path` was taken, from its name; None for other files."""
    match = NAME.match(Path(path).name)
    if not match:
        return None
    return datetime.strptime(match.group(1), "%Y%m%d-%H%M%S").replace(tzinfo=HELSINKI)


def to_keep(paths, policy: Policy, now: datetime) -> set[Path]:
    """The copies the policy keeps among `paths` (other files are never touched).

    The newest copy of each day counts for that day, and the newest of each month for that
    month; a day (month) is kept when it is one of the last `daily` days (`monthly` months)
    counted back from `now`, whether or not a copy was made on every one of them.
    """
    dated = sorted(((taken_at(p), Path(p)) for p in paths if taken_at(p)), reverse=True)
    today = now.astimezone(HELSINKI).date()
    first_day = today - timedelta(days=policy.daily - 1)
    month_index = today.year * 12 + today.month - 1
    first_month = month_index - (policy.monthly - 1)
    keep, days_seen, months_seen = set(), set(), set()
    for when, path in dated:
        day = when.date()
        month = day.year * 12 + day.month - 1
        if policy.daily > 0 and first_day <= day <= today and day not in days_seen:
            keep.add(path)
        if policy.monthly > 0 and first_month <= month <= month_index and month not in months_seen:
            keep.add(path)
        days_seen.add(day)
        months_seen.add(month)
    return keep


def prune(folder: Path, policy: Policy, now: datetime) -> list[Path]:
    """Remove the copies in `folder` that the policy no longer keeps; return them."""
    folder = Path(folder)
    copies = [p for p in folder.iterdir() if taken_at(p)]
    keep = to_keep(copies, policy, now)
    removed = []
    for path in sorted(copies):
        if path not in keep:
            path.unlink()
            removed.append(path)
    return removed


def verify_copy(path: Path, anchor: audit.Anchor) -> None:
    """Check a fresh copy before it counts; raise BackupError when it is not sound."""
    if path.suffix == ".db":
        engine = create_engine(f"sqlite:///{path}")
        try:
            with engine.connect() as connection:
                result = connection.exec_driver_sql("PRAGMA integrity_check").scalar()
            if result != "ok":
                raise BackupError(f"integrity check of {path.name} failed: {result}")
            with Session(engine) as session:
                report = audit.verify_chain(expect=anchor, session=session)
        finally:
            engine.dispose()
        if not report.ok:
            raise BackupError(f"the access log in {path.name} does not verify against the "
                              f"anchor {anchor} ({report.reason})")
        return
    if shutil.which("pg_restore") is None:
        raise BackupError("pg_restore is not installed: the dump cannot be checked")
    completed = subprocess.run(["pg_restore", "--list", str(path)],  # nosec B603 B607
                               capture_output=True, text=True, check=False)
    if completed.returncode != 0 or "TABLE DATA" not in completed.stdout:
        raise BackupError(f"{path.name} is not a readable dump: {completed.stderr.strip()}")


def encrypt(path: Path, recipients: list[str]) -> Path:
    """Encrypt `path` with age to the public keys; the plain copy is removed."""
    if shutil.which("age") is None:
        raise BackupError("age is not installed (Debian package 'age'): cannot encrypt")
    target = path.with_name(path.name + ".age")
    command = ["age", "--encrypt", "--output", str(target)]
    for recipient in recipients:
        command += ["--recipient", recipient]
    completed = subprocess.run(command + [str(path)],  # nosec B603 B607
                               capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        target.unlink(missing_ok=True)
        raise BackupError(f"encryption failed: {completed.stderr.strip()}")
    with target.open("rb") as handle:
        if not handle.read(64).startswith(b"age-encryption.org/v1"):
            raise BackupError("the encrypted copy is not an age file")
    path.unlink()
    return target


def decrypt(path: Path, identity_file: Path, target: Path) -> Path:
    """Decrypt an age-encrypted copy with the private key in `identity_file` (for restoring)."""
    completed = subprocess.run(  # nosec B603 B607
        ["age", "--decrypt", "--identity", str(identity_file), "--output", str(target),
         str(path)], capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise BackupError(f"decryption failed: {completed.stderr.strip()}")
    return target


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def copy_elsewhere(path: Path, destination: str) -> str:
    """Copy `path` to a second place: a folder (a mounted disk), or an rsync/ssh target
    `host:folder`. A local copy is compared byte for byte before it counts."""
    if ":" in destination and not Path(destination).exists():
        if shutil.which("rsync") is None:
            raise BackupError("rsync is not installed: cannot copy to " + destination)
        completed = subprocess.run(  # nosec B603 B607
            ["rsync", "--checksum", "--times", "--", str(path), destination.rstrip("/") + "/"],
            capture_output=True, text=True, check=False)
        if completed.returncode != 0:
            raise BackupError(f"copy to {destination} failed: {completed.stderr.strip()}")
        return destination
    folder = Path(destination)
    if not folder.is_dir():
        raise BackupError(f"the second place {folder} is not a folder (is the disk mounted?)")
    partial = folder / (path.name + ".partial")
    shutil.copyfile(path, partial)
    if _sha256(partial) != _sha256(path):
        partial.unlink()
        raise BackupError(f"the copy in {folder} differs from the original")
    os.replace(partial, folder / path.name)
    return str(folder)


def run(database_url: str, folder: Path, instance: Path, *, policy: Policy = Policy(),
        recipients: list[str] | None = None, copy_to: str | None = None,
        now: datetime | None = None) -> Outcome:
    """Take, check, encrypt, copy and prune one scheduled backup, then record it as the last
    good one. Any failure is recorded too and raised: the copy never counts half-made."""
    from .extensions import db

    now = (now or datetime.now(HELSINKI)).astimezone(HELSINKI)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    sqlite = make_url(database_url).get_backend_name() == "sqlite"
    anchor = audit.head()
    db.session.rollback()  # hold no lock on SQLite while the copy is made
    path = folder / backup_name(now, sqlite)
    try:
        backup_database(database_url, path)
        os.chmod(path, 0o600)
        verify_copy(path, anchor)
        outcome = Outcome(path=path, anchor=anchor)
        if recipients:
            outcome.path = encrypt(path, recipients)
            outcome.encrypted = True
        if copy_to:
            outcome.copied_to = copy_elsewhere(outcome.path, copy_to)
            if Path(copy_to).is_dir():
                prune(Path(copy_to), policy, now)
        outcome.removed = prune(folder, policy, now)
    except BackupError as error:
        path.unlink(missing_ok=True)
        write_status(instance, {**read_status(instance), "last_error": str(error),
                                "last_error_at": now.isoformat()})
        raise
    audit.record(audit.Action.EXPORT, object_type="backup",
                 detail=f"scheduled {outcome.path.name}; access log at the backup: {anchor}")
    db.session.commit()
    write_status(instance, {"last_good_at": now.isoformat(), "file": outcome.path.name,
                            "anchor": str(anchor), "encrypted": outcome.encrypted,
                            "copied_to": outcome.copied_to})
    return outcome


def read_status(instance: Path) -> dict:
    """What the last runs recorded; {} when no scheduled backup has run here."""
    try:
        return json.loads((Path(instance) / STATUS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def write_status(instance: Path, status: dict) -> None:
    """Record the status atomically, readable by the app's own account only."""
    target = Path(instance) / STATUS_FILE
    partial = target.with_name(target.name + ".partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(status, handle, ensure_ascii=False, indent=1)
    os.replace(partial, target)


@dataclass(frozen=True)
class LastBackup:
    """The last good scheduled backup, for the settings page and the health check."""

    at: datetime | None
    error: str | None
    error_at: datetime | None

    def age(self, now: datetime | None = None) -> timedelta | None:
        if self.at is None:
            return None
        return (now or datetime.now(HELSINKI)) - self.at

    def stale(self, now: datetime | None = None) -> bool:
        """True when there is no good backup, or the last is older than two days."""
        age = self.age(now)
        return age is None or age > STALE_AFTER


def last_backup(instance: Path) -> LastBackup:
    """Read the last good backup's time and the last error from the status file."""
    status = read_status(instance)

    def when(key):
        try:
            return datetime.fromisoformat(status[key])
        except (KeyError, TypeError, ValueError):
            return None

    return LastBackup(at=when("last_good_at"), error=status.get("last_error"),
                      error_at=when("last_error_at"))
