"""Consents, the written contact agreement and social services notifications.

A consent is never edited once given: only its withdrawal and its replacement by a newer consent
are written later, and a mapper event refuses any other change (see `_refuse_edits`).
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text, event, inspect, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..timeutil import utcnow
from .clients import Client
from .directory import ContactPerson, NetworkMember, Organisation
from .users import User

# What a consent allows.
CONSENT_KINDS = ("share", "we_contact", "they_contact", "client_channel")
# Which information it covers; health information is always ticked separately.
INFO_SCOPES = ("general", "progress", "appointments", "health")
CONSENT_FORMS = ("written", "electronic", "oral")
WITHDRAWAL_HOWS = ("in_person", "phone", "written", "message", "other")
CLIENT_CHANNELS = ("phone", "text", "email", "letter", "in_person")

AGREEMENT_STATUSES = ("draft", "active", "superseded", "ended")
DIRECTIONS = ("we_them", "them_us", "both")
WHEN_OPTIONS = ("regular", "after_meeting", "condition_change", "not_heard", "crisis")
HOW_OPTIONS = ("phone", "text", "email", "secure_mail", "in_person")
PREFERENCE_CHANNELS = ("phone", "text", "email", "letter", "in_person")

NOTIFICATION_PATHS = ("guided", "with_consent", "without_consent")


def split(value: str | None) -> list[str]:
    """Return the values of a comma-separated column."""
    return [v for v in (value or "").split(",") if v]


class Consent(db.Model):
    """A client's consent to one recipient for one purpose; withdrawn or superseded, never edited."""

    __tablename__ = "consent"
    __table_args__ = (Index("ix_consent_client_given", "client_id", "given_on"),
                      Index("ix_consent_valid_until", "valid_until"))

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    # The recipient: a member of the client's network, or an organisation or a contact person
    # of the directory.
    member_id: Mapped[int | None] = mapped_column(ForeignKey("network_member.id", ondelete="SET NULL"))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    contact_person_id: Mapped[int | None] = mapped_column(ForeignKey("contact_person.id"))
    # A consent to an organisation: whether its wording also covers the organisation's people.
    covers_people: Mapped[bool] = mapped_column(default=True, server_default=true())
    # The recipient's name as it was when the consent was given (the map may change later).
    recipient_label: Mapped[str] = mapped_column(String(300))
    channel: Mapped[str | None] = mapped_column(String(20))
    information: Mapped[str] = mapped_column(String(100), default="")
    purpose: Mapped[str] = mapped_column(Text)
    form: Mapped[str] = mapped_column(String(12))
    matter: Mapped[str | None] = mapped_column(String(300))
    given_on: Mapped[date]
    valid_until: Mapped[date | None]
    until_relationship_ends: Mapped[bool] = mapped_column(default=False)
    wording: Mapped[str] = mapped_column(Text)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Written once, when the client withdraws the consent.
    withdrawn_on: Mapped[date | None] = mapped_column(active_history=True)
    withdrawn_how: Mapped[str | None] = mapped_column(String(20), active_history=True)
    withdrawn_heard_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), active_history=True)
    withdrawal_note: Mapped[str | None] = mapped_column(Text, active_history=True)
    withdrawal_recorded_at: Mapped[datetime | None] = mapped_column(active_history=True)
    # Written once, when a newer consent replaces this one.
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("consent.id"), active_history=True)
    superseded_on: Mapped[date | None] = mapped_column(active_history=True)

    client: Mapped[Client] = relationship()
    member: Mapped[NetworkMember | None] = relationship()
    organisation: Mapped[Organisation | None] = relationship()
    contact_person: Mapped[ContactPerson | None] = relationship()
    recorded_by: Mapped[User] = relationship(foreign_keys=[recorded_by_id])
    withdrawn_heard_by: Mapped[User | None] = relationship(foreign_keys=[withdrawn_heard_by_id])
    superseded_by: Mapped[Consent | None] = relationship(remote_side=[id])

    @property
    def scopes(self) -> list[str]:
        """The information the consent covers."""
        return split(self.information)


# Columns that may be written after the consent was given, each only once (from empty).
_LATER_COLUMNS = {"withdrawn_on", "withdrawn_how", "withdrawn_heard_by_id", "withdrawal_note",
                  "withdrawal_recorded_at", "superseded_by_id", "superseded_on", "member_id"}


