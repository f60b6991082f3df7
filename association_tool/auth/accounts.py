"""Accounts: the first-run setup, creating and changing users, their passwords and languages.

A change that takes rights away (a new role, a new password, disabling) ends the user's sessions
at once (sessions.py).
"""
from __future__ import annotations

from flask import current_app
from sqlalchemy import func, select

from .. import audit
from ..extensions import db
from ..forms import check_version
from ..models import Role, User
from ..passwords import hash_password
from ..settings import set_association_name
from ..timeutil import utcnow
from .sessions import end_all_sessions


class AccountError(Exception):
    """A change to an account that the rules do not allow."""


def normalise_email(email: str) -> str:
    """Compare e-mail addresses without case or surrounding space."""
    return (email or "").strip().lower()


# --- setup --------------------------------------------------------------------------------------

def any_user_exists() -> bool:
    """Tell whether the first-run setup has been done."""
    return db.session.execute(select(User.id).limit(1)).first() is not None


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


def sign_out_everywhere(user: User, *, actor: User) -> None:
    """End every session of `user` at once (a lost or stolen laptop or phone); logged."""
    end_all_sessions(user)
    db.session.flush()
    audit.record(audit.Action.UPDATE, object_type="user", object_id=user.id,
                 detail="all sessions ended by admin" if actor.id != user.id
                 else "all sessions ended")


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
