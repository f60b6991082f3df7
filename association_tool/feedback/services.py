"""Feedback from clients and partners, the client's wellbeing ratings, and the quality
self-assessment: plain values in, rows out; flush, never commit."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from .. import audit
from ..extensions import db
from ..models.feedback import (DEFAULT_WELLBEING_AREAS, FEEDBACK_SOURCES, FEEDBACK_TEXT_MAX,
                               QUALITY_DIMENSIONS, SCALE, Feedback, PartnerLink,
                               QualityAssessment, QualityCriterion, QualityScore,
                               WellbeingRating)
from ..models.clients import LIFE_AREAS
from ..settings import setting_value, store_setting
from ..timeutil import local_today, utcnow

KIOSK_SETTING = "feedback_kiosk_on"
PARTNER_SETTING = "feedback_partner_links_on"
AREAS_SETTING = "wellbeing_areas"
PARTNER_LINK_DAYS = 30


class FeedbackError(ValueError):
    """Values the feedback cannot be saved with."""


# --- switches ----------------------------------------------------------------------------------

def kiosk_on() -> bool:
    return setting_value(KIOSK_SETTING) == "1"


def partner_links_on() -> bool:
    return setting_value(PARTNER_SETTING) == "1"


def set_switches(*, kiosk: bool, partner_links: bool) -> bool:
    """Turn the kiosk form and the partner links on or off; True when anything changed."""
    changed = store_setting(KIOSK_SETTING, "1" if kiosk else "0")
    changed = store_setting(PARTNER_SETTING, "1" if partner_links else "0") or changed
    if changed:
        audit.record(audit.Action.UPDATE, object_type="settings",
                     detail=f"feedback kiosk={'on' if kiosk else 'off'} "
                            f"partner links={'on' if partner_links else 'off'}")
    return changed


# --- feedback ----------------------------------------------------------------------------------

def _scale(value) -> int | None:
    text = "" if value is None else str(value).strip()
    if not text:
        return None
    if not text.isdigit():
        raise FeedbackError(f"not on the 1–5 scale: {value!r}")
    number = int(text)
    if number not in SCALE:
        raise FeedbackError(f"not on the 1–5 scale: {value!r}")
    return number


def record_feedback(*, source: str, first, second, words: str | None, language: str,
                    kind: str = "client", received_on: date | None = None,
                    client_id: int | None = None, entered_by_id: int | None = None) -> Feedback:
    """Save one answer. Public forms pass no client and no user: the row names nobody."""
    if source not in FEEDBACK_SOURCES:
        raise FeedbackError(f"unknown source {source!r}")
    words = (words or "").strip() or None
    if words and len(words) > FEEDBACK_TEXT_MAX:
        raise FeedbackError("too long")
    first, second = _scale(first), _scale(second)
    if first is None and second is None and not words:
        raise FeedbackError("empty")
    feedback = Feedback(kind=kind, source=source, received_on=received_on or local_today(),
                        language=language, first=first, second=second, words=words,
                        client_id=client_id, entered_by_id=entered_by_id)
    db.session.add(feedback)
    db.session.flush()
    if entered_by_id is not None:  # a public answer is not an act of any user
        audit.record(audit.Action.CREATE, object_type="feedback", object_id=feedback.id,
                     client_id=client_id, detail=f"source={source}")
    return feedback


@dataclass
class Summary:
    """Counts and averages of one kind of feedback over a period."""

    count: int
    first_average: float | None
    second_average: float | None
    by_source: dict[str, int]


def summary(kind: str, start: date, end: date) -> Summary:
    """Aggregated in the database; no rows are loaded."""
    in_period = (Feedback.kind == kind, Feedback.received_on >= start,
                 Feedback.received_on <= end)
    count, first, second = db.session.execute(
        select(func.count(Feedback.id), func.avg(Feedback.first), func.avg(Feedback.second))
        .where(*in_period)).one()
    by_source = dict(db.session.execute(
        select(Feedback.source, func.count(Feedback.id)).where(*in_period)
        .group_by(Feedback.source)).all())
    return Summary(count=count, first_average=None if first is None else round(float(first), 1),
                   second_average=None if second is None else round(float(second), 1),
                   by_source=by_source)


def latest(kind: str, limit: int = 50) -> list[Feedback]:
    return list(db.session.scalars(
        select(Feedback).where(Feedback.kind == kind)
        .order_by(Feedback.received_on.desc(), Feedback.id.desc()).limit(limit)))


def for_client(client_id: int) -> list[Feedback]:
    return list(db.session.scalars(
        select(Feedback).where(Feedback.client_id == client_id)
        .order_by(Feedback.received_on.desc(), Feedback.id.desc())))


# --- partner links -----------------------------------------------------------------------------

def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_partner_link(label: str | None, created_by_id: int,
                        days: int = PARTNER_LINK_DAYS) -> tuple[PartnerLink, str]:
    """A one-time link for a partner; the token is returned once and only its hash is kept."""
    token = secrets.token_urlsafe(24)
    link = PartnerLink(token_hash=_hash(token), label=(label or "").strip() or None,
                       created_by_id=created_by_id,
                       expires_on=local_today() + timedelta(days=days))
    db.session.add(link)
    db.session.flush()
    audit.record(audit.Action.CREATE, object_type="partner_feedback_link", object_id=link.id,
                 detail=f"expires {link.expires_on.isoformat()}")
    return link, token


def usable_link(token: str) -> PartnerLink | None:
    """The link of a token when it is unused, not expired, and partner links are on."""
    if not token or len(token) > 100 or not partner_links_on():
        return None
    link = db.session.scalars(
        select(PartnerLink).where(PartnerLink.token_hash == _hash(token))).one_or_none()
    if link is None or link.used_at is not None or link.expires_on < local_today():
        return None
    return link


def use_link(link: PartnerLink) -> None:
    link.used_at = utcnow()
    db.session.flush()


def open_links() -> list[PartnerLink]:
    return list(db.session.scalars(
        select(PartnerLink).where(PartnerLink.used_at.is_(None),
                                  PartnerLink.expires_on >= local_today())
        .order_by(PartnerLink.created_at.desc())))


# --- the client's wellbeing ---------------------------------------------------------------------

def wellbeing_areas() -> list[str]:
    """The life areas the association asks the client to rate, in its chosen order."""
    stored = setting_value(AREAS_SETTING)
    if stored is None:
        return list(DEFAULT_WELLBEING_AREAS)
    return [a for a in stored.split(",") if a in LIFE_AREAS]


def set_wellbeing_areas(areas: list[str]) -> bool:
    unknown = [a for a in areas if a not in LIFE_AREAS]
    if unknown:
        raise FeedbackError(f"unknown life areas: {unknown}")
    return store_setting(AREAS_SETTING, ",".join(areas))


def record_wellbeing(client_id: int, on: date, scores: dict[str, int | None], *,
                     review_id: int | None, author_id: int | None) -> list[WellbeingRating]:
    """Save the client's ratings (0–10) of the areas they chose to rate."""
    rows = []
    for area, score in scores.items():
        if score is None:
            continue
        if area not in LIFE_AREAS or not 0 <= score <= 10:
            raise FeedbackError(f"bad rating {area}={score}")
        rows.append(WellbeingRating(client_id=client_id, on=on, area=area, score=score,
                                    review_id=review_id, author_id=author_id))
    db.session.add_all(rows)
    db.session.flush()
    if rows:
        audit.record(audit.Action.CREATE, object_type="wellbeing_rating", client_id=client_id,
                     detail=f"{len(rows)} areas on {on.isoformat()}")
    return rows


