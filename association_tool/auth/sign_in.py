"""Signing in: the password, then the second step's code where the user has one, all under the
throttle (throttle.py); and checking a signed-in user's own credentials before a change to them.

A session starts only after this says yes (sessions.py).
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from .. import audit
from ..extensions import db
from ..models import User
from ..passwords import hash_password, needs_rehash, verify_password
from . import two_factor
from .accounts import normalise_email
from .throttle import record_failure, record_success, throttled


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


def authenticate(email: str, password: str, ip: str) -> LoginResult:
    """Check credentials under the throttle; every attempt is recorded and logged."""
    email = normalise_email(email)[:254]
    user = db.session.execute(select(User).where(User.email == email)).scalar_one_or_none()
    if throttled(email, user, ip, ""):
        return LoginResult(None, throttled=True)
    ok = verify_password(user.password_hash if user else None, password)
    ok = ok and user is not None and user.active
    if not ok:
        record_failure(email, user, ip)
        return LoginResult(None)
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    if user.two_factor_enabled:
        # Not a successful sign-in yet: a success would reset the failure count, and a thief
        # who knows the password could then guess codes without end.
        audit.record(audit.Action.LOGIN_PENDING, object_type="user", object_id=user.id,
                     user=user, detail="password accepted, waiting for a code")
        return LoginResult(user, needs_code=True)
    record_success(email, user, ip)
    audit.record(audit.Action.LOGIN, object_type="user", object_id=user.id, user=user)
    return LoginResult(user)


def complete_sign_in(user: User, code: str, ip: str) -> LoginResult:
    """Check the second step's code under the same throttle and log as passwords."""
    email = user.email
    if throttled(email, user, ip, " (code)"):
        return LoginResult(None, throttled=True)
    how = two_factor.check_code(user, code) if user.active else None
    if how is None:
        record_failure(email, user, ip, "wrong code: ")
        return LoginResult(None)
    record_success(email, user, ip)
    audit.record(audit.Action.LOGIN, object_type="user", object_id=user.id, user=user,
                 detail="with a recovery code" if how == "recovery" else "with an authenticator code")
    return LoginResult(user, used_recovery_code=how == "recovery")


def check_current_password(user: User, ip: str, password: str) -> str | None:
    """Check a signed-in user's current password before they change it.

    Return None when right, else "throttled" or "password". Wrong answers count towards the
    sign-in lock, so someone at an unattended signed-in screen cannot guess it either.
    """
    if throttled(user.email, user, ip, " (password change)"):
        return "throttled"
    if not verify_password(user.password_hash, password):
        record_failure(user.email, user, ip, "wrong current password in account settings: ")
        return "password"
    return None


def check_own_credentials(user: User, ip: str, *, code: str,
                          password: str | None = None) -> str | None:
    """Check a signed-in user's code (and password) before a change to their second factor.

    Return None when all is right, else what was refused: "throttled", "password" or "code".
    Wrong answers count towards the sign-in lock, so a stolen session cannot guess them either.
    """
    if throttled(user.email, user, ip, " (account settings)"):
        return "throttled"
    if password is not None and not verify_password(user.password_hash, password):
        record_failure(user.email, user, ip, "wrong password in account settings: ")
        return "password"
    if two_factor.check_code(user, code) is None:
        record_failure(user.email, user, ip, "wrong code in account settings: ")
        return "code"
    return None
