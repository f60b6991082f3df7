"""Referrals both ways (ohjaus), their path, the follow-up call, and observations shared.

The partner does not use this app: every step of a referral's path is what the partner (or the
client) told us, recorded by a worker as a `ReferralStep`. The follow-up call (seurantapuhelu)
is a follow-up task (`FollowUpTask.source == "referral"`, `source_id` = the referral's id)
whose answer is a `ReferralFollowUp`.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..timeutil import utcnow
from .clients import Client
from .directory import ContactPerson, Organisation
from .users import User

DIRECTIONS = ("out", "in")
# Where an outgoing referral points: a public service, another association, an activity.
TARGET_KINDS = ("public_service", "association", "activity")
# How the handover happens: the client goes alone with the information; the worker phones with
# the client present; accompanied (saattaen vaihtaen), on an errand or in a meeting.
HANDOVERS = ("alone", "phone_together", "accompanied_errand", "accompanied_meeting")
STATES = ("sent", "received", "accepted", "declined", "started", "ended", "revoked")
# The follow-up call's answers.
GOT_SERVICE = ("yes", "partly", "no", "not_yet")
OBSTACLES = ("waiting_time", "cost", "distance", "not_reached", "situation_changed", "other")
NEXT_STEPS = ("new_referral", "continue", "end")
# A shared observation, a call or a message about the client with a partner.
SHARING_KINDS = ("observation", "call", "message")
SHARING_HOWS = ("phone", "secure_email", "meeting")


def split(value: str | None) -> list[str]:
    """Return the values of a comma-separated column."""
    return [v for v in (value or "").split(",") if v]


class Referral(db.Model):
    """A referral out from the association, or in from a public service to the association."""

    __tablename__ = "referral"
    __table_args__ = (Index("ix_referral_client", "client_id", "id"),
                      Index("ix_referral_organisation", "organisation_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id", ondelete="CASCADE"))
    direction: Mapped[str] = mapped_column(String(4))
    target_kind: Mapped[str | None] = mapped_column(String(20))
    # The partner: a directory organisation and/or its contact person; the name as it was.
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    contact_person_id: Mapped[int | None] = mapped_column(
        ForeignKey("contact_person.id", ondelete="SET NULL"))
    party_label: Mapped[str] = mapped_column(String(300))
    # Why, in the client's words, and what the client hopes for.
    reason: Mapped[str] = mapped_column(Text)
    hopes: Mapped[str | None] = mapped_column(Text)
    handover: Mapped[str | None] = mapped_column(String(24))
    handover_note: Mapped[str | None] = mapped_column(String(300))
    # An incoming referral: the first contact agreed with the sender.
    first_contact_on: Mapped[date | None]
    first_contact_note: Mapped[str | None] = mapped_column(String(300))
    sent_on: Mapped[date]
    follow_up_on: Mapped[date | None]
    state: Mapped[str] = mapped_column(String(10), default="sent")
    state_on: Mapped[date]
    # Why the referral was declined and where else the client could go.
    decline_reason: Mapped[str | None] = mapped_column(Text)
    elsewhere: Mapped[str | None] = mapped_column(String(300))
    worker_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    client: Mapped[Client] = relationship()
    organisation: Mapped[Organisation | None] = relationship()
    contact_person: Mapped[ContactPerson | None] = relationship()
    worker: Mapped[User | None] = relationship(foreign_keys=[worker_id])
    steps: Mapped[list[ReferralStep]] = relationship(
        back_populates="referral", order_by="ReferralStep.on, ReferralStep.id",
        cascade="all, delete-orphan")
    follow_ups: Mapped[list[ReferralFollowUp]] = relationship(
        back_populates="referral", order_by="ReferralFollowUp.answered_on, ReferralFollowUp.id",
        cascade="all, delete-orphan")

    @property
    def is_closed(self) -> bool:
        """Tell whether the path has come to its end (declined, ended or revoked)."""
        return self.state in ("declined", "ended", "revoked")


class ReferralStep(db.Model):
    """One step of a referral's path: what happened, on which day, and who told us."""

    __tablename__ = "referral_step"

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referral.id", ondelete="CASCADE"),
                                             index=True)
    state: Mapped[str] = mapped_column(String(10))
    on: Mapped[date]
    told_by: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    referral: Mapped[Referral] = relationship(back_populates="steps")
    recorded_by: Mapped[User | None] = relationship()


class ReferralFollowUp(db.Model):
    """The answer of a follow-up call: did the client get the service, and was it what they needed."""

    __tablename__ = "referral_follow_up"

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referral.id", ondelete="CASCADE"),
                                             index=True)
    answered_on: Mapped[date]
    got_service: Mapped[str] = mapped_column(String(10))
    # The client's own 1–5 and words; the client may leave them out.
    rating: Mapped[int | None]
    client_words: Mapped[str | None] = mapped_column(Text)
    obstacles: Mapped[str] = mapped_column(String(120), default="")
    obstacle_note: Mapped[str | None] = mapped_column(Text)
    next_step: Mapped[str] = mapped_column(String(14))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    referral: Mapped[Referral] = relationship(back_populates="follow_ups")
    recorded_by: Mapped[User | None] = relationship()

    @property
    def obstacle_list(self) -> list[str]:
        return split(self.obstacles)


class SharedObservation(db.Model):
    """An observation, call or message about the client shared with a partner: a disclosure."""

    __tablename__ = "shared_observation"
    __table_args__ = (Index("ix_shared_observation_client", "client_id", "on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id", ondelete="CASCADE"))
    referral_id: Mapped[int | None] = mapped_column(ForeignKey("referral.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(12))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    party_label: Mapped[str] = mapped_column(String(300))
    what: Mapped[str] = mapped_column(Text)
    information: Mapped[str] = mapped_column(String(100), default="")
    how: Mapped[str] = mapped_column(String(14))
    client_knows: Mapped[bool] = mapped_column(default=True)
    on: Mapped[date]
    consent_id: Mapped[int] = mapped_column(ForeignKey("consent.id"))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    organisation: Mapped[Organisation] = relationship()
    recorded_by: Mapped[User | None] = relationship()

    @property
    def scopes(self) -> list[str]:
        return split(self.information)