@dataclass
class WellbeingSeries:
    area: str
    points: list[tuple[date, int]]


def wellbeing_series(client_id: int) -> list[WellbeingSeries]:
    """Each rated area's scores in date order (the latest rating of a day counts)."""
    rows = db.session.execute(
        select(WellbeingRating.area, WellbeingRating.on, WellbeingRating.score)
        .where(WellbeingRating.client_id == client_id)
        .order_by(WellbeingRating.area, WellbeingRating.on, WellbeingRating.id)).all()
    series: dict[str, dict[date, int]] = {}
    for area, on, score in rows:
        series.setdefault(area, {})[on] = score
    order = {a: i for i, a in enumerate(LIFE_AREAS)}
    return [WellbeingSeries(area, sorted(points.items()))
            for area, points in sorted(series.items(), key=lambda item: order.get(item[0], 99))]


@dataclass
class ClientVoice:
    """What the client has said, for their page: wellbeing over time and their own feedback."""

    wellbeing: list[WellbeingSeries]
    feedback: list[Feedback]


def client_voice(client_id: int, *, staff: bool) -> ClientVoice:
    """The client's wellbeing series; their linked feedback only for staff."""
    return ClientVoice(wellbeing=wellbeing_series(client_id),
                       feedback=for_client(client_id) if staff else [])


# --- quality self-assessment ---------------------------------------------------------------------