@event.listens_for(Consent, "before_update")
def _refuse_edits(_mapper, _connection, consent: Consent) -> None:
    """A given consent is never edited: only its withdrawal and replacement are added, once."""
    state = inspect(consent)
    for attr in state.attrs:
        history = attr.history
        if not history.has_changes():
            continue
        if attr.key not in _LATER_COLUMNS:
            raise ValueError(f"a given consent cannot be changed ({attr.key})")
        # member_id may only be cleared by the database when the member leaves the map.
        if attr.key != "member_id" and any(v is not None for v in history.deleted):
            raise ValueError(f"a consent's {attr.key} is written once")


class ContactAgreement(db.Model):
    """One version of the written contact agreement; a newer version supersedes it."""

    __tablename__ = "contact_agreement"
    __table_args__ = (Index("ix_agreement_client_version", "client_id", "version_no", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id", ondelete="CASCADE"))
    version_no: Mapped[int]
    status: Mapped[str] = mapped_column(String(12), default="draft")
    made_on: Mapped[date]
    review_date: Mapped[date | None]
    preferred_channels: Mapped[str] = mapped_column(String(100), default="")
    preferred_times: Mapped[str | None] = mapped_column(String(300))
    messages_may_say_topic: Mapped[bool] = mapped_column(default=False)
    preferences_note: Mapped[str | None] = mapped_column(Text)
    if_condition_changes: Mapped[str | None] = mapped_column(Text)
    follow_up_together: Mapped[str | None] = mapped_column(Text)
    signed_on: Mapped[date | None]
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    activated_at: Mapped[datetime | None]
    superseded_at: Mapped[datetime | None]
    # The last day in force of an agreement ended with the client relationship (status "ended").
    ended_on: Mapped[date | None]
    row_version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": row_version}

    client: Mapped[Client] = relationship()
    created_by: Mapped[User] = relationship()
    lines: Mapped[list[AgreementLine]] = relationship(
        back_populates="agreement", order_by="AgreementLine.position, AgreementLine.id",
        cascade="all, delete-orphan")

    @property
    def channels(self) -> list[str]:
        return split(self.preferred_channels)


class AgreementLine(db.Model):
    """Who keeps in touch with whom, when and how, and what may be shared: backed by a consent."""

    __tablename__ = "agreement_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(
        ForeignKey("contact_agreement.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("network_member.id", ondelete="SET NULL"))
    # Or one of the association's own workers: no consent is needed for them.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    party_label: Mapped[str] = mapped_column(String(300))
    direction: Mapped[str] = mapped_column(String(10))
    when: Mapped[str] = mapped_column(String(100), default="")
    every_weeks: Mapped[int | None]
    not_heard_days: Mapped[int | None]
    how: Mapped[str] = mapped_column(String(100), default="")
    shares: Mapped[str] = mapped_column(String(100), default="")
    note: Mapped[str | None] = mapped_column(String(300))
    # The consent that backed the line when the agreement was made active.
    consent_id: Mapped[int | None] = mapped_column(ForeignKey("consent.id"))

    agreement: Mapped[ContactAgreement] = relationship(back_populates="lines")
    member: Mapped[NetworkMember | None] = relationship()
    user: Mapped[User | None] = relationship()
    consent: Mapped[Consent | None] = relationship()

    @property
    def when_list(self) -> list[str]:
        return split(self.when)

    @property
    def how_list(self) -> list[str]:
        return split(self.how)

    @property
    def share_list(self) -> list[str]:
        return split(self.shares)


class SocialServicesNotification(db.Model):
    """The path taken when a concern arose (Sosiaalihuoltolaki 35 §); staff and admins only."""

    __tablename__ = "social_services_notification"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id", ondelete="CASCADE"), index=True)
    path: Mapped[str] = mapped_column(String(20))
    concern: Mapped[str] = mapped_column(Text)
    recipient: Mapped[str | None] = mapped_column(String(300))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    consent_id: Mapped[int | None] = mapped_column(ForeignKey("consent.id"))
    reason_without_consent: Mapped[str | None] = mapped_column(Text)
    made_on: Mapped[date]
    made_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    made_by: Mapped[User] = relationship()
    organisation: Mapped[Organisation | None] = relationship()
    consent: Mapped[Consent | None] = relationship()
