"""The access log: an append-only, hash-chained record of who did what."""
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..timeutil import utcnow


class AuditEvent(db.Model):
    """One entry in the access log; the database refuses updates and deletes."""

    __tablename__ = "audit_event"
    __table_args__ = (
        Index("ix_audit_event_client_at", "client_id", "at"),
        Index("ix_audit_event_user_at", "user_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    actor: Mapped[str] = mapped_column(String(300))
    action: Mapped[str] = mapped_column(String(32), index=True)
    object_type: Mapped[str | None] = mapped_column(String(40))
    object_id: Mapped[str | None] = mapped_column(String(64))
    client_id: Mapped[int | None]
    detail: Mapped[str | None] = mapped_column(Text)
    ip: Mapped[str | None] = mapped_column(String(45))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditArchive(db.Model):
    """Entries archived out of the access log (older than its retention period): where the
    chain stood after them, so that the entries that remain still verify. Append-only; the
    database lets an entry of the log be deleted only once an archive row covers it."""

    __tablename__ = "audit_archive"

    id: Mapped[int] = mapped_column(primary_key=True)
    archived_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The newest entry archived, the hash the chain had there, and how many entries in all
    # (this archive and every earlier one) have left the log.
    through_id: Mapped[int]
    head_hash: Mapped[str] = mapped_column(String(64))
    entries: Mapped[int]
    total: Mapped[int]
    file_name: Mapped[str] = mapped_column(String(300))
