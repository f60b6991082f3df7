"""The follow-up tasks section of the client page: list, add and mark done."""
from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import audit
from ..access import (SIGNED_IN, allow, client_or_404, deny, may_see_task, owned_or_404,
                      sees_all_clients)
from ..extensions import db
from ..htmx import is_fragment, render_section
from ..models import FollowUpTask, TaskStatus
from ..users import peers, workers
from . import bp, services
from .forms import TaskForm, TaskStatusForm
from .texts import task_details, task_title

bp.add_app_template_filter(task_title, "task_title")
bp.add_app_template_filter(task_details, "task_details")

# What a peer supporter may do to a task they own: mark it done, or undo that.
PEER_STATUSES = (TaskStatus.DONE.value, TaskStatus.OPEN.value)


def _task_form(*, fresh: bool = True) -> TaskForm:
    """Build the task form: staff give tasks to anyone, a peer supporter only to themselves."""
    kwargs = {"formdata": None} if fresh else {}
    if sees_all_clients(current_user):
        form = TaskForm(owners=[*workers(), *peers()], **kwargs)
    else:
        form = TaskForm(owners=[current_user], own_only=True, **kwargs)
    if fresh:
        form.owner_id.data = current_user.id
    return form


def _may_change(task, status: str | None = None) -> bool:
    """Tell whether the current user may change this task's status (to `status`)."""
    if sees_all_clients(current_user):
        return True
    return task.owner_id == current_user.id and (status is None or status in PEER_STATUSES)


def _context() -> dict:
    return dict(staff=sees_all_clients(current_user), may_change=_may_change)


def _section(client, form=None, status=200, message=None, error=None, open_form=False):
    """Render the client's tasks, and log the view. The add form (with everyone a task can be
    given to) is built only when shown open: after an error, or `open_form` for a plain link to
    it; closed, it is fetched when opened (`new_form`)."""
    open_tasks = services.open_tasks(client, current_user)
    closed_tasks = services.recently_closed_tasks(client, current_user)
    audit.log_view(client.id, "tasks")
    if form is None and open_form:
        form = _task_form()
    return render_section(client, "tasks/_section.html", status=status,
                          form=form, open_tasks=open_tasks,
                          closed_tasks=closed_tasks, message=message, error=error, **_context())


@bp.route("/clients/<int:client_id>/tasks")
@allow(SIGNED_IN)
def section(client_id: int):
    """Show the client's open tasks, by due date, and the recently closed ones."""
    client = client_or_404(client_id, "tasks")
    return _section(client)


@bp.route("/clients/<int:client_id>/tasks/new")
@allow(SIGNED_IN)
def new_form(client_id: int):
    """An empty task form: alone for htmx (opened in the section), or the section with the form
    open for a plain request."""
    client = client_or_404(client_id, "tasks")
    if not is_fragment():
        return _section(client, open_form=True)
    return render_section(client, "tasks/_task_form.html", form=_task_form(), **_context())


@bp.route("/clients/<int:client_id>/tasks", methods=["POST"])
@allow(SIGNED_IN)
def create(client_id: int):
    """Add a follow-up task for the client."""
    client = client_or_404(client_id, "tasks")
    form = _task_form(fresh=False)
    if not form.validate_on_submit():
        return _section(client, form, 422)
    staff = sees_all_clients(current_user)
    services.create_task(
        client, title=form.title.data, details=form.details.data or None,
        due_date=form.due_date.data,
        owner_id=form.owner_id.data if staff else current_user.id,
        owner_party=form.owner_party.data if staff else None,
        created_by_id=current_user.id)
    db.session.commit()
    message = _("Task added.")
    if is_fragment():
        return _section(client, message=message)
    flash(message, "success")
    return redirect(url_for("tasks.section", client_id=client.id), 303)


@bp.route("/clients/<int:client_id>/tasks/<int:task_id>/status", methods=["POST"])
@allow(SIGNED_IN)
def set_status(client_id: int, task_id: int):
    """Mark a task done or cancelled, or open it again."""
    client = client_or_404(client_id, "tasks")
    task = owned_or_404(FollowUpTask, task_id, client,
                        may=lambda task: may_see_task(task, current_user))
    form = TaskStatusForm()
    if not form.validate_on_submit():
        error = _("Choose done, cancelled or open.")
        if is_fragment():
            return render_template("tasks/_task_row.html", task=task, client=client,
                                   row_error=error, **_context()), 422
        return _section(client, status=422, error=error)
    if not _may_change(task, form.status.data):
        deny(f"task {task.id} status {form.status.data}", client_id=client.id)
        abort(403)
    services.set_task_status(task, form.status.data)
    db.session.commit()
    if is_fragment():
        return render_template("tasks/_task_row.html", task=task, client=client, **_context())
    flash(_("Task updated."), "success")
    return redirect(url_for("tasks.section", client_id=client.id), 303)
