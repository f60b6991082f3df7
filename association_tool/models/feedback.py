"""The client's voice: feedback from clients and partners, the client's own wellbeing ratings,
and the association's quality self-assessment."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..timeutil import utcnow

# Where a piece of feedback came from.
FEEDBACK_SOURCES = ("kiosk", "paper", "ending", "meeting", "referral", "partner_link")
# The 1–5 faces: 1 = not at all … 5 = very much.
SCALE = (1, 2, 3, 4, 5)
FEEDBACK_TEXT_MAX = 1000
# The areas the client may rate 0–10 at goal reviews, unless the association chooses others.
DEFAULT_WELLBEING_AREAS = ("housing", "money", "health", "daily_life", "relationships",
                           "meaningful_activity")
# The quality criteria's four dimensions (service guidance quality criteria).
QUALITY_DIMENSIONS = ("encounter", "competence", "cooperation", "evaluation")


class Feedback(db.Model):
    """One answer to the feedback questions, from a client or from a partner.

    Anonymous unless a worker links it to a client at the client's wish. Only the day it came
    is kept, not the moment, so that a kiosk answer cannot be matched to a visit by its time.
    """

    __tablename__ = "feedback"
    __table_args__ = (Index("ix_feedback_received_kind", "received_on", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10), default="client")  # client | partner
    source: Mapped[str] = mapped_column(String(20))
    received_on: Mapped[date]
    language: Mapped[str] = mapped_column(String(8), default="fi")
    # client: did you get help / were you treated well; partner: did the cooperation work /
    # did you get what you needed in time. 1–5, or None when not answered.
    first: Mapped[int | None]
    second: Mapped[int | None]
    words: Mapped[str | None] = mapped_column(Text)
    client_id: Mapped[int | None] = mapped_column(
        ForeignKey("client.id", ondelete="SET NULL"), index=True)
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    entered_by = relationship("User")


class PublicSubmission(db.Model):
    """A form sent from a page without sign-in, for the rate limit shared by all workers.

    The address is kept only as a keyed hash, and only as long as the limit's window needs.
    """

    __tablename__ = "public_submission"
    __table_args__ = (Index("ix_public_submission_key_at", "key", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(default=utcnow)


class PartnerLink(db.Model):
    """A one-time link a staff member sends to a partner for the partner questionnaire."""

    __tablename__ = "partner_feedback_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str | None] = mapped_column(String(120))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_on: Mapped[date]
    used_at: Mapped[datetime | None]

    created_by = relationship("User")


class WellbeingRating(db.Model):
    """The client's own 0–10 rating of one life area on one day (usually at a goal review)."""

    __tablename__ = "wellbeing_rating"
    __table_args__ = (Index("ix_wellbeing_rating_client_on", "client_id", "on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id", ondelete="CASCADE"))
    review_id: Mapped[int | None] = mapped_column(
        ForeignKey("goal_review.id", ondelete="SET NULL"))
    on: Mapped[date]
    area: Mapped[str] = mapped_column(String(40))
    score: Mapped[int]
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class QualityCriterion(db.Model):
    """One quality criterion under a dimension. Editing makes a new version; assessments keep
    pointing at the wording they were scored against."""

    __tablename__ = "quality_criterion"

    id: Mapped[int] = mapped_column(primary_key=True)
    dimension: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("quality_criterion.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class QualityAssessment(db.Model):
    """A team's or a worker's self-assessment for one period."""

    __tablename__ = "quality_assessment"

    id: Mapped[int] = mapped_column(primary_key=True)
    period_start: Mapped[date]
    period_end: Mapped[date]
    team: Mapped[bool] = mapped_column(default=True)  # else the author's own
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    author = relationship("User")
    scores: Mapped[list["QualityScore"]] = relationship(
        back_populates="assessment", cascade="all, delete-orphan")


class QualityScore(db.Model):
    """One criterion's score 1–5 in an assessment, with a note."""

    __tablename__ = "quality_score"
    __table_args__ = (UniqueConstraint("assessment_id", "criterion_id",
                                       name="uq_quality_score_assessment_criterion"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("quality_assessment.id", ondelete="CASCADE"), index=True)
    criterion_id: Mapped[int] = mapped_column(ForeignKey("quality_criterion.id"))
    score: Mapped[int | None]
    note: Mapped[str | None] = mapped_column(Text)

    assessment: Mapped[QualityAssessment] = relationship(back_populates="scores")
    criterion: Mapped[QualityCriterion] = relationship()
