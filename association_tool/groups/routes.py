"""Groups and their sessions, helper hours, and the funded activities (administrators)."""
from __future__ import annotations

from datetime import timedelta

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .. import audit
from ..access import ADMIN, STAFF, allow, record_or_404
from ..extensions import db
from ..forms import save_versioned
from ..models.groups import FundedActivity, Group, GroupSession, HelperHours, SessionParticipant
from ..timeutil import local_today
from . import bp, services
from .forms import (BASIS_LABELS, HELPER_KIND_LABELS, KIND_LABELS, ActivityEditForm,
                    ActivityForm, GroupForm, HoursForm, SessionForm)

_MESSAGES = {
    "name_taken": lambda: _("There is already an activity with this name."),
    "activity": lambda: _("Choose an activity from the list."),
    "helper": lambda: _("Choose someone from the list."),
    "client": lambda: _("This client cannot be added."),
}
STALE = lambda: _("Someone else changed this while you were editing. Your text is still here: "  # noqa: E731
                  "check it and save again.")


def _fail(form, error: services.GroupError) -> None:
    field = getattr(form, error.field or "", None)
    message = _MESSAGES.get(error.code, lambda: error.code)()
    if field is not None:
        field.errors = list(field.errors) + [message]
    else:
        form.form_errors.append(message)


def _labels():
    return dict(kind_labels=KIND_LABELS, basis_labels=BASIS_LABELS,
                helper_kind_labels=HELPER_KIND_LABELS)


def _session_of(group: Group, session_id: int) -> GroupSession:
    session = record_or_404(GroupSession, session_id)
    if session.group_id != group.id:
        from flask import abort
        abort(404)
    return session


# --- groups -------------------------------------------------------------------------------------

@bp.route("/groups")
@allow(STAFF)
def index():
    """The association's groups, those still meeting first."""
    groups = db.session.scalars(select(Group).options(selectinload(Group.activity))
                                .order_by(Group.archived, Group.name)).all()
    counts = services.session_counts(g.id for g in groups)
    return render_template("groups/index.html", groups=groups, counts=counts, **_labels())


def _group_form(group=None, formdata=None) -> GroupForm:
    kwargs = dict(activity_choices=services.activity_choices(
        keep=group.activity_id if group else None, blank=_("None")), editing=group is not None)
    if formdata is not None:
        return GroupForm(formdata, **kwargs)
    form = GroupForm(formdata=None, obj=group, **kwargs)
    if group is not None:
        form.version.data = str(group.version)
    return form


@bp.route("/groups/new", methods=["GET", "POST"])
@allow(STAFF)
def new():
    """Start a new group."""
    if request.method == "GET":
        return render_template("groups/group_form.html", form=_group_form(), group=None)
    form = _group_form(formdata=request.form)
    if form.validate_on_submit():
        try:
            group = services.create_group(form.values())
            db.session.commit()
        except services.GroupError as error:
            db.session.rollback()
            _fail(form, error)
        else:
            flash(_("Group added."), "success")
            return redirect(url_for("groups.show", group_id=group.id), 303)
    return render_template("groups/group_form.html", form=form, group=None), 422


@bp.route("/groups/<int:group_id>")
@allow(STAFF)
def show(group_id: int):
    """A group and its sessions (head counts only: names are on each session's page)."""
    group = record_or_404(Group, group_id)
    sessions = db.session.scalars(select(GroupSession).where(GroupSession.group_id == group.id)
                                  .order_by(GroupSession.on.desc(), GroupSession.id.desc())).all()
    named = dict(db.session.execute(
        select(SessionParticipant.session_id, db.func.count())
        .where(SessionParticipant.session_id.in_([s.id for s in sessions]))
        .group_by(SessionParticipant.session_id)).all())
    return render_template("groups/show.html", group=group, sessions=sessions, named=named,
                           **_labels())


@bp.route("/groups/<int:group_id>/edit", methods=["GET", "POST"])
@allow(STAFF)
def edit(group_id: int):
    """Change a group's name, kind or activity, or mark that it no longer meets."""
    group = record_or_404(Group, group_id)
    if request.method == "GET":
        return render_template("groups/group_form.html", form=_group_form(group), group=group)
    form = _group_form(group, formdata=request.form)
    if form.validate_on_submit() and save_versioned(
            form, lambda version: services.update_group(group, form.values(), version=version),
            errors=services.GroupError, on_error=_fail, stale_message=STALE(),
            current_version=lambda: record_or_404(Group, group_id).version):
        flash(_("Changes saved."), "success")
        return redirect(url_for("groups.show", group_id=group.id), 303)
    return render_template("groups/group_form.html", form=form, group=group), 422


