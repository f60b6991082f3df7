"""Errands (asiointi): a visit to Kela, the social office or the bank, prepared with the client.

What was agreed afterwards lives on the errand; its next steps become follow-up tasks
(`FollowUpTask.source == "errand"`, `source_id` = the errand's id).
"""
from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..timeutil import utcnow
from .clients import Client
from .users import User

ERRAND_TYPES = ("kela", "employment", "social_office", "health_centre", "housing",
                "debt_counselling", "bank", "other")


def lines(text: str | None) -> list[str]:
    """Return the non-empty lines of a one-item-per-line text."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class Errand(db.Model):
    """An errand the client runs, often accompanied by a worker or a peer supporter."""

    __tablename__ = "errand"
    __table_args__ = (Index("ix_errand_client_on", "client_id", "on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id", ondelete="CASCADE"))
    about: Mapped[str] = mapped_column(String(300))
    type: Mapped[str] = mapped_column(String(20))
    on: Mapped[date]
    # Local (Finnish) time of day; an errand without a fixed time has none.
    starts_at: Mapped[time | None]
    place: Mapped[str | None] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(String(300))
    meet_whom: Mapped[str | None] = mapped_column(String(200))
    companion_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    interpreter_needed: Mapped[bool] = mapped_column(default=False)
    # The funded activity the errand belongs to; without one, the client's (stats/figures.py).
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("funded_activity.id"))
    # One item per line, as the worker and the client wrote them.
    things_to_bring: Mapped[str] = mapped_column(Text, default="")
    questions: Mapped[str] = mapped_column(Text, default="")
    agreed: Mapped[str | None] = mapped_column(Text)
    outcome_recorded_at: Mapped[datetime | None]
    outcome_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    client: Mapped[Client] = relationship()
    companion: Mapped[User | None] = relationship(foreign_keys=[companion_id])
    outcome_by: Mapped[User | None] = relationship(foreign_keys=[outcome_by_id])

    @property
    def bring_list(self) -> list[str]:
        """The things to bring, one per item."""
        return lines(self.things_to_bring)

    @property
    def question_list(self) -> list[str]:
        """The client's questions, one per item."""
        return lines(self.questions)

    def is_upcoming(self, today: date) -> bool:
        """Tell whether the errand is today or later."""
        return self.on >= today
