"""The client record: the client, peer pairings, goals, contacts, follow-up tasks and endings."""
from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, event, select
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..timeutil import utcnow
from .users import User


class Level(str, enum.Enum):
    """Level of service guidance (palveluohjauksen taso)."""

    ADVICE = "advice"
    CLIENT_GUIDANCE = "client_guidance"
    INTENSIVE = "intensive"


class ClientStatus(str, enum.Enum):
    """Where the client relationship stands."""

    ACTIVE = "active"
    PAUSED = "paused"
    ENDED = "ended"


class Section(str, enum.Enum):
    """Parts of a client's record that a paired peer supporter may be allowed to see."""

    GOALS = "goals"
    CONTACTS = "contacts"
    TASKS = "tasks"
    ERRANDS = "errands"
    REFERRALS = "referrals"
    NETWORK = "network"
    MEETINGS = "meetings"
    AGREEMENT = "agreement"
    CONTACT_DETAILS = "contact_details"


# What a peer sees unless the client decides otherwise.
DEFAULT_PEER_SECTIONS = (Section.GOALS, Section.CONTACTS, Section.TASKS, Section.ERRANDS)
# Never shown to a peer supporter, whatever is recorded: consents, notifications, staff notes.
STAFF_ONLY_SECTIONS = ("consents", "notifications", "staff_notes", "ending", "peers")

LIFE_AREAS = ("housing", "money", "health", "mental_health", "substances", "relationships",
              "daily_life", "work_studies", "meaningful_activity", "other")
CONTACT_CHANNELS = ("drop_in", "phone", "message", "home_visit", "accompanied_errand", "group",
                    "network_meeting", "remote")
AGE_GROUPS = ("under_18", "18_29", "30_44", "45_64", "65_plus", "unknown")


class Client(db.Model):
    """A person the association walks beside; a nickname is enough."""

    __tablename__ = "client"
    __table_args__ = (
        Index("ix_client_status_name", "status", "display_name"),
        # Names in order with what a broad search tests on each (clients/listing.py).
        Index("ix_client_name_text", "display_name", "id", "status", "search_text"),
        # Start dates in order with the status: the list sorted by start date reads one page.
        Index("ix_client_start_status", "start_date", "id", "status"),
        Index("ix_client_responsible_status", "responsible_id", "status"),
        Index("ix_client_backup_status", "backup_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    display_name: Mapped[str] = mapped_column(String(120))
    full_name: Mapped[str | None] = mapped_column(String(200))
    # Lower-case copies for search that works the same on SQLite and PostgreSQL.
    search_text: Mapped[str] = mapped_column(String(330), default="")
    birth_year: Mapped[int | None]
    phone: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(254))
    language: Mapped[str] = mapped_column(String(8), default="fi")
    language_other: Mapped[str | None] = mapped_column(String(60))
    interpreter_needed: Mapped[bool] = mapped_column(default=False)
    plain_language: Mapped[bool] = mapped_column(default=False)
    contact_channel: Mapped[str | None] = mapped_column(String(20))
    contact_notes: Mapped[str | None] = mapped_column(Text)
    level: Mapped[str] = mapped_column(String(20), default=Level.CLIENT_GUIDANCE.value)
    status: Mapped[str] = mapped_column(String(10), default=ClientStatus.ACTIVE.value)
    start_date: Mapped[date]
    referral_source: Mapped[str] = mapped_column(String(20), default="self")
    referral_note: Mapped[str | None] = mapped_column(String(300))
    responsible_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    backup_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    # The funded activity the client takes part in (models/groups.py), for the funder's figures.
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("funded_activity.id"))
    # Where the client lives, from the association's own list (settings), for the figures.
    municipality: Mapped[str | None] = mapped_column(String(80))
    staff_notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)
    # Set when the client's data was anonymised (lifecycle/anonymise.py): the row leads to no one.
    anonymised_at: Mapped[datetime | None]

    __mapper_args__ = {"version_id_col": version}

    responsible: Mapped[User | None] = relationship(foreign_keys=[responsible_id])
    backup: Mapped[User | None] = relationship(foreign_keys=[backup_id])
    pairings: Mapped[list[PeerPairing]] = relationship(back_populates="client",
                                                       cascade="all, delete-orphan")

    def refresh_search_text(self) -> None:
        """Keep the lower-case search column in step with the names."""
        self.search_text = " ".join(filter(None, [self.display_name, self.full_name])).lower()


