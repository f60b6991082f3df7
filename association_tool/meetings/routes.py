"""Network meetings on the client page: plan, record, approve, addenda and the printed minutes."""
from __future__ import annotations

from flask import flash, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import FieldList

from .. import audit
from ..access import SIGNED_IN, STAFF, allow, client_or_404, owned_or_404, sees_all_clients
from ..extensions import db
from ..forms import save_versioned, version_of
from ..htmx import render_section, see_other
from ..i18n import time_of_day
from ..models.meetings import NetworkMeeting
from ..pdf import pdf_response, render_pdf
from ..settings import letterhead
from ..timeutil import local_today
from ..users import active_users, conveners
from . import bp, services
from .forms import AddendumForm, ApproveForm, MinutesForm, PlanForm, PrintForm
from .services import MAX_ROWS, MeetingError, MeetingLocked

_MESSAGES = {
    "meeting_date": _l("Give the date of the meeting."),
    "method": _l("Choose a method."),
    "place_or_link": _l("Give a place or a remote meeting link."),
    "remote_link": _l("A remote meeting link starts with https://"),
    "too_long": _l("This is too long."),
    "convener": _l("Choose the convener from the list."),
    "invitee": _l("Choose the invitees from the list."),
    "participant": _l("This participant is not in this meeting. Reload the page."),
    "participant_name": _l("Write the participant's name."),
    "presence": _l("Choose whether they took part."),
    "action": _l("This action is not in this meeting. Reload the page."),
    "action_what": _l("Write what is done."),
    "action_two_owners": _l("Choose a user or write an outside party, not both."),
    "action_owner": _l("Choose who does it, or write the outside party's name."),
    "action_due": _l("Give the date by which it is done."),
    "next_date": _l("Give a valid date."),
    "contents": _l("Choose at least one part for the printed minutes."),
    "next_before_meeting": _l("The next meeting cannot be before this one."),
    "not_recorded": _l("Write the minutes before approving them."),
    "approve_before_meeting": _l("Minutes can be approved on the day of the meeting at the "
                                 "earliest."),
    "addendum_not_approved": _l("Addenda are added to approved minutes. Until then, edit the "
                                "minutes themselves."),
    "addendum_text": _l("Write the addendum."),
    "addendum_on": _l("Give the date of the addendum."),
    "in_future": _l("The date cannot be in the future."),
    "addendum_before_meeting": _l("An addendum cannot be dated before the meeting."),
    "addendum_before_approval": _l("An addendum is written after the minutes were approved: it "
                                   "cannot be dated before the approval."),
}
LOCKED = _l("The minutes are approved and can no longer be changed. Corrections are added as "
            "addenda.")
STALE = _l("Someone else changed this meeting while you were editing. Your text is still here: "
           "check it and save again.")
NOT_WRITTEN = _l("The minutes have not been written yet.")


# --- helpers ------------------------------------------------------------------------------------

def _viewed(client, meeting):
    """Log the view of the meeting, and return it."""
    audit.log_view(client.id, "network_meeting", meeting.id)
    return meeting




def _field(form, path: str | None):
    """Find a field by its name, also inside the rows of a FieldList."""
    if not path:
        return None
    for field in form:
        if field.name == path:
            return field
        if isinstance(field, FieldList):
            for entry in field:
                for sub in entry:
                    if sub.name == path:
                        return sub
    return None


def _fail(form, error: MeetingError) -> None:
    """Put each problem next to its field, or at the top of the form."""
    for code, path in error.problems:
        message = str(_MESSAGES.get(code, code))
        field = _field(form, path)
        if field is not None:
            if message not in field.errors:
                field.errors = list(field.errors) + [message]
        else:
            form.form_errors.append(message)
    if not form.form_errors:
        form.form_errors.append(_("Please check the fields marked below."))


def _page(client, template: str, status: int = 200, **context):
    return render_section(client, template, status, staff=sees_all_clients(current_user),
                          **context)


def _show(client, meeting, status: int = 200, *, error=None, approve_form=None,
          addendum_form=None, print_form=None, confirm_approve=False):
    """The meeting page: the plan, the minutes, addenda, and (staff) the distribution check."""
    staff = sees_all_clients(current_user)
    listed = left_out = None
    if staff:
        listed, left_out = services.distribution(meeting, local_today())
    if approve_form is None and staff and meeting.status == "recorded":
        approve_form = ApproveForm(formdata=None)
        approve_form.version.data = str(meeting.version)
    if addendum_form is None and staff and meeting.approved:
        addendum_form = AddendumForm(formdata=None)
    if print_form is None and meeting.status != "planned":
        print_form = PrintForm(formdata=None, distribution=staff and meeting.approved)
        print_form.lang.data = services.meeting_language(client)
    return _page(client, "meetings/_meeting.html", status, meeting=meeting, error=error,
                 listed=listed, left_out=left_out, scopes=services.minutes_scopes(meeting),
                 approve_form=approve_form, addendum_form=addendum_form, print_form=print_form,
                 confirm_approve=confirm_approve,
                 printed_on=local_today(), language=services.meeting_language(client))


