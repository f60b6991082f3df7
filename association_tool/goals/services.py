"""Goal services: list, create, update, progress and reviews; no request access here."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .. import audit
from ..extensions import db
from ..forms import check_version
from ..models import (ANSWERS, LIFE_AREAS, OPEN_GOAL_STATUSES, Client, Goal, GoalProgress,
                      GoalReview, GoalStatus)
from ..tasks.services import schedule_goal_review

TERMS = ("short", "long")
GOAL_FIELDS = ("text", "term", "life_area", "means", "status", "target_date", "review_date")
REVIEW_ANSWERS = ("sufficient", "matched_needs", "matched_expectations", "matched_goals")


def _clean(value):
    """Trim text and store an empty answer as no answer."""
    if isinstance(value, str):
        return value.strip() or None
    return value


def _check(data: dict) -> None:
    """Refuse stored values outside the known codes, whoever the caller is."""
    if "term" in data and data["term"] not in TERMS:
        raise ValueError(f"unknown term {data['term']!r}")
    if "status" in data:
        GoalStatus(data["status"])
    if data.get("life_area") not in (None, *LIFE_AREAS):
        raise ValueError(f"unknown life area {data['life_area']!r}")
    if "text" in data and not data["text"]:
        raise ValueError("a goal needs its text")


# What a goal's page shows besides the goal: its progress notes and reviews, with their authors.
WITH_HISTORY = (selectinload(Goal.progress).joinedload(GoalProgress.author),
                selectinload(Goal.reviews).joinedload(GoalReview.author))


def list_goals(client_id: int) -> tuple[list[Goal], list[Goal]]:
    """Return the client's current goals (next review first) and closed goals (latest first)."""
    goals = db.session.scalars(
        select(Goal).options(*WITH_HISTORY).where(Goal.client_id == client_id)
        .order_by(Goal.review_date.is_(None), Goal.review_date, Goal.id)
    ).all()
    current = [g for g in goals if g.status in OPEN_GOAL_STATUSES]
    closed = sorted((g for g in goals if g.status not in OPEN_GOAL_STATUSES),
                    key=lambda g: (g.updated_at, g.id), reverse=True)
    return current, closed


def create_goal(client: Client, *, text: str, term: str = "short", life_area: str | None = None,
                means: str | None = None, status: str = GoalStatus.OPEN.value,
                target_date: date | None = None, review_date: date | None = None,
                created_by_id: int | None = None) -> Goal:
    """Add a goal in the client's own words and log it."""
    data = {key: _clean(value) for key, value in dict(
        text=text, term=term, life_area=life_area, means=means, status=status,
        target_date=target_date, review_date=review_date).items()}
    _check(data)
    goal = Goal(client_id=client.id, created_by_id=created_by_id, **data)
    db.session.add(goal)
    db.session.flush()
    audit.record(audit.Action.CREATE, object_type="goal", object_id=goal.id, client_id=client.id)
    return goal


def update_goal(goal: Goal, data: dict, version: int) -> list[str]:
    """Change a goal opened at `version`; return the changed fields. A stale version is refused.

    A concurrent save between this check and the flush raises StaleDataError at the flush.
    """
    check_version(goal, version)
    values = {key: _clean(value) for key, value in data.items() if key in GOAL_FIELDS}
    _check(values)
    changed = []
    for key, value in values.items():
        if getattr(goal, key) != value:
            setattr(goal, key, value)
            changed.append(key)
    if not changed:
        return changed
    db.session.flush()
    audit.record(audit.Action.UPDATE, object_type="goal", object_id=goal.id,
                 client_id=goal.client_id, detail="changed: " + ", ".join(changed))
    return changed


def add_progress(goal: Goal, *, on: date, note: str, author_id: int | None = None) -> GoalProgress:
    """Note a step along the way; small successes count."""
    note = _clean(note)
    if not note or on is None:
        raise ValueError("a progress entry needs a date and a note")
    entry = GoalProgress(goal_id=goal.id, on=on, note=note, author_id=author_id)
    db.session.add(entry)
    db.session.flush()
    db.session.refresh(goal, ["progress"])
    audit.record(audit.Action.CREATE, object_type="goal_progress", object_id=entry.id,
                 client_id=goal.client_id, detail=f"goal={goal.id}")
    return entry


def add_review(goal: Goal, *, on: date, sufficient: str, matched_needs: str,
               matched_expectations: str, matched_goals: str, client_comment: str | None = None,
               next_review_date: date | None = None, author_id: int | None = None) -> GoalReview:
    """Record a joint review; the next review date becomes the goal's review date.

    It also keeps the goal's review task: due on the next date, for the responsible worker (the
    reviewer when the client has none); without a next date the open one is done.
    """
    answers = dict(sufficient=sufficient, matched_needs=matched_needs,
                   matched_expectations=matched_expectations, matched_goals=matched_goals)
    for name, answer in answers.items():
        if answer not in ANSWERS:
            raise ValueError(f"unknown answer {answer!r} for {name}")
    if on is None:
        raise ValueError("a review needs a date")
    review = GoalReview(goal_id=goal.id, on=on, client_comment=_clean(client_comment),
                        next_review_date=next_review_date, author_id=author_id, **answers)
    db.session.add(review)
    goal.review_date = next_review_date
    db.session.flush()
    db.session.refresh(goal, ["reviews"])
    audit.record(audit.Action.CREATE, object_type="goal_review", object_id=review.id,
                 client_id=goal.client_id,
                 detail=f"goal={goal.id} next_review={next_review_date or '-'}")
    schedule_goal_review(goal, next_review_date,
                         owner_id=goal.client.responsible_id or author_id, actor_id=author_id)
    return review
