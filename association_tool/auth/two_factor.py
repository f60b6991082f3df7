"""Two-step sign-in: TOTP secrets, single-use recovery codes and whom the association's
requirement (settings.py) applies to.

The TOTP secret is stored sealed (AES-GCM, sealing.py) with the key of the instance folder or
TOTP_ENCRYPTION_KEY, bound to the user's row: a copy of the database alone does not give the
secrets. `totp_secret` and `_store_secret` are the only places that read or write it.
"""
from __future__ import annotations

import hashlib
import hmac
import io
import secrets
import time

import pyotp
import segno
from flask import current_app
from sqlalchemy import delete, func, or_, select, update

from .. import audit, sealing
from ..extensions import db
from ..models import Role, User
from ..models.users import RecoveryCode
from ..settings import required_by_association
from ..timeutil import utcnow
from .sessions import end_all_sessions

RECOVERY_CODE_COUNT = 10
# Lower-case letters and digits without the look-alikes 0/o and 1/i/l.
_RECOVERY_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
_RECOVERY_LENGTH = 16  # 16 × log2(31) ≈ 79 random bits
_TOTP_DIGITS = 6
# Accept the previous and the next 30-second step too: phone clocks drift.
_DRIFT_STEPS = 1
ROLES_THAT_CAN_BE_REQUIRED = frozenset({Role.ADMIN.value, Role.STAFF.value})


class TwoFactorError(Exception):
    """A change to two-step sign-in that the rules do not allow."""


# --- the association's requirement (stored in the settings) -------------------------------------

def required_for(user: User) -> bool:
    """Tell whether this user must use two-step sign-in (peer supporters never must)."""
    return user.role in ROLES_THAT_CAN_BE_REQUIRED and required_by_association()


def enrolment_due(user: User) -> bool:
    """Tell whether the user must set up two-step sign-in before doing anything else."""
    return not user.two_factor_enabled and required_for(user)


# --- the secret ---------------------------------------------------------------------------------

def totp_secret(user: User) -> str | None:
    """Return the user's TOTP secret (confirmed or awaiting confirmation), or None.

    Raises sealing.SealKeyError when the server's key does not open it: no code is accepted then.
    """
    if user.totp_secret_sealed is None:
        return None
    return sealing.unseal(current_app.config["TOTP_ENCRYPTION_KEY"], user.totp_secret_sealed,
                          sealing.user_context(user.id))


def _store_secret(user: User, secret: str | None) -> None:
    """Keep a TOTP secret on the user's row, sealed."""
    user.totp_secret_sealed = None if secret is None else sealing.seal(
        current_app.config["TOTP_ENCRYPTION_KEY"], secret, sealing.user_context(user.id))


def pending_secret(user: User) -> str | None:
    """Return the secret of an enrolment that waits for its first code."""
    return None if user.two_factor_enabled else totp_secret(user)


def start_enrolment(user: User) -> str:
    """Give the user a fresh secret to add to an authenticator app; it works once confirmed."""
    if user.two_factor_enabled:
        raise TwoFactorError("already enabled")
    secret = pyotp.random_base32()  # 160 bits, as RFC 4226 recommends
    _store_secret(user, secret)
    user.totp_last_step = None
    db.session.flush()
    return secret


def provisioning_uri(user: User, issuer: str) -> str:
    """Return the otpauth:// address that authenticator apps read from the QR code."""
    secret = pending_secret(user)
    if secret is None:
        raise TwoFactorError("no pending enrolment")
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=issuer or None)


def qr_svg(data: str) -> bytes:
    """Draw a QR code as plain SVG: no style, no script, black on an opaque white square."""
    buffer = io.BytesIO()
    segno.make(data, error="m").save(buffer, kind="svg", scale=5, border=4, dark="#000",
                                     light="#fff", xmldecl=False, svgns=True,
                                     title=None, desc=None)
    return buffer.getvalue()


