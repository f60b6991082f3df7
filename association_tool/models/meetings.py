"""Network meetings (verkostopalaveri): the plan, the minutes, their actions and later addenda.

Approved minutes are locked: the services refuse every change, and mapper events refuse any
write to an approved meeting, its participants or its actions (see `_refuse_changes`).
Corrections after approval are addenda, which are only ever added.
"""
from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import ForeignKey, Index, String, Text, event, inspect, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..timeutil import local_date, utcnow
from .clients import Client, FollowUpTask
from .directory import NetworkMember
from .users import User

METHODS = ("ordinary", "open_dialogue", "anticipation")
STATUSES = ("planned", "recorded", "approved")
PRESENCE = ("invited", "present", "absent")
PARTICIPANT_KINDS = ("member", "user", "other")
# The parts of the minutes' content the staff member may leave out of the printed minutes.
CONTENTS = ("opening", "discussion", "plan", "feedback")


class MeetingLocked(Exception):
    """The minutes are approved: nothing of them may change any more."""


class NetworkMeeting(db.Model):
    """One network meeting of a client: planned with the client, then recorded and approved."""

    __tablename__ = "network_meeting"
    __table_args__ = (Index("ix_network_meeting_client_date", "client_id", "meeting_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(10), default="planned")
    # Planning, together with the client.
    meeting_date: Mapped[date]
    start_time: Mapped[time | None]
    place: Mapped[str | None] = mapped_column(String(300))
    remote_link: Mapped[str | None] = mapped_column(String(500))
    method: Mapped[str] = mapped_column(String(20), default="ordinary")
    convener_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    support_person_wanted: Mapped[bool] = mapped_column(default=False)
    support_person: Mapped[str | None] = mapped_column(String(200))
    client_topics: Mapped[str | None] = mapped_column(Text)
    # The minutes.
    client_present: Mapped[bool] = mapped_column(default=True)
    chair: Mapped[str | None] = mapped_column(String(120))
    note_taker: Mapped[str | None] = mapped_column(String(120))
    why_gathered: Mapped[str | None] = mapped_column(Text)
    client_view: Mapped[str | None] = mapped_column(Text)
    responsible_person: Mapped[str | None] = mapped_column(String(200))
    backup_person: Mapped[str | None] = mapped_column(String(200))
    next_date: Mapped[date | None]
    next_note: Mapped[str | None] = mapped_column(String(300))
    feedback: Mapped[str | None] = mapped_column(Text)
    contains_health: Mapped[bool] = mapped_column(default=False)
    # Which CONTENTS the printed minutes hold, comma-separated in that order; None: all of them.
    contents: Mapped[str | None] = mapped_column(String(60))
    # Approval locks the minutes.
    approved_at: Mapped[datetime | None]
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    client: Mapped[Client] = relationship()
    convener: Mapped[User | None] = relationship(foreign_keys=[convener_id])
    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id])
    participants: Mapped[list[MeetingParticipant]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan",
        order_by="MeetingParticipant.position, MeetingParticipant.id")
    actions: Mapped[list[MeetingAction]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan",
        order_by="MeetingAction.position, MeetingAction.id")
    addenda: Mapped[list[MeetingAddendum]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan",
        order_by="MeetingAddendum.on, MeetingAddendum.id")

    @property
    def approved(self) -> bool:
        """Tell whether the minutes are approved (and so locked)."""
        return self.status == "approved"

    @property
    def content_list(self) -> list[str]:
        """The parts of the content the printed minutes hold (all, unless chosen otherwise)."""
        if self.contents is None:
            return list(CONTENTS)
        return [c for c in self.contents.split(",") if c in CONTENTS]

    @property
    def approved_on(self) -> date | None:
        """The day (in Finland) the minutes were approved; addenda are dated from it."""
        return local_date(self.approved_at) if self.approved_at is not None else None


class MeetingParticipant(db.Model):
    """Someone invited to the meeting: a network member, a user of the association, or another person."""

    __tablename__ = "meeting_participant"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("network_meeting.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[str] = mapped_column(String(10))
    member_id: Mapped[int | None] = mapped_column(
        ForeignKey("network_member.id", ondelete="SET NULL"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    # The name as it was at the meeting (the network map may change later).
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str | None] = mapped_column(String(200))
    organisation: Mapped[str | None] = mapped_column(String(200))
    presence: Mapped[str] = mapped_column(String(10), default="invited")
    concerns: Mapped[str | None] = mapped_column(Text)
    resources: Mapped[str | None] = mapped_column(Text)
    # What this participant said in the feedback round at the end of the meeting.
    feedback: Mapped[str | None] = mapped_column(Text)

    meeting: Mapped[NetworkMeeting] = relationship(back_populates="participants")
    member: Mapped[NetworkMember | None] = relationship()
    user: Mapped[User | None] = relationship()


class MeetingAction(db.Model):
    """An agreed action: who does what, with whom, by when; it becomes a follow-up task."""

    __tablename__ = "meeting_action"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("network_meeting.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    owner_party: Mapped[str | None] = mapped_column(String(200))
    what: Mapped[str] = mapped_column(Text)
    with_whom: Mapped[str | None] = mapped_column(String(200))
    due_date: Mapped[date | None]
    task_id: Mapped[int | None] = mapped_column(ForeignKey("follow_up_task.id", ondelete="SET NULL"))

    meeting: Mapped[NetworkMeeting] = relationship(back_populates="actions")
    owner: Mapped[User | None] = relationship()
    task: Mapped[FollowUpTask | None] = relationship()

    @property
    def who(self) -> str:
        """Who does it: a user's name or the outside party's."""
        return self.owner.name if self.owner is not None else (self.owner_party or "")


class MeetingAddendum(db.Model):
    """A correction or addition written after the minutes were approved; never edited."""

    __tablename__ = "meeting_addendum"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("network_meeting.id", ondelete="CASCADE"), index=True)
    on: Mapped[date]
    text: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    meeting: Mapped[NetworkMeeting] = relationship(back_populates="addenda")
    author: Mapped[User | None] = relationship()


# --- the lock -----------------------------------------------------------------------------------

@event.listens_for(NetworkMeeting, "before_update")
def _refuse_meeting_changes(_mapper, _connection, meeting: NetworkMeeting) -> None:
    """Approved minutes never change: refuse an update of a meeting that was approved before."""
    history = inspect(meeting).attrs.status.history
    was = history.deleted[0] if history.deleted else meeting.status
    if was == "approved":
        raise MeetingLocked(f"network meeting {meeting.id} is approved")


def _approved_in_database(connection, meeting_id: int | None) -> bool:
    if meeting_id is None:
        return False
    status = connection.execute(
        select(NetworkMeeting.__table__.c.status)
        .where(NetworkMeeting.__table__.c.id == meeting_id)).scalar_one_or_none()
    return status == "approved"


@event.listens_for(MeetingParticipant, "before_insert")
@event.listens_for(MeetingParticipant, "before_update")
@event.listens_for(MeetingAction, "before_insert")
@event.listens_for(MeetingAction, "before_update")
def _refuse_changes(_mapper, connection, row) -> None:
    """Participants and actions of approved minutes are as approved: refuse any write to them."""
    if _approved_in_database(connection, row.meeting_id):
        raise MeetingLocked(f"network meeting {row.meeting_id} is approved")


@event.listens_for(MeetingAddendum, "before_update")
def _refuse_addendum_edits(_mapper, _connection, addendum: MeetingAddendum) -> None:
    """An addendum is written once."""
    raise MeetingLocked(f"addendum {addendum.id} cannot be changed")