def _locked(client, meeting):
    """Answer an attempt to change approved minutes: nothing changed, and why."""
    db.session.rollback()
    meeting = owned_or_404(NetworkMeeting, meeting.id, client, options=services.WITH_ROWS)
    return _show(client, meeting, 409, error=LOCKED)


def _plan_form(client, meeting=None, formdata=None) -> PlanForm:
    users = active_users()
    convening = conveners()
    members = services.invitable_members(client)
    if meeting is not None:
        # Compare ids: Flask-Login's UserMixin compares users by session key, not by identity.
        known = {u.id for u in users}
        users += [p.user for p in meeting.participants
                  if p.kind == "user" and p.user is not None and p.user_id not in known]
        if meeting.convener is not None and meeting.convener_id not in {u.id for u in convening}:
            convening = [meeting.convener] + convening
    kwargs = dict(members=members, users=users, conveners=convening, editing=meeting is not None)
    if formdata is not None:
        return PlanForm(formdata, **kwargs)
    form = PlanForm(formdata=None, obj=meeting, **kwargs)
    if meeting is None:
        form.convener_id.data = current_user.id
        form.invite_users.data = [current_user.id]
    else:
        form.version.data = str(meeting.version)
        form.invite_members.data = [p.member_id for p in meeting.participants
                                    if p.kind == "member" and p.member_id]
        form.invite_users.data = [p.user_id for p in meeting.participants
                                  if p.kind == "user" and p.user_id]
    return form


def _owners(meeting) -> list:
    owners = active_users()
    known = {u.id for u in owners}
    owners += [a.owner for a in meeting.actions if a.owner is not None and a.owner_id not in known]
    return owners


def _minutes_form(client, meeting, formdata=None) -> MinutesForm:
    """The minutes form: from what was sent, or from the meeting with a few blank rows."""
    if formdata is not None:
        return MinutesForm(formdata, owners=_owners(meeting))
    people = [{"id": p.id, "name": p.name, "role": p.role, "organisation": p.organisation,
               "presence": p.presence if p.presence != "invited" else "present",
               "concerns": p.concerns, "resources": p.resources, "feedback": p.feedback}
              for p in meeting.participants]
    people.append({"presence": "present"})
    actions = [{"id": a.id, "owner_id": a.owner_id, "owner_party": a.owner_party, "what": a.what,
                "with_whom": a.with_whom, "due_date": a.due_date} for a in meeting.actions]
    actions += [{} for _ in range(3 if not actions else 1)]
    first_time = meeting.status == "planned"
    data = {name: getattr(meeting, name) for name in services.MINUTES_FIELDS}
    data["contents"] = meeting.content_list
    if first_time:
        data.update(chair=meeting.convener.name if meeting.convener else None,
                    responsible_person=client.responsible.name if client.responsible else None,
                    backup_person=client.backup.name if client.backup else None,
                    client_present=True)
    form = MinutesForm(formdata=None, data=dict(data, participants=people, actions=actions),
                       owners=_owners(meeting))
    form.version.data = str(meeting.version)
    return form


def _minutes_page(client, meeting, form, status: int = 200):
    return _page(client, "meetings/_minutes_form.html", status, meeting=meeting, form=form,
                 people={p.id: p for p in meeting.participants}, max_rows=MAX_ROWS)


# --- routes -------------------------------------------------------------------------------------

@bp.route("/clients/<int:client_id>/meetings")
@allow(SIGNED_IN)
def section(client_id: int):
    """List the client's network meetings, the latest first."""
    client = client_or_404(client_id, "meetings")
    audit.log_view(client.id, "network_meetings")
    return _page(client, "meetings/_section.html", meetings=services.meetings_of(client))