def formatted_secret(secret: str) -> str:
    """Split a secret into groups of four for typing by hand."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


# --- codes --------------------------------------------------------------------------------------

def _normalise(code: str) -> str:
    """Drop spaces, dashes and case, which people add when they copy codes; ASCII only."""
    return "".join(ch for ch in (code or "").lower() if ch.isascii() and ch.isalnum())[:64]


def _is_totp_code(code: str) -> bool:
    """Tell whether a normalised code looks like an authenticator code."""
    return len(code) == _TOTP_DIGITS and code.isdigit()


def _accept_totp(user: User, code: str, now: float | None = None) -> bool:
    """Check an authenticator code and spend its time step, so that it never works again."""
    secret = totp_secret(user)
    if not secret or not _is_totp_code(code):
        return False
    totp = pyotp.TOTP(secret)
    current = int((time.time() if now is None else now) // totp.interval)
    last = user.totp_last_step
    matched = None
    for step in range(current - _DRIFT_STEPS, current + _DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(step), code) and (last is None or step > last):
            matched = step
    if matched is None:
        return False
    # One conditional UPDATE: of two requests racing with the same code, only one wins.
    result = db.session.execute(
        update(User)
        .where(User.id == user.id,
               or_(User.totp_last_step.is_(None), User.totp_last_step < matched))
        .values(totp_last_step=matched)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        return False
    db.session.expire(user, ["totp_last_step"])
    return True


def _recovery_hash(code: str) -> str:
    """Hash a normalised recovery code.

    SHA-256 rather than Argon2: each code carries about 79 random bits, so a slow hash adds no
    protection against guessing, while ten Argon2 hashes cost half a second and 64 MB each at
    enrolment and could not be looked up by index at sign-in.
    """
    return hashlib.sha256(code.encode()).hexdigest()


def _new_recovery_code() -> str:
    """Return a random recovery code, in groups of four for reading."""
    raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(_RECOVERY_LENGTH))
    return "-".join(raw[i:i + 4] for i in range(0, _RECOVERY_LENGTH, 4))


def _replace_recovery_codes(user: User) -> list[str]:
    """Throw away the user's recovery codes and make new ones; return them in clear, once."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    for code in codes:
        db.session.add(RecoveryCode(user_id=user.id, code_hash=_recovery_hash(_normalise(code))))
    db.session.flush()
    return codes


def _accept_recovery_code(user: User, code: str) -> bool:
    """Spend an unused recovery code of this user; a used one never works again."""
    if len(code) != _RECOVERY_LENGTH:
        return False
    result = db.session.execute(
        update(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _recovery_hash(code),
               RecoveryCode.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False))
    return result.rowcount == 1


def recovery_codes_left(user: User) -> int:
    """Count the user's unused recovery codes."""
    return db.session.execute(
        select(func.count(RecoveryCode.id)).where(RecoveryCode.user_id == user.id,
                                                  RecoveryCode.used_at.is_(None))
    ).scalar_one()


def check_code(user: User, code: str) -> str | None:
    """Check a code of an enrolled user: 'totp' or 'recovery' for a good one, else None.

    A good code is spent: an authenticator code's time step and a recovery code alike.
    """
    if not user.two_factor_enabled:
        return None
    code = _normalise(code)
    if _is_totp_code(code):
        return "totp" if _accept_totp(user, code) else None
    return "recovery" if _accept_recovery_code(user, code) else None


# --- enrolment and removal ----------------------------------------------------------------------

def confirm_enrolment(user: User, code: str) -> list[str] | None:
    """Turn two-step sign-in on once the user types a current code; return the recovery codes."""
    if user.two_factor_enabled or pending_secret(user) is None:
        raise TwoFactorError("no pending enrolment")
    if not _accept_totp(user, _normalise(code)):
        return None
    user.totp_enabled_at = utcnow()
    db.session.flush()
    codes = _replace_recovery_codes(user)
    audit.record(audit.Action.UPDATE, object_type="user", object_id=user.id,
                 detail="two-step sign-in turned on")
    return codes


def regenerate_recovery_codes(user: User) -> list[str]:
    """Replace the user's recovery codes (after a code was checked); logged."""
    if not user.two_factor_enabled:
        raise TwoFactorError("not enabled")
    codes = _replace_recovery_codes(user)
    audit.record(audit.Action.UPDATE, object_type="user", object_id=user.id,
                 detail="recovery codes replaced")
    return codes


def _clear(user: User) -> None:
    """Forget the secret, the last step and the recovery codes."""
    _store_secret(user, None)
    user.totp_enabled_at = None
    user.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.flush()


def disable(user: User) -> None:
    """Turn off one's own two-step sign-in (after password and code were checked); logged."""
    _clear(user)
    audit.record(audit.Action.UPDATE, object_type="user", object_id=user.id,
                 detail="two-step sign-in turned off by the user")


def reset_by_admin(user: User, *, actor: User) -> None:
    """Take away a user's second factor (a lost phone); their sessions end; logged."""
    if user.id == actor.id:
        raise TwoFactorError("own account")
    _clear(user)
    end_all_sessions(user)
    audit.record(audit.Action.UPDATE, object_type="user", object_id=user.id,
                 detail="two-step sign-in reset by admin")


def reset_by_operator(user: User) -> None:
    """Take away a user's second factor from the server's command line (the only admin lost
    both phone and recovery codes); their sessions end; logged."""
    _clear(user)
    end_all_sessions(user)
    audit.record(audit.Action.UPDATE, object_type="user", object_id=user.id,
                 detail="two-step sign-in reset from the command line")
