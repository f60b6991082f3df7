"""Funded activities, group activities and the hours of peer supporters and volunteers.

A funded activity (e.g. 'Polku-hanke') is what the funder pays for and asks figures of; clients,
contacts, errands and groups may be tagged to one. A group ('kohtaamisten pöytä', a peer group)
meets in sessions; a session has named participants (clients) and a head count of the others.
Hours are the unpaid work of peer supporters and volunteers (STEA: without an employment
contract), per person and activity, optionally for one session.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..timeutil import utcnow
from .clients import Client
from .users import User

GROUP_KINDS = ("drop_in_table", "peer_group", "activity_group", "other")
COUNT_BASES = ("recorded", "estimate")
HELPER_KINDS = ("peer", "volunteer")
MAX_HEAD_COUNT = 10_000
MAX_MINUTES = 24 * 60


class FundedActivity(db.Model):
    """An activity the association names for its funder, e.g. 'Polku-hanke'."""

    __tablename__ = "funded_activity"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    archived: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}


class Group(db.Model):
    """A group activity that meets in sessions."""

    __tablename__ = "activity_group"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(20), default="drop_in_table")
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("funded_activity.id"), index=True)
    archived: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    activity: Mapped[FundedActivity | None] = relationship()
    sessions: Mapped[list[GroupSession]] = relationship(
        back_populates="group", cascade="all, delete-orphan",
        order_by="(GroupSession.on.desc(), GroupSession.id.desc())")


class GroupSession(db.Model):
    """One meeting of a group: named participants and a head count of the others."""

    __tablename__ = "group_session"
    __table_args__ = (Index("ix_group_session_on", "on", "group_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("activity_group.id", ondelete="CASCADE"),
                                          index=True)
    on: Mapped[date]
    # People who took part without being named (not clients, or not wishing to be recorded).
    anonymous_count: Mapped[int] = mapped_column(default=0)
    # Whether the head count was counted or estimated.
    count_basis: Mapped[str] = mapped_column(String(10), default="recorded")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    group: Mapped[Group] = relationship(back_populates="sessions")
    participants: Mapped[list[SessionParticipant]] = relationship(
        back_populates="session", cascade="all, delete-orphan", passive_deletes=True)
    hours: Mapped[list[HelperHours]] = relationship(back_populates="session")


class SessionParticipant(db.Model):
    """A client who took part in a session."""

    __tablename__ = "session_participant"
    __table_args__ = (UniqueConstraint("session_id", "client_id",
                                       name="uq_session_participant_session_client"),
                      Index("ix_session_participant_client", "client_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("group_session.id", ondelete="CASCADE"))
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id", ondelete="CASCADE"))

    session: Mapped[GroupSession] = relationship(back_populates="participants")
    client: Mapped[Client] = relationship()


class HelperHours(db.Model):
    """Unpaid hours of a peer supporter or volunteer (a user of the app), per activity."""

    __tablename__ = "helper_hours"
    __table_args__ = (Index("ix_helper_hours_on", "on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10), default="peer")
    on: Mapped[date]
    minutes: Mapped[int]
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("funded_activity.id"))
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("group_session.id", ondelete="SET NULL"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    activity: Mapped[FundedActivity | None] = relationship()
    session: Mapped[GroupSession | None] = relationship(back_populates="hours")
