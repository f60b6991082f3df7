"""Accounts and sessions: authentication, throttling, server-side sessions, passwords."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from flask import current_app
from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.orm import joinedload

from .. import audit
from ..database import write_transaction
from ..extensions import db
from ..forms import check_version
from ..models import AuthSession, LoginAttempt, Role, User
from ..passwords import hash_password, needs_rehash, verify_password
from ..settings import setting_value, store_setting
from ..timeutil import utcnow

LAST_SEEN_GRANULARITY = timedelta(seconds=30)


class AccountError(Exception):
    """A change to an account that the rules do not allow."""


def _key_hash(key: str) -> str:
    """Hash a session key so that the database never holds a usable key."""
    return hashlib.sha256(key.encode()).hexdigest()


def normalise_email(email: str) -> str:
    """Compare e-mail addresses without case or surrounding space."""
    return (email or "").strip().lower()


# --- setup --------------------------------------------------------------------------------------

def any_user_exists() -> bool:
    """Tell whether the first-run setup has been done."""
    return db.session.execute(select(User.id).limit(1)).first() is not None


def association_name() -> str:
    """Return the association's name from the settings."""
    return setting_value("association_name") or ""


def set_association_name(name: str) -> None:
    """Store the association's name."""
    store_setting("association_name", name)


def run_setup(association: str, name: str, email: str, password: str, locale: str = "fi") -> User:
    """Create the association settings and the first admin; refuse if any user exists."""
    if any_user_exists():
        raise AccountError("setup already done")
    set_association_name(association.strip())
    user = create_user(name=name, email=email, role=Role.ADMIN.value, password=password,
                       locale=locale, must_change_password=False)
    return user


# --- users --------------------------------------------------------------------------------------

def email_taken(email: str, *, except_id: int | None = None) -> bool:
    """Tell whether another user already has this e-mail address."""
    query = select(User.id).where(User.email == normalise_email(email))
    if except_id is not None:
        query = query.where(User.id != except_id)
    return db.session.execute(query).first() is not None


def create_user(*, name: str, email: str, role: str, password: str, locale: str = "fi",
                phone: str | None = None, must_change_password: bool = True) -> User:
    """Create a user; an admin-set password must be changed at first sign-in."""
    if role not in {r.value for r in Role}:
        raise AccountError("unknown role")
    if email_taken(email):
        raise AccountError("e-mail in use")
    user = User(name=name.strip(), email=normalise_email(email), role=role, locale=locale,
                phone=(phone or "").strip() or None, password_hash=hash_password(password),
                must_change_password=must_change_password)
    db.session.add(user)
    db.session.flush()
    audit.record(audit.Action.CREATE, object_type="user", object_id=user.id,
                 detail=f"role={role}")
    return user


def active_admin_count(exclude_id: int | None = None) -> int:
    """Count the enabled administrators, optionally leaving one out."""
    query = select(func.count(User.id)).where(User.role == Role.ADMIN.value, User.active.is_(True))
    if exclude_id is not None:
        query = query.where(User.id != exclude_id)
    return db.session.execute(query).scalar_one()


def update_user(user: User, *, name: str, email: str, role: str, locale: str,
                phone: str | None, version: int) -> User:
    """Change a user's details; a stale version or removing the last admin is refused."""
    check_version(user, version)
    if role not in {r.value for r in Role}:
        raise AccountError("unknown role")
    if user.role == Role.ADMIN.value and role != Role.ADMIN.value and active_admin_count(user.id) == 0:
        raise AccountError("last admin")
    if email_taken(email, except_id=user.id):
        raise AccountError("e-mail in use")
    changes = []
    for field, value in (("name", name.strip()), ("email", normalise_email(email)), ("role", role),
                         ("locale", locale), ("phone", (phone or "").strip() or None)):
        if getattr(user, field) != value:
            changes.append(field)
            setattr(user, field, value)
    if "role" in changes:
        end_all_sessions(user)
    db.session.flush()
    audit.record(audit.Action.UPDATE, object_type="user", object_id=user.id,
                 detail="changed: " + ", ".join(changes) if changes else "no changes")
    return user


def set_own_phone(user: User, phone: str | None, on_documents: bool) -> list[str]:
    """Change one's own phone number and whether it is printed; return what changed."""
    changes = []
    for field, value in (("phone", (phone or "").strip() or None),
                         ("phone_on_documents", bool(on_documents))):
        if getattr(user, field) != value:
            changes.append(field)
            setattr(user, field, value)
    if changes:
        db.session.flush()
        audit.record(audit.Action.UPDATE, object_type="user", object_id=user.id,
                     detail="changed: " + ", ".join(changes))
    return changes


def set_active(user: User, active: bool, *, actor: User) -> None:
    """Enable or disable a user; disabling ends the user's sessions at once."""
    if not active:
        if user.id == actor.id:
            raise AccountError("cannot disable yourself")
        if user.role == Role.ADMIN.value and active_admin_count(user.id) == 0:
            raise AccountError("last admin")
        end_all_sessions(user)
    user.active = active
    db.session.flush()
    audit.record(audit.Action.UPDATE, object_type="user", object_id=user.id,
                 detail="enabled" if active else "disabled")


