"""A request to delete a client entered by mistake, which a second administrator approves."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..timeutil import utcnow
from .users import User

# Why a client record is removed outright: it was never a person the association helped.
DELETION_REASONS = ("duplicate", "test_record")


class DeletionRequest(db.Model):
    """One administrator asks to remove a client record entered by mistake; a different one
    approves (four eyes) or either cancels. The client's id is a plain number, not a link: the
    request outlives the record it removed, as the access log does."""

    __tablename__ = "deletion_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(index=True)
    reason: Mapped[str] = mapped_column(String(20))
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set once: by the second administrator who approved, or by whoever cancelled.
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    decided_at: Mapped[datetime | None]
    outcome: Mapped[str | None] = mapped_column(String(10))  # "deleted" or "cancelled"

    requested_by: Mapped[User] = relationship(foreign_keys=[requested_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