# --- sessions -----------------------------------------------------------------------------------

@bp.route("/groups/<int:group_id>/sessions/new", methods=["GET", "POST"])
@allow(STAFF)
def new_session(group_id: int):
    """Record a session of the group."""
    group = record_or_404(Group, group_id)
    if request.method == "GET":
        form = SessionForm(formdata=None)
        form.on.data = local_today()
        return render_template("groups/session_form.html", form=form, group=group, session=None)
    form = SessionForm(request.form)
    if form.validate_on_submit():
        session = services.create_session(group, form.values(), actor=current_user)
        db.session.commit()
        flash(_("Session added. Add the participants and the hours of those who ran it."), "success")
        return redirect(url_for("groups.session", group_id=group.id, session_id=session.id), 303)
    return render_template("groups/session_form.html", form=form, group=group, session=None), 422


@bp.route("/groups/<int:group_id>/sessions/<int:session_id>/edit", methods=["GET", "POST"])
@allow(STAFF)
def edit_session(group_id: int, session_id: int):
    """Correct a session's date or head count."""
    group = record_or_404(Group, group_id)
    session = _session_of(group, session_id)
    if request.method == "GET":
        form = SessionForm(formdata=None, obj=session, editing=True)
        form.version.data = str(session.version)
        return render_template("groups/session_form.html", form=form, group=group, session=session)
    form = SessionForm(request.form, editing=True)
    if form.validate_on_submit() and save_versioned(
            form, lambda version: services.update_session(session, form.values(), version=version),
            stale_message=STALE(),
            current_version=lambda: record_or_404(GroupSession, session_id).version):
        flash(_("Changes saved."), "success")
        return redirect(url_for("groups.session", group_id=group.id, session_id=session.id), 303)
    return render_template("groups/session_form.html", form=form, group=group,
                           session=session), 422


def _hours_form(formdata=None, on=None) -> HoursForm:
    kwargs = dict(helper_choices=[("", "")] + [(str(u.id), u.name) for u in services.helpers()],
                  activity_choices=services.activity_choices(blank=_("None")))
    if formdata is not None:
        return HoursForm(formdata, **kwargs)
    form = HoursForm(formdata=None, **kwargs)
    form.on.data = on or local_today()
    return form


def _session_page(group, session, hours_form=None, status=200):
    participants = db.session.scalars(
        select(SessionParticipant).where(SessionParticipant.session_id == session.id)
        .options(selectinload(SessionParticipant.client))).all()
    participants.sort(key=lambda p: (p.client.display_name.lower(), p.id))
    search = (request.args.get("q") or "")[:100]
    found = services.candidates(session, search)
    audit.log_views([p.client_id for p in participants] + [c.id for c in found], "group session")
    hours = db.session.scalars(select(HelperHours).where(HelperHours.session_id == session.id)
                               .options(selectinload(HelperHours.user))
                               .order_by(HelperHours.id)).all()
    return render_template(
        "groups/session.html", group=group, session=session, participants=participants,
        search=search, found=found, hours=hours,
        hours_form=hours_form or _hours_form(on=session.on), **_labels()), status


@bp.route("/groups/<int:group_id>/sessions/<int:session_id>")
@allow(STAFF)
def session(group_id: int, session_id: int):
    """A session: who took part, the head count, and the hours of those who ran it."""
    group = record_or_404(Group, group_id)
    return _session_page(group, _session_of(group, session_id))


@bp.route("/groups/<int:group_id>/sessions/<int:session_id>/participants", methods=["POST"])
@allow(STAFF)
def add_participant(group_id: int, session_id: int):
    """Name a client who took part."""
    group = record_or_404(Group, group_id)
    session = _session_of(group, session_id)
    try:
        client_id = int(request.form.get("client_id", ""))
    except ValueError:
        client_id = 0
    try:
        services.add_participant(session, client_id)
        db.session.commit()
    except services.GroupError:
        db.session.rollback()
        flash(_("This client cannot be added."), "error")
    return redirect(url_for("groups.session", group_id=group.id, session_id=session.id), 303)


@bp.route("/groups/<int:group_id>/sessions/<int:session_id>/participants/<int:participant_id>/remove",
          methods=["POST"])
