"""The errands section of the client page, one errand's page, what was agreed, and the checklist."""
from datetime import timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user

from .. import audit, i18n
from ..access import SIGNED_IN, STAFF, allow, client_or_404, deny, owned_or_404, sees_all_clients
from ..database import write_transaction
from ..extensions import db
from ..forms import save_versioned
from ..htmx import is_fragment, render_section
from ..models.errands import ERRAND_TYPES, Errand
from ..pdf import pdf_response, render_pdf
from ..settings import letterhead
from ..timeutil import local_today
from . import bp, services, texts
from .forms import ErrandForm, OutcomeForm, PrintForm

_MESSAGES = {
    "about": lambda: _("Write what the errand is about."),
    "type": lambda: _("Choose the type of errand."),
    "on": lambda: _("Give the date of the errand."),
    "companion": lambda: _("Choose someone from the list."),
    "companion_not_paired": lambda: _("This peer supporter is not paired with the client, or "
                                      "the client has not let them see errands."),
    "too_many_lines": lambda: _("At most %(n)d lines.", n=services.MAX_LINES),
    "line_too_long": lambda: _("A line can have at most %(n)d characters.", n=services.LINE_MAX),
}


@bp.app_template_filter("time_of_day")
def time_of_day(value) -> str:
    """Show a time of day the way the current language writes it (14.30, or 14:30)."""
    return i18n.time_of_day(value)


# --- helpers ------------------------------------------------------------------------------------

def _errand_form(client, errand=None, formdata=None) -> ErrandForm:
    """The errand form with the users who can accompany; blank, from the errand, or as sent."""
    current = errand.companion if errand is not None else None
    kwargs = dict(companions=services.companions(client, current), editing=errand is not None,
                  activity=errand.activity_id if errand is not None else None)
    if formdata is not None:
        return ErrandForm(formdata, **kwargs)
    if errand is not None:
        form = ErrandForm(formdata=None, obj=errand, **kwargs)
        form.version.data = str(errand.version)
        return form
    form = ErrandForm(formdata=None, **kwargs)
    form.interpreter_needed.data = client.interpreter_needed
    return form


def _owners():
    """Whom next steps can be given to: anyone for staff, themselves for a peer supporter."""
    return services.companions() if sees_all_clients(current_user) else [current_user]


def _outcome_form(errand, formdata=None) -> OutcomeForm:
    """The outcome form: what was agreed so far, and empty rows for next steps."""
    if formdata is not None:
        return OutcomeForm(formdata, owners=_owners())
    form = OutcomeForm(formdata=None, owners=_owners())
    form.agreed.data = errand.agreed or ""
    form.version.data = str(errand.version)
    return form


def _fail(form, error: services.ErrandError) -> None:
    """Show a service rule next to the field it concerns."""
    field = getattr(form, error.field or "", None)
    message = _MESSAGES.get(error.code, lambda: error.code)()
    if field is not None:
        field.errors = list(field.errors) + [message]
    else:
        form.form_errors.append(message)




def _section(client, form=None, status=200, editing=None, edit_form=None, open_form=False):
    """Render the errands list (upcoming first, then past) with the add or edit form.

    The add form (with everyone who may accompany the client) is built only when shown open:
    after an error, or `open_form` for a plain link to it; closed, it is fetched when opened
    (`new_form`).
    """
    audit.log_view(client.id, "errands")
    today = local_today()
    upcoming, past = services.errands_of(client, today)
    staff = sees_all_clients(current_user)
    if staff and form is None and editing is None and open_form:
        form = _errand_form(client)
    return render_section(client, "errands/_section.html", status=status, upcoming=upcoming,
                          past=past, form=form, editing=editing, edit_form=edit_form,
                          can_edit=staff, today=today, tomorrow=today + timedelta(days=1))


def _done(client, errand, message: str):
    """After a change: the fresh section for htmx, the errand's page otherwise."""
    flash(message, "success")
    if is_fragment():
        return _section(client)
    return redirect(url_for("errands.show", client_id=client.id, errand_id=errand.id), 303)


def _show(client, errand, status=200, outcome_form=None, message=None, fragment=False):
    """Render one errand: the details, what was agreed, and the print form.

    `fragment`: answer an htmx form with the outcome part alone.
    """
    audit.log_view(client.id, "errand", errand.id)
    may_record = services.may_record_outcome(current_user, errand)
    if may_record and outcome_form is None:
        outcome_form = _outcome_form(errand)
    context = dict(errand=errand, steps=services.next_steps(errand), may_record=may_record,
                   outcome_form=outcome_form, message=message,
                   can_edit=sees_all_clients(current_user), today=local_today())
    if fragment and is_fragment():
        return render_section(client, "errands/_outcome.html", status=status, **context)
    print_form = PrintForm(formdata=None, lang=texts.checklist_language(client.language))
    return render_section(client, "errands/_errand_page.html", status=status,
                          print_form=print_form, contact=services.contact_person(errand),
                          call=services.whom_to_call(errand), **context)


# --- routes -------------------------------------------------------------------------------------

@bp.route("/clients/<int:client_id>/errands")
@allow(SIGNED_IN)
def section(client_id: int):
    """Show the client's errands: upcoming ones first, soonest first; then past ones."""
    return _section(client_or_404(client_id, "errands"))


@bp.route("/clients/<int:client_id>/errands/new")
@allow(STAFF)
def new_form(client_id: int):
    """An empty errand form: alone for htmx (opened in the section), or the section with the
    form open for a plain request."""
    client = client_or_404(client_id, "errands", write=True)
    if not is_fragment():
        return _section(client, open_form=True)
    return render_section(client, "errands/_errand_form.html", form=_errand_form(client), e=None)


