"""The Goals section of the client page: list, add, edit, progress entries and reviews."""
from __future__ import annotations

from dataclasses import dataclass

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import audit
from ..feedback import services as feedback_services
from ..feedback.services import wellbeing_areas
from ..access import SIGNED_IN, allow, client_or_404, owned_or_404, sees_all_clients
from ..extensions import db
from ..forms import save_versioned
from ..htmx import is_fragment, render_section
from ..models import OPEN_GOAL_STATUSES, Goal
from ..timeutil import local_today
from . import bp
from . import services
from .forms import GoalEditForm, GoalForm, ProgressForm, review_form, scope_ids


@dataclass
class GoalForms:
    """The forms shown under one goal, and which of them is open (after an error).

    The progress and review forms are built only when shown open; closed, the goal carries a
    link that fetches each (`progress_form_page`, `review_form_page`): built under every goal,
    they were more than half the work of the Goals section.
    """

    progress: ProgressForm | None = None
    review: ReviewForm | None = None
    open: str | None = None
    message: str | None = None


def _blank_review(goal) -> ReviewForm:
    """An empty review form for a goal, never filled from this request."""
    return scope_ids(review_form(wellbeing_areas(), formdata=None), f"goal-{goal.id}-review")


def _blank_progress(goal) -> ProgressForm:
    """An empty progress form for a goal, never filled from this request."""
    return scope_ids(ProgressForm(formdata=None), f"goal-{goal.id}-progress")


def _blank_forms(goal, **kwargs) -> GoalForms:
    """Return the forms under a goal: the one to be shown open (empty, never filled from this
    request) unless given; the others are fetched when opened."""
    forms = GoalForms(**kwargs)
    if forms.open == "progress" and forms.progress is None:
        forms.progress = _blank_progress(goal)
    if forms.open == "review" and forms.review is None:
        forms.review = _blank_review(goal)
    return forms


def _edit_form(goal, formdata=None) -> GoalEditForm:
    """Return the edit form of a goal, filled from the goal or from what was sent."""
    form = GoalEditForm(formdata=formdata, obj=goal if formdata is None else None)
    if formdata is None:
        form.life_area.data = goal.life_area or ""
        form.version.data = str(goal.version)
    return scope_ids(form, f"goal-{goal.id}")


def _shared() -> dict:
    """Return what every goals template needs besides the goals themselves."""
    return {"can_manage": sees_all_clients(current_user), "today": local_today(),
            "open_statuses": OPEN_GOAL_STATUSES}


def _new_goal_form() -> GoalForm:
    return scope_ids(GoalForm(formdata=None), "goal-new")


def _section(client, status: int = 200, *, new_form=None, forms=None, editing=None,
             stale=False, message=None, open_form=False):
    """Render the whole Goals section, with any forms that carry errors in their place.

    The form to add a goal is built only when shown open: after an error, for a client without
    goals yet, or `open_form` for a plain link to it; closed, it is fetched when opened
    (`new_form`)."""
    current, closed = services.list_goals(client.id)
    forms = forms or {}
    goal_forms = {goal.id: forms.get(goal.id) or _blank_forms(goal)
                  for goal in [*current, *closed]}
    can_manage = sees_all_clients(current_user)
    if can_manage and new_form is None and (open_form or not (current or closed)):
        new_form = _new_goal_form()
    audit.log_view(client.id, "goals")
    voice = feedback_services.client_voice(client.id, staff=can_manage)
    return render_section(client, "goals/_section.html", status, current_goals=current, voice=voice,
                          closed_goals=closed, new_form=new_form if can_manage else None,
                          may_add=can_manage,
                          goal_forms=goal_forms, editing=editing or {}, stale=stale,
                          message=message, **_shared())


def _goal(client, goal, status: int = 200, *, forms: GoalForms | None = None):
    """Render one goal for htmx, or the whole section for a plain request."""
    forms = forms or _blank_forms(goal)
    if not is_fragment():
        return _section(client, status, forms={goal.id: forms})
    audit.log_view(client.id, "goal", goal.id)
    return render_section(client, "goals/_goal.html", status, goal=goal,
                          goal_forms={goal.id: forms}, **_shared())


def _done(client, goal, message: str):
    """Answer a successful change: the fresh goal for htmx, a redirect for a plain form."""
    if is_fragment():
        return _goal(client, goal, forms=_blank_forms(goal, message=message))
    flash(message, "success")
    return redirect(url_for("goals.section", client_id=client.id, _anchor=f"goal-{goal.id}"), 303)


@bp.route("/clients/<int:client_id>/goals")
@allow(SIGNED_IN)
def section(client_id: int):
    """Show the client's goals, current ones first."""
    client = client_or_404(client_id, "goals")
    return _section(client)


@bp.route("/clients/<int:client_id>/goals/new")
@allow(SIGNED_IN)
def new_form(client_id: int):
    """An empty form to add a goal: alone for htmx (opened in the section), or the section with
    the form open for a plain request. Asked as `create` asks: only who may add a goal."""
    client = client_or_404(client_id, "goals", write=True)
    if not is_fragment():
        return _section(client, open_form=True)
    return render_section(client, "goals/_goal_form.html", goal=None, form=_new_goal_form(),
                          **_shared())