@allow(STAFF)
def remove_participant(group_id: int, session_id: int, participant_id: int):
    """Take a participant off the session."""
    group = record_or_404(Group, group_id)
    session = _session_of(group, session_id)
    participant = record_or_404(SessionParticipant, participant_id)
    if participant.session_id != session.id:
        from flask import abort
        abort(404)
    services.remove_participant(participant)
    db.session.commit()
    return redirect(url_for("groups.session", group_id=group.id, session_id=session.id), 303)


@bp.route("/groups/<int:group_id>/sessions/<int:session_id>/hours", methods=["POST"])
@allow(STAFF)
def add_session_hours(group_id: int, session_id: int):
    """Record the hours of a peer supporter or volunteer who ran the session."""
    group = record_or_404(Group, group_id)
    session = _session_of(group, session_id)
    form = _hours_form(formdata=request.form)
    if form.validate_on_submit():
        values = form.values()
        if values["activity_id"] is None:
            values["activity_id"] = group.activity_id
        try:
            services.add_hours(values, actor=current_user, session=session)
            db.session.commit()
        except services.GroupError as error:
            db.session.rollback()
            _fail(form, error)
        else:
            flash(_("Hours recorded."), "success")
            return redirect(url_for("groups.session", group_id=group.id, session_id=session.id), 303)
    return _session_page(group, session, hours_form=form, status=422)


# --- hours outside groups -----------------------------------------------------------------------

def _hours_page(form=None, status=200):
    since = local_today() - timedelta(days=90)
    entries = db.session.scalars(
        select(HelperHours).where(HelperHours.on >= since)
        .options(selectinload(HelperHours.user), selectinload(HelperHours.activity))
        .order_by(HelperHours.on.desc(), HelperHours.id.desc()).limit(200)).all()
    return render_template("groups/hours.html", hours_form=form or _hours_form(), entries=entries,
                           since=since, **_labels()), status


@bp.route("/hours", methods=["GET", "POST"])
@allow(STAFF)
def hours():
    """Hours of peer supporters and volunteers, in groups or elsewhere."""
    if request.method == "GET":
        return _hours_page()
    form = _hours_form(formdata=request.form)
    if form.validate_on_submit():
        try:
            services.add_hours(form.values(), actor=current_user)
            db.session.commit()
        except services.GroupError as error:
            db.session.rollback()
            _fail(form, error)
        else:
            flash(_("Hours recorded."), "success")
            return redirect(url_for("groups.hours"), 303)
    return _hours_page(form, 422)


@bp.route("/hours/<int:hours_id>/remove", methods=["POST"])
@allow(STAFF)
def remove_hours(hours_id: int):
    """Remove an entry of hours recorded by mistake."""
    entry = record_or_404(HelperHours, hours_id)
    back = (url_for("groups.session", group_id=entry.session.group_id, session_id=entry.session_id)
            if entry.session_id else url_for("groups.hours"))
    services.remove_hours(entry)
    db.session.commit()
    flash(_("Hours removed."), "success")
    return redirect(back, 303)


# --- funded activities (administrators) ---------------------------------------------------------

@bp.route("/admin/activities", methods=["GET", "POST"])
@allow(ADMIN)
def activities():
    """The association's funded activities, and a new one."""
    form = ActivityForm(request.form if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                services.create_activity(form.name.data)
                db.session.commit()
            except services.GroupError as error:
                db.session.rollback()
                _fail(form, error)
            else:
                flash(_("Activity added."), "success")
                return redirect(url_for("groups.activities"), 303)
        status = 422
    rows = db.session.scalars(select(FundedActivity).order_by(FundedActivity.archived,
                                                              FundedActivity.name)).all()
    return render_template("groups/activities.html", form=form, activities=rows), status


@bp.route("/admin/activities/<int:activity_id>/edit", methods=["GET", "POST"])
@allow(ADMIN)
def edit_activity(activity_id: int):
    """Rename an activity, or mark it no longer in use."""
    activity = record_or_404(FundedActivity, activity_id)
    if request.method == "GET":
        form = ActivityEditForm(formdata=None, obj=activity)
        form.version.data = str(activity.version)
        return render_template("groups/activity_form.html", form=form, activity=activity)
    form = ActivityEditForm(request.form)
    if form.validate_on_submit() and save_versioned(
            form, lambda version: services.update_activity(activity, form.values(), version=version),
            errors=services.GroupError, on_error=_fail, stale_message=STALE(),
            current_version=lambda: record_or_404(FundedActivity, activity_id).version):
        flash(_("Changes saved."), "success")
        return redirect(url_for("groups.activities"), 303)
    return render_template("groups/activity_form.html", form=form, activity=activity), 422
