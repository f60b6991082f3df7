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