@bp.route("/clients/<int:client_id>/errands", methods=["POST"])
@allow(STAFF)
def create(client_id: int):
    """Add an errand."""
    client = client_or_404(client_id, "errands", write=True)
    form = _errand_form(client, formdata=request.form)
    if form.validate_on_submit():
        try:
            errand = services.create_errand(client, form.values(), actor=current_user)
        except services.ErrandError as error:
            db.session.rollback()
            _fail(form, error)
        else:
            db.session.commit()
            return _done(client, errand, _("Errand added."))
    return _section(client, form, 422)


@bp.route("/clients/<int:client_id>/errands/<int:errand_id>")
@allow(SIGNED_IN)
def show(client_id: int, errand_id: int):
    """Show one errand with what was agreed and the checklist to print."""
    client = client_or_404(client_id, "errands")
    return _show(client, owned_or_404(Errand, errand_id, client))


@bp.route("/clients/<int:client_id>/errands/<int:errand_id>/edit", methods=["GET", "POST"])
@allow(STAFF)
def edit(client_id: int, errand_id: int):
    """Change an errand; a save over someone else's newer save is refused, the text kept."""
    client = client_or_404(client_id, "errands", write=True)
    errand = owned_or_404(Errand, errand_id, client)
    if request.method == "GET":
        return _section(client, editing=errand.id, edit_form=_errand_form(client, errand))
    form = _errand_form(client, errand, formdata=request.form)
    if form.validate_on_submit() and save_versioned(
            form, lambda version: services.update_errand(errand, form.values(), version=version),
            errors=services.ErrandError, on_error=_fail,
            stale_message=_("Someone else changed this errand while you were editing. "
                            "Your text is still here: check it and save again."),
            current_version=lambda: owned_or_404(Errand, errand_id, client).version):
        return _done(client, errand, _("Changes saved."))
    return _section(client, status=422, editing=errand_id, edit_form=form)


@bp.route("/clients/<int:client_id>/errands/<int:errand_id>/delete", methods=["POST"])
@allow(STAFF)
def delete(client_id: int, errand_id: int):
    """Remove an errand; the follow-up tasks made from it stay."""
    client = client_or_404(client_id, "errands", write=True)
    services.delete_errand(owned_or_404(Errand, errand_id, client))
    db.session.commit()
    flash(_("Errand removed."), "success")
    if is_fragment():
        return _section(client)
    return redirect(url_for("errands.section", client_id=client.id), 303)


@bp.route("/clients/<int:client_id>/errands/<int:errand_id>/outcome", methods=["POST"])
@allow(SIGNED_IN)
def outcome(client_id: int, errand_id: int):
    """Record what was agreed; the next steps become follow-up tasks.

    Staff record any errand's outcome; a peer supporter only of an errand they accompanied.
    """
    client = client_or_404(client_id, "errands")
    errand = owned_or_404(Errand, errand_id, client)
    if not services.may_record_outcome(current_user, errand):
        deny(f"errand {errand.id} outcome: not the companion", client_id=client.id)
        abort(403)
    form = _outcome_form(errand, formdata=request.form)
    if not form.validate_on_submit():
        return _show(client, errand, 422, outcome_form=form, fragment=True)
    steps = [services.Step(**values) for values in form.used_steps()]
    if not save_versioned(
            form, lambda version: services.record_outcome(
                errand, agreed=form.agreed.data, steps=steps, version=version, actor=current_user),
            stale_message=_("Someone else changed this errand while you were writing. "
                            "Your text is still here: check it and save again."),
            current_version=lambda: owned_or_404(Errand, errand_id, client).version):
        return _show(client, owned_or_404(Errand, errand_id, client), 422, outcome_form=form,
                     fragment=True)
    message = (_("Saved. The next steps are now follow-up tasks.") if steps else _("Saved."))
    if is_fragment():
        return _show(client, errand, message=message, fragment=True)
    flash(message, "success")
    return redirect(url_for("errands.show", client_id=client.id, errand_id=errand.id,
                            _anchor="errand-outcome"), 303)


@bp.route("/clients/<int:client_id>/errands/<int:errand_id>/checklist.pdf")
@allow(SIGNED_IN)
def checklist(client_id: int, errand_id: int):
    """The errand checklist for the client as a PDF, in their language; every print is logged."""
    client = client_or_404(client_id, "errands")
    errand = owned_or_404(Errand, errand_id, client)
    form = PrintForm(request.args)
    form.validate()
    lang = (form.lang.data if form.lang.data in texts.CHECKLIST_LANGUAGES
            else texts.checklist_language(client.language))
    large_print = bool(form.large_print.data)
    with force_locale(lang):
        title = _("Errand checklist")
    context = services.checklist_context(errand, client, lang, services.next_steps(errand))
    document = render_pdf("pdf/errand_checklist.html", title=title, lang=lang,
                          large_print=large_print, **letterhead(), **context)
    filename = services.checklist_filename(errand, lang)
    with write_transaction():
        services.print_logged(errand, lang, large_print)
    return pdf_response(document, filename)


@bp.route("/errands/things-to-bring")
@allow(STAFF)
def things_to_bring():
    """The things-to-bring field, refilled with the usual list when the errand type changes.

    A list the worker has already changed is kept as it is.
    """
    errand_type = request.args.get("type", "")
    text = (request.args.get("things_to_bring") or "")[:services.MAX_LINES * 210]
    if errand_type in ERRAND_TYPES and services.is_unchanged_default(text):
        text = services.default_things_to_bring(errand_type)
    form = ErrandForm(formdata=None, editing=request.args.get("editing") == "1")
    form.things_to_bring.data = text
    return render_template("errands/_bring_field.html", form=form)
