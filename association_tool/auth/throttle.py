"""The sign-in throttle: failed attempts are counted per account and per address, and too many
within the window lock the account or the address until the window passes or an admin unlocks.

Every attempt is recorded; a wrong password and a wrong code count alike.
"""
from __future__ import annotations

from datetime import datetime

from flask import current_app
from sqlalchemy import func, select

from .. import audit
from ..extensions import db
from ..models import LoginAttempt, User
from ..timeutil import utcnow


def _recent_failures(*, email: str | None = None, ip: str | None = None,
                     since: datetime) -> int:
    """Count failed attempts since a moment, for an account or an address."""
    query = select(func.count(LoginAttempt.id)).where(
        LoginAttempt.success.is_(False), LoginAttempt.at >= since)
    if email is not None:
        query = query.where(LoginAttempt.email == email)
    if ip is not None:
        query = query.where(LoginAttempt.ip == ip)
    return db.session.execute(query).scalar_one()


def account_locked(email: str, user: User | None, now: datetime | None = None) -> bool:
    """Tell whether an account has had too many recent failures."""
    now = now or utcnow()
    since = now - current_app.config["LOGIN_FAILURE_WINDOW"]
    if user is not None:
        last_ok = db.session.execute(
            select(func.max(LoginAttempt.at)).where(LoginAttempt.email == email,
                                                    LoginAttempt.success.is_(True))
        ).scalar_one()
        for moment in (user.lock_cleared_at, last_ok):
            if moment and moment > since:
                since = moment
    return _recent_failures(email=email, since=since) >= current_app.config["LOGIN_MAX_FAILURES"]


def address_locked(ip: str, now: datetime | None = None) -> bool:
    """Tell whether an address has had too many recent failures."""
    since = (now or utcnow()) - current_app.config["LOGIN_FAILURE_WINDOW"]
    return _recent_failures(ip=ip, since=since) >= current_app.config["LOGIN_MAX_FAILURES"]


def throttled(email: str, user: User | None, ip: str, what: str) -> bool:
    """Refuse and record an attempt on a locked account or address."""
    if not (account_locked(email, user) or address_locked(ip)):
        return False
    db.session.add(LoginAttempt(email=email, ip=ip, success=False,
                                user_id=user.id if user else None))
    audit.record(audit.Action.LOGIN_FAILED, object_type="user",
                 object_id=user.id if user else None, detail=f"throttled{what}: {email}")
    return True


def record_failure(email: str, user: User | None, ip: str, what: str = "") -> None:
    """Record a wrong password or code: it counts towards the lock like any other."""
    db.session.add(LoginAttempt(email=email, ip=ip, success=False,
                                user_id=user.id if user else None))
    audit.record(audit.Action.LOGIN_FAILED, object_type="user",
                 object_id=user.id if user else None, detail=f"{what}{email}")


def record_success(email: str, user: User, ip: str) -> None:
    """Record a completed sign-in: the account's earlier failures no longer count."""
    db.session.add(LoginAttempt(email=email, ip=ip, success=True, user_id=user.id))


def unlock(user: User) -> None:
    """Lift a sign-in lock: earlier failures no longer count."""
    user.lock_cleared_at = utcnow()
    db.session.flush()
    audit.record(audit.Action.UPDATE, object_type="user", object_id=user.id, detail="sign-in unlocked")