DEFAULT_CRITERIA = {
    "encounter": [
        _l("The client is met as an equal, without hurry, and heard in their own words."),
        _l("The client knows whom to contact and how, and gets an answer."),
        _l("The client's own goals guide the work."),
    ],
    "competence": [
        _l("We know the services in our area and guide the client to the ones that fit."),
        _l("Consents are asked for, recorded and respected."),
        _l("Peer supporters are trained, supported and supervised."),
    ],
    "cooperation": [
        _l("Information moves both ways between us and the public services, with consent."),
        _l("Handovers are made together with the client (saattaen vaihtaen)."),
        _l("Network meetings are prepared with the client and the minutes shared."),
    ],
    "evaluation": [
        _l("Whether the support was enough is followed up with the client."),
        _l("Client and partner feedback is collected and acted on."),
        _l("The effect of our work is shown with figures that identify nobody."),
    ],
}


def criteria(active_only: bool = True) -> list[QualityCriterion]:
    """The criteria, making the defaults (in the association's language) on first use."""
    query = select(QualityCriterion)
    if active_only:
        query = query.where(QualityCriterion.active.is_(True))
    found = list(db.session.scalars(query.order_by(QualityCriterion.position,
                                                   QualityCriterion.id)))
    if found or not active_only:
        return found
    if db.session.scalar(select(func.count(QualityCriterion.id))):
        return []  # all were retired on purpose
    position = 0
    for dimension in QUALITY_DIMENSIONS:
        for text in DEFAULT_CRITERIA[dimension]:
            position += 1
            db.session.add(QualityCriterion(dimension=dimension, text=str(text),
                                            position=position))
    db.session.flush()
    return criteria()


def revise_criterion(criterion: QualityCriterion, text: str) -> QualityCriterion:
    """A new wording is a new version; the old one stays for the assessments that used it."""
    text = text.strip()
    if not text:
        raise FeedbackError("empty")
    if text == criterion.text:
        return criterion
    criterion.active = False
    new = QualityCriterion(dimension=criterion.dimension, text=text,
                           position=criterion.position, replaces_id=criterion.id)
    db.session.add(new)
    db.session.flush()
    audit.record(audit.Action.UPDATE, object_type="quality_criterion", object_id=new.id,
                 detail=f"replaces {criterion.id}")
    return new


def record_assessment(*, start: date, end: date, team: bool, author_id: int,
                      scores: dict[int, tuple[int | None, str | None]]) -> QualityAssessment:
    if end < start:
        raise FeedbackError("period")
    assessment = QualityAssessment(period_start=start, period_end=end, team=team,
                                   author_id=author_id)
    for criterion_id, (score, note) in scores.items():
        if score is not None and score not in SCALE:
            raise FeedbackError("score")
        assessment.scores.append(QualityScore(criterion_id=criterion_id, score=score,
                                              note=(note or "").strip() or None))
    db.session.add(assessment)
    db.session.flush()
    audit.record(audit.Action.CREATE, object_type="quality_assessment", object_id=assessment.id,
                 detail=f"{start.isoformat()}..{end.isoformat()}")
    return assessment


def assessments() -> list[QualityAssessment]:
    return list(db.session.scalars(select(QualityAssessment).order_by(
        QualityAssessment.period_end.desc(), QualityAssessment.id.desc())))


def dimension_averages_between(start: date, end: date) -> dict[str, float | None]:
    """The average score of each dimension over the assessments whose period overlaps these
    days (for the statistics page); computed in the database."""
    rows = db.session.execute(
        select(QualityCriterion.dimension, func.avg(QualityScore.score),
               func.count(func.distinct(QualityScore.assessment_id)))
        .join(QualityCriterion, QualityCriterion.id == QualityScore.criterion_id)
        .join(QualityAssessment, QualityAssessment.id == QualityScore.assessment_id)
        .where(QualityAssessment.period_start <= end, QualityAssessment.period_end >= start,
               QualityScore.score.is_not(None))
        .group_by(QualityCriterion.dimension)).all()
    return {dimension: (None if average is None else round(float(average), 1), assessments)
            for dimension, average, assessments in rows}


def dimension_averages() -> list[tuple[QualityAssessment, dict[str, float | None]]]:
    """Per assessment, the average score of each dimension (computed in the database)."""
    rows = db.session.execute(
        select(QualityScore.assessment_id, QualityCriterion.dimension, func.avg(QualityScore.score))
        .join(QualityCriterion, QualityCriterion.id == QualityScore.criterion_id)
        .group_by(QualityScore.assessment_id, QualityCriterion.dimension)).all()
    averages: dict[int, dict[str, float | None]] = {}
    for assessment_id, dimension, average in rows:
        averages.setdefault(assessment_id, {})[dimension] = (
            None if average is None else round(float(average), 1))
    return [(a, averages.get(a.id, {})) for a in assessments()]
