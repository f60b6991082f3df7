"""Follow-up tasks: the one place every feature (workers, goals, meetings, errands) adds them."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from .. import audit
from ..extensions import db
from ..models import Client, FollowUpTask, TaskStatus
from ..timeutil import utcnow


def create_task(client: Client, *, title: str, due_date: date | None = None,
                owner_id: int | None = None, owner_party: str | None = None,
                details: str | None = None, source: str = "manual", source_id: int | None = None,
                created_by_id: int | None = None) -> FollowUpTask:
    """Add a follow-up task for a client and log it."""
    task = FollowUpTask(client_id=client.id, title=title.strip()[:300], due_date=due_date,
                        owner_id=owner_id, owner_party=(owner_party or "").strip() or None,
                        details=details, source=source, source_id=source_id,
                        created_by_id=created_by_id)
    db.session.add(task)
    db.session.flush()
    audit.record(audit.Action.CREATE, object_type="task", object_id=task.id, client_id=client.id,
                 detail=f"source={source}")
    return task


def set_task_status(task: FollowUpTask, status: str) -> FollowUpTask:
    """Mark a task done, cancelled or open again."""
    task.status = TaskStatus(status).value
    task.done_at = utcnow() if status == TaskStatus.DONE.value else None
    db.session.flush()
    audit.record(audit.Action.UPDATE, object_type="task", object_id=task.id,
                 client_id=task.client_id, detail=f"status={status}")
    return task


def due_tasks_for(user_id: int, today: date, *, days: int = 7, limit: int = 50):
    """Return the user's open tasks that are overdue or due within `days`, earliest first."""
    from sqlalchemy.orm import joinedload

    return db.session.scalars(
        select(FollowUpTask)
        .options(joinedload(FollowUpTask.client))
        .where(FollowUpTask.owner_id == user_id, FollowUpTask.status == TaskStatus.OPEN.value,
               FollowUpTask.due_date.is_not(None),
               FollowUpTask.due_date <= today + timedelta(days=days))
        .order_by(FollowUpTask.due_date, FollowUpTask.id)
        .limit(limit)
    ).all()


RECENT_CLOSED = 20


def open_tasks(client: Client) -> list[FollowUpTask]:
    """Return the client's open tasks, earliest due first, those without a date last."""
    from sqlalchemy.orm import joinedload

    return db.session.scalars(
        select(FollowUpTask).options(joinedload(FollowUpTask.owner))
        .where(FollowUpTask.client_id == client.id, FollowUpTask.status == TaskStatus.OPEN.value)
        .order_by(FollowUpTask.due_date.is_(None), FollowUpTask.due_date, FollowUpTask.id)
    ).all()


def recently_closed_tasks(client: Client, limit: int = RECENT_CLOSED) -> list[FollowUpTask]:
    """Return the client's latest done or cancelled tasks, newest first."""
    from sqlalchemy import func
    from sqlalchemy.orm import joinedload

    return db.session.scalars(
        select(FollowUpTask).options(joinedload(FollowUpTask.owner))
        .where(FollowUpTask.client_id == client.id, FollowUpTask.status != TaskStatus.OPEN.value)
        .order_by(func.coalesce(FollowUpTask.done_at, FollowUpTask.created_at).desc(),
                  FollowUpTask.id.desc())
        .limit(limit)
    ).all()


def client_task(client: Client, task_id: int) -> FollowUpTask | None:
    """Return the task if it belongs to this client, else None."""
    if not 0 < task_id < 2**31:
        return None
    task = db.session.get(FollowUpTask, task_id)
    return task if task is not None and task.client_id == client.id else None
