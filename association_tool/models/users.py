"""Users, their server-side sessions, login attempts and second-factor recovery codes."""
from __future__ import annotations

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, Index, String
from sqlalchemy import true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..timeutil import utcnow


class Role(str, enum.Enum):
    """What a user does in the association."""

    ADMIN = "admin"
    STAFF = "staff"
    PEER = "peer"


class User(UserMixin, db.Model):
    """A person who signs in: admin, staff member or peer supporter."""

    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(16))
    phone: Mapped[str | None] = mapped_column(String(40))
    # Whether the phone number goes on documents for clients (the errand checklist's contact box).
    phone_on_documents: Mapped[bool] = mapped_column(default=True, server_default=true())
    locale: Mapped[str] = mapped_column(String(5), default="fi")
    active: Mapped[bool] = mapped_column(default=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    must_change_password: Mapped[bool] = mapped_column(default=False)
    password_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    lock_cleared_at: Mapped[datetime | None]
    # Two-step sign-in (TOTP): the shared secret, set at enrolment and confirmed by a code; sealed
    # with the server's key (auth/two_factor.py, sealing.py), never stored in clear.
    totp_secret_sealed: Mapped[str | None] = mapped_column(String(255))
    totp_enabled_at: Mapped[datetime | None]
    # The newest time step whose code was accepted: no code of that step or earlier works again.
    totp_last_step: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    # Set by the session loader: the server-side session this request belongs to.
    auth_session = None

    # UserMixin compares users by get_id(), which is None for everyone but the signed-in user, so
    # any two other users would compare equal. The session's identity map keeps one object per
    # row: compare objects, as every other model does.
    __eq__ = object.__eq__
    __ne__ = object.__ne__
    __hash__ = object.__hash__

    def get_id(self) -> str | None:
        """Return the server-side session key kept in the cookie, never the user id itself."""
        return self.auth_session.key if self.auth_session else None

    @property
    def is_active(self) -> bool:
        """Tell Flask-Login whether this user may be signed in."""
        return self.active

    @property
    def two_factor_enabled(self) -> bool:
        """Tell whether signing in takes a code from an authenticator app too."""
        return self.totp_enabled_at is not None

    @property
    def is_admin(self) -> bool:
        """Tell whether the user is an administrator."""
        return self.role == Role.ADMIN.value

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"


class AuthSession(db.Model):
    """A signed-in browser: revoked on logout, disabling and password change."""

    __tablename__ = "auth_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    ip: Mapped[str | None] = mapped_column(String(45))
    user: Mapped[User] = relationship()

    # The raw key exists only in the cookie and, after login, on this object.
    key = None


class LoginAttempt(db.Model):
    """One sign-in attempt, kept for throttling and the access log."""

    __tablename__ = "login_attempt"
    __table_args__ = (
        Index("ix_login_attempt_email_at", "email", "at"),
        Index("ix_login_attempt_ip_at", "ip", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    email: Mapped[str] = mapped_column(String(254))
    ip: Mapped[str] = mapped_column(String(45))
    success: Mapped[bool]
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))


class RecoveryCode(db.Model):
    """A single-use code that stands in for the authenticator app; only its hash is kept."""

    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_at: Mapped[datetime | None]