class ClientStatusCount(db.Model):
    """How many clients have each status, kept by triggers in the database (migration 0010), so
    the list gives its total without counting every client (PostgreSQL reads them all to count).
    """

    __tablename__ = "client_status_count"

    status: Mapped[str] = mapped_column(String(10), primary_key=True)
    clients: Mapped[int] = mapped_column(default=0)


class PeerPairing(db.Model):
    """A peer supporter paired with a client, and the sections the client lets them see."""

    __tablename__ = "peer_pairing"
    __table_args__ = (UniqueConstraint("client_id", "peer_id", name="uq_peer_pairing_client_peer"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id", ondelete="CASCADE"), index=True)
    peer_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    sections: Mapped[str] = mapped_column(String(200), default="")
    agreed_on: Mapped[date]
    agreed_how: Mapped[str] = mapped_column(String(300))
    ends_on: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    client: Mapped[Client] = relationship(back_populates="pairings")
    peer: Mapped[User] = relationship()

    @property
    def section_list(self) -> list[str]:
        """The allowed sections as a list."""
        return [s for s in self.sections.split(",") if s]

    def active_on(self, day: date) -> bool:
        """Tell whether the pairing is in force on a day."""
        return self.ends_on is None or day <= self.ends_on


class GoalStatus(str, enum.Enum):
    """Where a goal stands."""

    OPEN = "open"
    IN_PROGRESS = "in_progress"
    ACHIEVED = "achieved"
    CHANGED = "changed"
    DROPPED = "dropped"


OPEN_GOAL_STATUSES = (GoalStatus.OPEN.value, GoalStatus.IN_PROGRESS.value)
ANSWERS = ("yes", "partly", "no")


class Goal(db.Model):
    """A goal in the client's own words, with means and a review date."""

    __tablename__ = "goal"
    # A client's goals by status, and with their review dates: the home page picks the reviews
    # due of a worker's clients from the index alone (clients/services.py, reviews_due).
    __table_args__ = (Index("ix_goal_client_status_review", "client_id", "status", "review_date"),
                      Index("ix_goal_review_date", "review_date"),
                      # The goals set in a period by where they stand, and whose they are,
                      # counted from the index alone (stats/figures.py).
                      Index("ix_goal_created_status_client", "created_at", "status",
                            "client_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)
    term: Mapped[str] = mapped_column(String(10), default="short")
    life_area: Mapped[str | None] = mapped_column(String(30))
    means: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default=GoalStatus.OPEN.value)
    target_date: Mapped[date | None]
    review_date: Mapped[date | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    client: Mapped[Client] = relationship()
    progress: Mapped[list[GoalProgress]] = relationship(
        back_populates="goal", cascade="all, delete-orphan", order_by="GoalProgress.id.desc()")
    reviews: Mapped[list[GoalReview]] = relationship(
        back_populates="goal", cascade="all, delete-orphan", order_by="GoalReview.id.desc()")


class GoalProgress(db.Model):
    """A step along the way; small successes count."""

    __tablename__ = "goal_progress"
    # A period's progress entries and whose they are, from the index alone (stats/figures.py).
    __table_args__ = (Index("ix_goal_progress_on_client", "on", "client_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    goal_id: Mapped[int] = mapped_column(ForeignKey("goal.id", ondelete="CASCADE"), index=True)
    # The goal's client, copied beside the goal so that counting the clients reached in a period
    # does not join every goal (filled from the goal on insert: _fill_client_id below). No
    # foreign key of its own: the row goes with its goal, and the goal with the client.
    client_id: Mapped[int | None]
    on: Mapped[date]
    note: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    goal: Mapped[Goal] = relationship(back_populates="progress")
    author: Mapped[User | None] = relationship()


class GoalReview(db.Model):
    """A joint review: was the support sufficient, and did it match needs, expectations, goals."""

    __tablename__ = "goal_review"

    id: Mapped[int] = mapped_column(primary_key=True)
    goal_id: Mapped[int] = mapped_column(ForeignKey("goal.id", ondelete="CASCADE"), index=True)
    client_id: Mapped[int | None]  # the goal's client, as in GoalProgress
    on: Mapped[date]
    sufficient: Mapped[str] = mapped_column(String(8))
    matched_needs: Mapped[str] = mapped_column(String(8))
    matched_expectations: Mapped[str] = mapped_column(String(8))
    matched_goals: Mapped[str] = mapped_column(String(8))
    client_comment: Mapped[str | None] = mapped_column(Text)
    next_review_date: Mapped[date | None]
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    goal: Mapped[Goal] = relationship(back_populates="reviews")
    author: Mapped[User | None] = relationship()


@event.listens_for(GoalProgress, "before_insert")
@event.listens_for(GoalReview, "before_insert")
def _fill_client_id(mapper, connection, target) -> None:
    """A progress entry or a review belongs to its goal's client, whoever made it."""
    if target.client_id is None:
        goal = target.__dict__.get("goal")  # only if already there: nothing is loaded in a flush
        target.client_id = (goal.client_id if goal is not None else connection.scalar(
            select(Goal.client_id).where(Goal.id == target.goal_id)))


class Contact(db.Model):
    """A meeting, call, message, visit or accompanied errand; anonymous when it has no client."""

    __tablename__ = "contact"
    # A client's contacts by date; with no client, the anonymous contacts of a period by age
    # band, read from the index alone (stats/figures.py).
    __table_args__ = (Index("ix_contact_client_on_age", "client_id", "on", "age_group"),
                      Index("ix_contact_on", "on"),
                      # A period's contacts by channel and the clients they reached, read from
                      # the index alone (stats/figures.py).
                      Index("ix_contact_on_channel_client", "on", "channel", "client_id"),
                      # The few contacts tagged to a funded activity, by activity and date.
                      Index("ix_contact_activity_on", "activity_id", "on", "client_id",
                            sqlite_where=sql_text("activity_id IS NOT NULL"),
                            postgresql_where=sql_text("activity_id IS NOT NULL")))

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int | None] = mapped_column(ForeignKey("client.id", ondelete="CASCADE"))
    on: Mapped[date]
    channel: Mapped[str] = mapped_column(String(24))
    minutes: Mapped[int | None]
    worker_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    peer_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    topics: Mapped[str] = mapped_column(String(300), default="")
    note: Mapped[str | None] = mapped_column(Text)
    age_group: Mapped[str | None] = mapped_column(String(10))
    # The funded activity the contact belongs to; without one, the client's (stats/figures.py).
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("funded_activity.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Counts the corrections; each earlier wording is kept as a ContactVersion.
    row_version: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": row_version}

    worker: Mapped[User | None] = relationship(foreign_keys=[worker_id])
    peer: Mapped[User | None] = relationship(foreign_keys=[peer_id])
    versions: Mapped[list[ContactVersion]] = relationship(
        back_populates="contact", order_by="ContactVersion.version_no.desc()",
        cascade="all, delete-orphan", passive_deletes=True)

    @property
    def topic_list(self) -> list[str]:
        """The life areas discussed."""
        return [t for t in self.topics.split(",") if t]


class ContactVersion(db.Model):
    """A contact as it read before a correction: the earlier wording stays readable."""

    __tablename__ = "contact_version"
    __table_args__ = (UniqueConstraint("contact_id", "version_no"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contact.id", ondelete="CASCADE"), index=True)
    # The contact's row_version while it read like this.
    version_no: Mapped[int]
    on: Mapped[date]
    channel: Mapped[str] = mapped_column(String(24))
    minutes: Mapped[int | None]
    worker_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    peer_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    topics: Mapped[str] = mapped_column(String(300), default="")
    note: Mapped[str | None] = mapped_column(Text)
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("funded_activity.id"))
    # Who corrected it, and when: from then on the contact read differently.
    replaced_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    replaced_at: Mapped[datetime] = mapped_column(default=utcnow)

    contact: Mapped[Contact] = relationship(back_populates="versions")
    worker: Mapped[User | None] = relationship(foreign_keys=[worker_id])
    peer: Mapped[User | None] = relationship(foreign_keys=[peer_id])
    replaced_by: Mapped[User | None] = relationship(foreign_keys=[replaced_by_id])

    @property
    def topic_list(self) -> list[str]:
        return [t for t in self.topics.split(",") if t]


class TaskStatus(str, enum.Enum):
    """Where a follow-up task stands."""

    OPEN = "open"
    DONE = "done"
    CANCELLED = "cancelled"


class FollowUpTask(db.Model):
    """Something to do by a date: owned by a user or by a named outside party."""

    __tablename__ = "follow_up_task"
    __table_args__ = (Index("ix_task_owner_status_due", "owner_id", "status", "due_date"),
                      Index("ix_task_client_status", "client_id", "status"))

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id", ondelete="CASCADE"))
    # A task someone typed keeps their words in `title`; a task the app makes stores what it is
    # (`kind`, with the `params` its text needs) and reads in each reader's language
    # (tasks/texts.py), its `title` left empty.
    title: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str | None] = mapped_column(String(30))
    params: Mapped[dict | None] = mapped_column(JSON)
    details: Mapped[str | None] = mapped_column(Text)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    owner_party: Mapped[str | None] = mapped_column(String(200))
    due_date: Mapped[date | None]
    status: Mapped[str] = mapped_column(String(10), default=TaskStatus.OPEN.value)
    # What made the task: manual, worker_change, goal_review, meeting, errand, agreement, ending.
    source: Mapped[str] = mapped_column(String(20), default="manual")
    source_id: Mapped[int | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    done_at: Mapped[datetime | None]

    client: Mapped[Client] = relationship()
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])


class ClientEnding(db.Model):
    """The end of a client relationship; a reopened one stays as history."""

    __tablename__ = "client_ending"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id", ondelete="CASCADE"), index=True)
    end_date: Mapped[date]
    reason: Mapped[str] = mapped_column(String(30))
    final_evaluation: Mapped[str | None] = mapped_column(Text)
    continuation_plan: Mapped[str | None] = mapped_column(Text)
    contact_if_difficulties: Mapped[str | None] = mapped_column(Text)
    follow_up_date: Mapped[date | None]
    # Free text written before the parties informed were chosen (EndingNotice): kept as history.
    partners_informed: Mapped[str | None] = mapped_column(Text)
    warm_handover: Mapped[str | None] = mapped_column(Text)
    # The version of the contact agreement this ending ended, if one was in force.
    agreement_version: Mapped[int | None]
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    reopened_at: Mapped[datetime | None]
    reopened_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    recorded_by: Mapped[User | None] = relationship(foreign_keys=[recorded_by_id])
    notices: Mapped[list[EndingNotice]] = relationship(
        back_populates="ending", cascade="all, delete-orphan", order_by="EndingNotice.id")
    pairing_choices: Mapped[list[EndingPairing]] = relationship(
        back_populates="ending", cascade="all, delete-orphan", order_by="EndingPairing.id")


class EndingNotice(db.Model):
    """A party told of the ending, under the consent that allowed it (a disclosure)."""

    __tablename__ = "ending_notice"

    id: Mapped[int] = mapped_column(primary_key=True)
    ending_id: Mapped[int] = mapped_column(ForeignKey("client_ending.id", ondelete="CASCADE"),
                                           index=True)
    member_id: Mapped[int | None] = mapped_column(
        ForeignKey("network_member.id", ondelete="SET NULL"))
    consent_id: Mapped[int | None] = mapped_column(ForeignKey("consent.id"))
    # The party's name as it was when told (the network map may change later).
    party_label: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    ending: Mapped[ClientEnding] = relationship(back_populates="notices")


PAIRING_CHOICES = ("end", "continue")


class EndingPairing(db.Model):
    """What the ending decided about one peer pairing: it ends (on `ends_on`) or continues."""

    __tablename__ = "ending_pairing"

    id: Mapped[int] = mapped_column(primary_key=True)
    ending_id: Mapped[int] = mapped_column(ForeignKey("client_ending.id", ondelete="CASCADE"),
                                           index=True)
    peer_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    choice: Mapped[str] = mapped_column(String(10))
    ends_on: Mapped[date | None]

    ending: Mapped[ClientEnding] = relationship(back_populates="pairing_choices")
    peer: Mapped[User] = relationship()
