"""Follow-up tasks: the one place every feature (workers, goals, meetings, errands) adds them."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from .. import audit
from ..access import visible_tasks_filter
from ..extensions import db
from ..models import Client, FollowUpTask, Goal, TaskStatus
from ..timeutil import utcnow
from .texts import KINDS


def create_task(client: Client, *, title: str | None = None, kind: str | None = None,
                params: dict | None = None, due_date: date | None = None,
                owner_id: int | None = None, owner_party: str | None = None,
                details: str | None = None, source: str = "manual", source_id: int | None = None,
                created_by_id: int | None = None) -> FollowUpTask:
    """Add a follow-up task for a client and log it.

    Give `title` for words a person typed; the app's own tasks give `kind` (see tasks/texts.py)
    and its `params` instead, so that each reader reads them in their own language.
    """
    if kind is not None and kind not in KINDS:
        raise ValueError(f"unknown task kind {kind!r}")
    if kind is None and not (title or "").strip():
        raise ValueError("a task needs a title or a kind")
    task = FollowUpTask(client_id=client.id, title="" if kind else title.strip()[:300],
                        kind=kind, params=params or None, due_date=due_date,
                        owner_id=owner_id, owner_party=(owner_party or "").strip() or None,
                        details=details, source=source, source_id=source_id,
                        created_by_id=created_by_id)
    db.session.add(task)
    db.session.flush()
    audit.record(audit.Action.CREATE, object_type="task", object_id=task.id, client_id=client.id,
                 detail=f"source={source}" + (f" kind={kind}" if kind else ""))
    return task


def schedule_goal_review(goal: Goal, on: date | None, *, owner_id: int | None,
                         actor_id: int | None) -> FollowUpTask | None:
    """Keep one open review task per goal, due on the goal's next review date.

    A next date makes the task or moves the open one (to the current owner too); no next date
    marks the open one done, since the review it asked for has just been held.
    """
    task = db.session.scalars(
        select(FollowUpTask).where(FollowUpTask.client_id == goal.client_id,
                                   FollowUpTask.source == "goal_review",
                                   FollowUpTask.source_id == goal.id,
                                   FollowUpTask.status == TaskStatus.OPEN.value)
        .order_by(FollowUpTask.id)).first()
    params = {"goal": _short(goal.text)}
    if on is None:
        if task is not None:
            set_task_status(task, TaskStatus.DONE.value)
        return None
    if task is None:
        return create_task(goal.client, kind="goal_review", params=params, due_date=on,
                           owner_id=owner_id, source="goal_review", source_id=goal.id,
                           created_by_id=actor_id)
    task.due_date, task.owner_id, task.owner_party, task.params = on, owner_id, None, params
    db.session.flush()
    audit.record(audit.Action.UPDATE, object_type="task", object_id=task.id,
                 client_id=task.client_id, detail=f"due={on.isoformat()}")
    return task


def _short(text: str, limit: int = 80) -> str:
    """Cut a long text at a word for a task's title."""
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + "…"


def set_task_status(task: FollowUpTask, status: str) -> FollowUpTask:
    """Mark a task done, cancelled or open again."""
    task.status = TaskStatus(status).value
    task.done_at = utcnow() if status == TaskStatus.DONE.value else None
    db.session.flush()
    audit.record(audit.Action.UPDATE, object_type="task", object_id=task.id,
                 client_id=task.client_id, detail=f"status={status}")
    return task


def _visible_to(query, viewer):
    """Limit a task query to the tasks the viewer may see (access.py decides)."""
    condition = visible_tasks_filter(viewer)
    return query if condition is None else query.where(condition)


# What the home page shows of a task due (`task_title` reads the kind, title and params).
_DUE_COLUMNS = (FollowUpTask.id, FollowUpTask.client_id, FollowUpTask.due_date, FollowUpTask.kind,
                FollowUpTask.title, FollowUpTask.params, FollowUpTask.source,
                FollowUpTask.source_id, Client.display_name)


def due_tasks_for(user, today: date, *, days: int = 7, limit: int = 50):
    """Return the user's open tasks that are overdue or due within `days`, earliest first.

    A peer supporter gets only those of clients who let them see where the task came from.
    Rows of what the home page shows (`_DUE_COLUMNS`), not task and client objects.
    """
    return db.session.execute(_visible_to(
        select(*_DUE_COLUMNS).join(Client, Client.id == FollowUpTask.client_id)
        .where(FollowUpTask.owner_id == user.id, FollowUpTask.status == TaskStatus.OPEN.value,
               FollowUpTask.due_date.is_not(None),
               FollowUpTask.due_date <= today + timedelta(days=days)), user)
        .order_by(FollowUpTask.due_date, FollowUpTask.id)
        .limit(limit)
    ).all()


RECENT_CLOSED = 20


def open_tasks(client: Client, viewer) -> list[FollowUpTask]:
    """Return the client's open tasks the viewer may see, earliest due first, undated last."""
    from sqlalchemy.orm import joinedload

    return db.session.scalars(_visible_to(
        select(FollowUpTask).options(joinedload(FollowUpTask.owner))
        .where(FollowUpTask.client_id == client.id, FollowUpTask.status == TaskStatus.OPEN.value),
        viewer)
        .order_by(FollowUpTask.due_date.is_(None), FollowUpTask.due_date, FollowUpTask.id)
    ).all()


def recently_closed_tasks(client: Client, viewer, limit: int = RECENT_CLOSED) -> list[FollowUpTask]:
    """Return the client's latest done or cancelled tasks the viewer may see, newest first."""
    from sqlalchemy import func
    from sqlalchemy.orm import joinedload

    return db.session.scalars(_visible_to(
        select(FollowUpTask).options(joinedload(FollowUpTask.owner))
        .where(FollowUpTask.client_id == client.id, FollowUpTask.status != TaskStatus.OPEN.value),
        viewer)
        .order_by(func.coalesce(FollowUpTask.done_at, FollowUpTask.created_at).desc(),
                  FollowUpTask.id.desc())
        .limit(limit)
    ).all()
