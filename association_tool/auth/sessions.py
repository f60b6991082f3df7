"""Server-side sessions: the record behind each cookie, its timeouts and its revocation.

The cookie holds a random key; the database holds only its hash. A session ends at sign-out, when
it has been idle too long or lived too long, and at once for every device when the user's
password or role changes or the user is disabled.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from functools import lru_cache

from flask import current_app
from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.orm import joinedload

from ..database import write_transaction
from ..extensions import db
from ..models import AuthSession, User
from ..timeutil import utcnow

LAST_SEEN_GRANULARITY = timedelta(seconds=30)


def _key_hash(key: str) -> str:
    """Hash a session key so that the database never holds a usable key."""
    return hashlib.sha256(key.encode()).hexdigest()


def start_session(user: User, ip: str | None) -> AuthSession:
    """Open a new server-side session; its fresh key goes into the cookie."""
    key = secrets.token_urlsafe(32)
    record = AuthSession(key_hash=_key_hash(key), user_id=user.id, ip=ip)
    db.session.add(record)
    db.session.flush()
    record.key = key
    user.auth_session = record
    return record


@lru_cache(maxsize=None)
def _session_query():
    """The session with its user, by key: built once, as every request asks it."""
    return (select(AuthSession).options(joinedload(AuthSession.user))
            .where(AuthSession.key_hash == bindparam("key_hash")))


def load_session(key: str) -> tuple[User | None, bool]:
    """Return the user of a live session and whether an expired one was found."""
    if not key or len(key) > 100:
        return None, False
    record = db.session.execute(_session_query(), {"key_hash": _key_hash(key)}).scalar_one_or_none()
    if record is None:
        return None, False
    now = utcnow()
    config = current_app.config
    expired = (now - record.last_seen_at > config["IDLE_TIMEOUT"]
               or now - record.created_at > config["ABSOLUTE_SESSION_LIFETIME"])
    if expired or not record.user.active:
        with write_transaction():
            db.session.execute(delete(AuthSession).where(AuthSession.id == record.id))
        return None, expired
    if now - record.last_seen_at > LAST_SEEN_GRANULARITY:
        # Committed at once: a page that writes nothing still counts as activity.
        with write_transaction():
            db.session.execute(update(AuthSession).where(AuthSession.id == record.id)
                               .values(last_seen_at=now))
    record.key = key
    record.user.auth_session = record
    return record.user, False


def end_session(record: AuthSession | None) -> None:
    """End one session (sign-out)."""
    if record is not None:
        db.session.execute(delete(AuthSession).where(AuthSession.id == record.id))


def end_all_sessions(user: User) -> None:
    """End every session of a user at once."""
    db.session.execute(delete(AuthSession).where(AuthSession.user_id == user.id))
    user.auth_session = None


def purge_expired_sessions() -> int:
    """Delete sessions past their absolute lifetime; return how many went."""
    cutoff = utcnow() - current_app.config["ABSOLUTE_SESSION_LIFETIME"]
    result = db.session.execute(delete(AuthSession).where(AuthSession.created_at < cutoff))
    return result.rowcount or 0