def set_password(user: User, password: str, *, must_change: bool) -> None:
    """Replace a password and end every session of that user."""
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    user.must_change_password = must_change
    end_all_sessions(user)
    db.session.flush()
    audit.record(audit.Action.UPDATE, object_type="user", object_id=user.id,
                 detail="password reset by admin" if must_change else "password changed")


def set_locale(user: User, locale: str) -> None:
    """Store the user's interface language."""
    if locale in current_app.config["LANGUAGES"]:
        user.locale = locale
        db.session.flush()


def unlock(user: User) -> None:
    """Lift a sign-in lock: earlier failures no longer count."""
    user.lock_cleared_at = utcnow()
    db.session.flush()
    audit.record(audit.Action.UPDATE, object_type="user", object_id=user.id, detail="sign-in unlocked")


# --- authentication and throttling --------------------------------------------------------------

@dataclass
class LoginResult:
    """What came of a sign-in attempt.

    `needs_code`: the password was right but the user has two-step sign-in, so no session may
    start before a code is checked (`complete_sign_in`).
    """

    user: User | None
    throttled: bool = False
    needs_code: bool = False
    used_recovery_code: bool = False


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


def _throttled(email: str, user: User | None, ip: str, what: str) -> bool:
    """Refuse and record an attempt on a locked account or address."""
    if not (account_locked(email, user) or address_locked(ip)):
        return False
    db.session.add(LoginAttempt(email=email, ip=ip, success=False,
                                user_id=user.id if user else None))
    audit.record(audit.Action.LOGIN_FAILED, object_type="user",
                 object_id=user.id if user else None, detail=f"throttled{what}: {email}")
    return True


def _failed(email: str, user: User | None, ip: str, what: str = "") -> None:
    """Record a wrong password or code: it counts towards the lock like any other."""
    db.session.add(LoginAttempt(email=email, ip=ip, success=False,
                                user_id=user.id if user else None))
    audit.record(audit.Action.LOGIN_FAILED, object_type="user",
                 object_id=user.id if user else None, detail=f"{what}{email}")


def authenticate(email: str, password: str, ip: str) -> LoginResult:
    """Check credentials under the throttle; every attempt is recorded and logged."""
    email = normalise_email(email)[:254]
    user = db.session.execute(select(User).where(User.email == email)).scalar_one_or_none()
    if _throttled(email, user, ip, ""):
        return LoginResult(None, throttled=True)
    ok = verify_password(user.password_hash if user else None, password)
    ok = ok and user is not None and user.active
    if not ok:
        _failed(email, user, ip)
        return LoginResult(None)
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    if user.two_factor_enabled:
        # Not a successful sign-in yet: a success would reset the failure count, and a thief
        # who knows the password could then guess codes without end.
        audit.record(audit.Action.LOGIN_PENDING, object_type="user", object_id=user.id,
                     user=user, detail="password accepted, waiting for a code")
        return LoginResult(user, needs_code=True)
    db.session.add(LoginAttempt(email=email, ip=ip, success=True, user_id=user.id))
    audit.record(audit.Action.LOGIN, object_type="user", object_id=user.id, user=user)
    return LoginResult(user)


def complete_sign_in(user: User, code: str, ip: str) -> LoginResult:
    """Check the second step's code under the same throttle and log as passwords."""
    from . import two_factor

    email = user.email
    if _throttled(email, user, ip, " (code)"):
        return LoginResult(None, throttled=True)
    how = two_factor.check_code(user, code) if user.active else None
    if how is None:
        _failed(email, user, ip, "wrong code: ")
        return LoginResult(None)
    db.session.add(LoginAttempt(email=email, ip=ip, success=True, user_id=user.id))
    audit.record(audit.Action.LOGIN, object_type="user", object_id=user.id, user=user,
                 detail="with a recovery code" if how == "recovery" else "with an authenticator code")
    return LoginResult(user, used_recovery_code=how == "recovery")


def check_current_password(user: User, ip: str, password: str) -> str | None:
    """Check a signed-in user's current password before they change it.

    Return None when right, else "throttled" or "password". Wrong answers count towards the
    sign-in lock, so someone at an unattended signed-in screen cannot guess it either.
    """
    if _throttled(user.email, user, ip, " (password change)"):
        return "throttled"
    if not verify_password(user.password_hash, password):
        _failed(user.email, user, ip, "wrong current password in account settings: ")
        return "password"
    return None


def check_own_credentials(user: User, ip: str, *, code: str,
                          password: str | None = None) -> str | None:
    """Check a signed-in user's code (and password) before a change to their second factor.

    Return None when all is right, else what was refused: "throttled", "password" or "code".
    Wrong answers count towards the sign-in lock, so a stolen session cannot guess them either.
    """
    from . import two_factor

    if _throttled(user.email, user, ip, " (account settings)"):
        return "throttled"
    if password is not None and not verify_password(user.password_hash, password):
        _failed(user.email, user, ip, "wrong password in account settings: ")
        return "password"
    if two_factor.check_code(user, code) is None:
        _failed(user.email, user, ip, "wrong code in account settings: ")
        return "code"
    return None


# --- server-side sessions -----------------------------------------------------------------------

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