@bp.route("/clients/<int:client_id>/meetings/new", methods=["GET", "POST"])
@allow(STAFF)
def new(client_id: int):
    """Plan a network meeting together with the client."""
    client = client_or_404(client_id, "meetings", write=True)
    if request.method == "GET":
        return _page(client, "meetings/_plan_form.html", form=_plan_form(client), meeting=None)
    form = _plan_form(client, formdata=request.form)
    if form.validate_on_submit():
        try:
            meeting = services.plan_meeting(client, form.values(), by=current_user)
        except MeetingError as error:
            db.session.rollback()
            _fail(form, error)
        else:
            db.session.commit()
            flash(_("The meeting is planned."), "success")
            return see_other(url_for("meetings.show", client_id=client.id, meeting_id=meeting.id))
    return _page(client, "meetings/_plan_form.html", 422, form=form, meeting=None)


@bp.route("/clients/<int:client_id>/meetings/<int:meeting_id>")
@allow(SIGNED_IN)
def show(client_id: int, meeting_id: int):
    """Show one meeting: the plan, the minutes and their addenda."""
    client = client_or_404(client_id, "meetings")
    return _show(client, _viewed(client, owned_or_404(NetworkMeeting, meeting_id, client,
                                                options=services.WITH_ROWS)))


def _save(client, meeting_id: int, form, save) -> bool:
    """Save the plan or the minutes against the version the form was opened on."""
    return save_versioned(
        form, save, errors=MeetingError, on_error=_fail, stale_message=STALE,
        current_version=lambda: owned_or_404(NetworkMeeting, meeting_id, client).version)


@bp.route("/clients/<int:client_id>/meetings/<int:meeting_id>/plan", methods=["GET", "POST"])
@allow(STAFF)
def plan(client_id: int, meeting_id: int):
    """Change the plan of a meeting whose minutes are not approved."""
    client = client_or_404(client_id, "meetings", write=True)
    meeting = owned_or_404(NetworkMeeting, meeting_id, client, options=services.WITH_ROWS)
    if meeting.approved:
        return _locked(client, meeting)
    if request.method == "GET":
        _viewed(client, meeting)
        return _page(client, "meetings/_plan_form.html", form=_plan_form(client, meeting),
                     meeting=meeting)
    form = _plan_form(client, meeting, formdata=request.form)
    if form.validate_on_submit():
        try:
            saved = _save(client, meeting_id, form, lambda version: services.update_plan(
                meeting, form.values(), version=version))
        except MeetingLocked:
            return _locked(client, meeting)
        if saved:
            flash(_("Changes saved."), "success")
            return see_other(url_for("meetings.show", client_id=client.id, meeting_id=meeting_id))
    return _page(client, "meetings/_plan_form.html", 422, form=form, meeting=meeting)


@bp.route("/clients/<int:client_id>/meetings/<int:meeting_id>/record", methods=["GET", "POST"])
@allow(STAFF)
def record(client_id: int, meeting_id: int):
    """Write the minutes; "add a row" buttons return the form with one more blank row."""
    client = client_or_404(client_id, "meetings", write=True)
    meeting = owned_or_404(NetworkMeeting, meeting_id, client, options=services.WITH_ROWS)
    if meeting.approved:
        return _locked(client, meeting)
    if request.method == "GET":
        _viewed(client, meeting)
        return _minutes_page(client, meeting, _minutes_form(client, meeting))
    form = _minutes_form(client, meeting, formdata=request.form)
    add = request.form.get("add_row")
    if add in ("participants", "actions"):
        if len(form[add].entries) < MAX_ROWS:
            form[add].append_entry({"presence": "present"} if add == "participants" else {})
            form.set_owner_choices()
        return _minutes_page(client, meeting, form)
    if form.validate_on_submit():
        try:
            saved = _save(client, meeting_id, form, lambda version: services.record_minutes(
                meeting, form.values(), participants=form.rows("participants"),
                actions=form.rows("actions"), version=version))
        except MeetingLocked:
            return _locked(client, meeting)
        if saved:
            flash(_("The minutes are saved."), "success")
            return see_other(url_for("meetings.show", client_id=client.id, meeting_id=meeting_id))
    return _minutes_page(client, meeting, form, 422)