@bp.route("/clients/<int:client_id>/goals", methods=["POST"])
@allow(SIGNED_IN)
def create(client_id: int):
    """Add a goal."""
    client = client_or_404(client_id, "goals", write=True)
    form = scope_ids(GoalForm(), "goal-new")
    if not form.validate_on_submit():
        return _section(client, 422, new_form=form)
    goal = services.create_goal(client, created_by_id=current_user.id, **form.goal_data())
    db.session.commit()
    message = _("Goal added.")
    if is_fragment():
        return _section(client, message=message)
    flash(message, "success")
    return redirect(url_for("goals.section", client_id=client.id, _anchor=f"goal-{goal.id}"), 303)


@bp.route("/clients/<int:client_id>/goals/<int:goal_id>/edit", methods=["GET", "POST"])
@allow(SIGNED_IN)
def edit(client_id: int, goal_id: int):
    """Change a goal in place; a save over someone else's newer save is refused."""
    client = client_or_404(client_id, "goals", write=True)
    goal = owned_or_404(Goal, goal_id, client, options=services.WITH_HISTORY)
    if request.method == "GET":
        return _edit_page(client, goal, _edit_form(goal))
    form = _edit_form(goal, formdata=request.form)
    if not form.validate_on_submit():
        if form.version.errors:
            form.form_errors.extend(form.version.errors)
        return _edit_page(client, goal, form, 422)
    if save_versioned(
            form, lambda version: services.update_goal(goal, form.goal_data(), version),
            stale_message=_("Someone else changed this goal while you were editing. Your changes "
                            "are still in the form: compare them with the saved goal below and "
                            "save again."),
            current_version=lambda: owned_or_404(Goal, goal_id, client).version):
        return _done(client, goal, _("Changes saved."))
    goal = owned_or_404(Goal, goal_id, client, options=services.WITH_HISTORY)
    return _edit_page(client, goal, form, 422, stale=True)


def _edit_page(client, goal, form, status: int = 200, stale: bool = False):
    """Render the edit form in the goal's place: alone for htmx, inside the section otherwise."""
    if not is_fragment():
        return _section(client, status, editing={goal.id: form}, stale=stale)
    audit.log_view(client.id, "goal", goal.id)
    return render_section(client, "goals/_goal_form.html", status, goal=goal, form=form,
                          stale=stale)


@bp.route("/clients/<int:client_id>/goals/<int:goal_id>/progress", methods=["POST"])
@allow(SIGNED_IN)
def add_progress(client_id: int, goal_id: int):
    """Note a step along the way; peers allowed the goals section may do this too."""
    client = client_or_404(client_id, "goals")
    goal = owned_or_404(Goal, goal_id, client, options=services.WITH_HISTORY)
    form = scope_ids(ProgressForm(), f"goal-{goal.id}-progress")
    if not form.validate_on_submit():
        return _goal(client, goal, 422, forms=_blank_forms(goal, open="progress", progress=form))
    services.add_progress(goal, on=form.on.data, note=form.note.data, author_id=current_user.id)
    db.session.commit()
    return _done(client, goal, _("Progress saved."))


@bp.route("/clients/<int:client_id>/goals/<int:goal_id>/progress")
@allow(SIGNED_IN)
def progress_form_page(client_id: int, goal_id: int):
    """The progress form of one goal: alone for htmx (opened under the goal), or the section
    with the form open under its goal for a plain request."""
    client = client_or_404(client_id, "goals")
    goal = owned_or_404(Goal, goal_id, client)
    forms = _blank_forms(goal, open="progress")
    if not is_fragment():
        return _section(client, forms={goal.id: forms})
    return render_section(client, "goals/_progress_form.html", goal=goal,
                          goal_forms={goal.id: forms})


@bp.route("/clients/<int:client_id>/goals/<int:goal_id>/review")
@allow(SIGNED_IN)
def review_form_page(client_id: int, goal_id: int):
    """The review form of one goal: alone for htmx (opened under the goal), or the section
    with the form open under its goal for a plain request."""
    client = client_or_404(client_id, "goals")
    goal = owned_or_404(Goal, goal_id, client, options=services.WITH_HISTORY)
    forms = _blank_forms(goal, open="review")
    if not is_fragment():
        return _section(client, forms={goal.id: forms})
    return render_section(client, "goals/_review_form.html", goal=goal,
                          goal_forms={goal.id: forms})


@bp.route("/clients/<int:client_id>/goals/<int:goal_id>/review", methods=["POST"])
@allow(SIGNED_IN)
def add_review(client_id: int, goal_id: int):
    """Record a joint review with the client; its next review date becomes the goal's."""
    client = client_or_404(client_id, "goals")
    goal = owned_or_404(Goal, goal_id, client, options=services.WITH_HISTORY)
    form = scope_ids(review_form(wellbeing_areas()), f"goal-{goal.id}-review")
    if not form.validate_on_submit():
        return _goal(client, goal, 422, forms=_blank_forms(goal, open="review", review=form))
    review = services.add_review(goal, on=form.on.data, sufficient=form.sufficient.data,
                        matched_needs=form.matched_needs.data,
                        matched_expectations=form.matched_expectations.data,
                        matched_goals=form.matched_goals.data,
                        client_comment=form.client_comment.data,
                        next_review_date=form.next_review_date.data, author_id=current_user.id)
    feedback_services.record_wellbeing(client.id, form.on.data, form.wellbeing_scores(),
                                       review_id=review.id, author_id=current_user.id)
    db.session.commit()
    return _done(client, goal, _("Review saved."))