@bp.route("/clients/<int:client_id>/meetings/<int:meeting_id>/approve", methods=["POST"])
@allow(STAFF)
def approve(client_id: int, meeting_id: int):
    """Approve the minutes: the actions become follow-up tasks and the minutes are locked."""
    client = client_or_404(client_id, "meetings", write=True)
    meeting = owned_or_404(NetworkMeeting, meeting_id, client, options=services.WITH_ROWS)
    if meeting.approved:
        return _locked(client, meeting)
    form = ApproveForm()
    if not form.validate_on_submit():
        return _show(client, meeting, 422, error=_("The form was incomplete. Reload the page and "
                                                   "try again."))
    stale = _("Someone else changed the minutes after you opened them. Read them again and then "
              "approve.")
    if request.form.get("confirmed") != "yes":
        # Ask once more, naming what happens, before the minutes are locked for good.
        if version_of(form) != meeting.version:
            return _show(client, meeting, 409, error=stale)
        try:
            services.check_approvable(meeting)
        except MeetingError as error:
            return _show(client, meeting, 422, error=str(_MESSAGES.get(error.code, error.code)))
        return _show(client, meeting, approve_form=form, confirm_approve=True)
    refused = []
    try:
        approved = save_versioned(
            form, lambda version: services.approve(meeting, by=current_user, version=version),
            errors=MeetingError, on_error=lambda form, error: refused.append(error),
            stale_message=stale,
            current_version=lambda: owned_or_404(NetworkMeeting, meeting_id, client).version)
    except MeetingLocked:
        return _locked(client, meeting)
    if approved:
        flash(_("The minutes are approved. The agreed actions are now follow-up tasks."), "success")
        return see_other(url_for("meetings.show", client_id=client.id, meeting_id=meeting_id))
    meeting = owned_or_404(NetworkMeeting, meeting_id, client, options=services.WITH_ROWS)
    if refused:
        return _show(client, meeting, 422, error=str(_MESSAGES.get(refused[0].code, refused[0].code)))
    return _show(client, meeting, 409, error=form.form_errors[-1])


@bp.route("/clients/<int:client_id>/meetings/<int:meeting_id>/addenda", methods=["POST"])
@allow(STAFF)
def add_addendum(client_id: int, meeting_id: int):
    """Add a correction or addition after the minutes were approved."""
    client = client_or_404(client_id, "meetings", write=True)
    meeting = owned_or_404(NetworkMeeting, meeting_id, client, options=services.WITH_ROWS)
    if not meeting.approved:
        return _show(client, meeting, 409, error=_MESSAGES["addendum_not_approved"])
    form = AddendumForm()
    if form.validate_on_submit():
        try:
            services.add_addendum(meeting, text=form.text.data, on=form.on.data, by=current_user)
        except MeetingError as error:
            db.session.rollback()
            meeting = owned_or_404(NetworkMeeting, meeting_id, client, options=services.WITH_ROWS)
            _fail(form, error)
        else:
            db.session.commit()
            flash(_("The addendum is added."), "success")
            return see_other(url_for("meetings.show", client_id=client.id, meeting_id=meeting_id,
                                     _anchor="addenda"))
    return _show(client, meeting, 422, addendum_form=form)


@bp.route("/clients/<int:client_id>/meetings/<int:meeting_id>/minutes.pdf", methods=["POST"])
@allow(SIGNED_IN)
def print_minutes(client_id: int, meeting_id: int):
    """Print the minutes as a PDF in the chosen language; the print is logged.

    Staff printing approved minutes get the distribution list; a print for distribution also
    logs the disclosure. Peer supporters print without it: they never see consent information.
    """
    client = client_or_404(client_id, "meetings")
    meeting = owned_or_404(NetworkMeeting, meeting_id, client, options=services.WITH_ROWS)
    if meeting.status == "planned":
        return _show(client, meeting, 409, error=NOT_WRITTEN)
    staff = sees_all_clients(current_user)
    with_list = staff and meeting.approved
    form = PrintForm(distribution=with_list)
    if not form.validate_on_submit():
        return _show(client, meeting, 422, print_form=form)
    lang = form.lang.data
    head = letterhead()
    document = services.minutes_document(meeting, lang=lang, on=local_today(),
                                         with_distribution=with_list,
                                         association=head["association"])
    for_distribution = with_list and form.purpose.data == "distribution"
    recipients = [r.name for r in document["distribution"]] if for_distribution else None
    filename = services.minutes_filename(meeting, lang)
    ids = (client.id, meeting.id)  # render_pdf ends the transaction: its objects expire
    pdf = render_pdf("pdf/meeting_minutes.html", title=_l("Network meeting minutes"), lang=lang,
                     **head, large_print=bool(form.large_print.data), doc=document)
    services.log_print(*ids, lang=lang, recipients=recipients)
    db.session.commit()
    return pdf_response(pdf, filename)


@bp.app_template_filter("meeting_time")
def meeting_time(value) -> str:
    """A time of day in the current language's short form (14.30, 14:30, 2:30 PM)."""
    return time_of_day(value)
