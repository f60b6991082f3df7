"""The contact agreement section, its draft editor, activation and the print for signing."""
from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import audit, pdf
from ..access import SIGNED_IN, STAFF, allow, client_or_404, owned_or_404, sees_all_clients
from ..consents import services as consent_services
from ..consents.routes import apply_error, consent_form, validate_consent
from ..database import write_transaction
from ..extensions import db
from ..forms import save_versioned, version_of
from ..htmx import render_section
from ..models.consents import AgreementLine, ContactAgreement
from ..directory.services import active_organisations, active_people
from ..network.services import members as network_members
from ..parties import party_value
from ..settings import letterhead
from ..timeutil import local_today
from ..users import workers
from . import bp, services
from .forms import ActivateForm, HeaderForm, LineForm, PrintForm

MESSAGES = {
    "not_draft": lambda: _("Only a draft can be changed. Make a new version to change the agreement in force."),
    "made_on": lambda: _("Give the date the agreement was made."),
    "review_before_made": lambda: _("The review date cannot be before the agreement was made."),
    "party": lambda: _("Choose who: someone on the client's network, a worker, or an organisation or a contact person in the directory."),
    "direction": lambda: _("Choose the direction."),
    "when": lambda: _("Tick at least one: when do you keep in touch?"),
    "how": lambda: _("Tick at least one: how do you keep in touch?"),
    "every_weeks": lambda: _("Give how many weeks apart, or untick 'Regularly'."),
    "not_heard_days": lambda: _("Give after how many days, or untick 'If the client has not been heard from'."),
    "signed_on": lambda: _("Give the date the client signed the agreement."),
    "signed_in_future": lambda: _("The signing date cannot be in the future."),
    "signed_before_made": lambda: _("The agreement cannot be signed before it was made."),
    "no_lines": lambda: _("Add at least one line: who keeps in touch with whom."),
    "client_ended": lambda: _("The client relationship has ended: an agreement comes into force "
                              "only after the relationship is reopened."),
}

REASONS = {
    "none": lambda scopes: _("No consent to share %(scopes)s with this party.", scopes=scopes),
    "scope": lambda scopes: _("The consent in force does not cover all of: %(scopes)s.", scopes=scopes),
    "withdrawn": lambda scopes: _("The consent was withdrawn."),
    "expired": lambda scopes: _("The consent has expired."),
    "superseded": lambda scopes: _("The consent was replaced by one that does not cover this line."),
    "pending": lambda scopes: _("The consent is not in force yet."),
    "oral": lambda scopes: _("An oral consent covers one matter only; an agreement line needs a written or electronic consent."),
    "removed": lambda scopes: _("The party is no longer on the client's network map."),
}


def reason_text(check) -> str:
    """Say why a line lacks a consent, in the user's language."""
    from ..labels import label

    scopes = ", ".join(label("info_scope", s).lower() for s in services.line_scopes(check.line))
    return REASONS.get(check.reason, REASONS["none"])(scopes)


def _fail(form, error):
    for problem in getattr(error, "problems", [error]):
        message = MESSAGES.get(problem.code, lambda code=problem.code: code)()
        field = getattr(form, problem.field or "", None) if form is not None else None
        if field is not None:
            if message not in field.errors:
                field.errors = list(field.errors) + [message]
        elif form is not None:
            form.form_errors.append(message)
        else:
            flash(message, "error")


def _line_form(client, formdata=None, line=None) -> LineForm:
    """The line form: its party from the network, the workers or the directory."""
    return LineForm(formdata=formdata, members=network_members(client),
                    users=workers(keep=[line.user_id] if line is not None and line.user_id else ()),
                    organisations=active_organisations(), people=active_people())


def _line_saved(client, members_before, line, message):
    """Say that the line was saved, and that its party was put on the network map if so."""
    flash(message, "success")
    if line.member is not None and line.member_id not in {m.id for m in members_before}:
        from ..labels import label

        flash(_("%(party)s was added to the client's network map (%(sector)s).",
                party=line.member.display_name, sector=label("sector", line.member.sector)),
              "success")


# --- the section on the client page ------------------------------------------------------------

@bp.route("/clients/<int:client_id>/agreement")
@allow(SIGNED_IN)
def section(client_id: int):
    """The agreement in force (with flags for lines that lost their consent), drafts and versions."""
    client = client_or_404(client_id, "agreement")
    staff = sees_all_clients(current_user)
    audit.log_view(client.id, "agreement")
    all_versions = services.versions(client)
    active = next((a for a in all_versions if a.status == "active"), None)
    checks = services.line_checks(client, active) if active is not None and staff else []
    return render_section(client, "agreements/_section.html", active=active, staff=staff,
                          checks=checks, reason_text=reason_text,
                          draft=next((a for a in all_versions if a.status == "draft"), None) if staff else None,
                          older=[a for a in all_versions if a.status in ("superseded", "ended")],
                          ended=None if active is not None else next(
                              (a for a in all_versions if a.status == "ended"), None))


@bp.route("/clients/<int:client_id>/agreement/<int:agreement_id>")
@allow(SIGNED_IN)
def show(client_id: int, agreement_id: int):
    """One version of the agreement, as it was agreed."""
    client = client_or_404(client_id, "agreement")
    agreement = owned_or_404(ContactAgreement, agreement_id, client)
    staff = sees_all_clients(current_user)
    if agreement.status == "draft":
        if not staff:
            abort(404)
        return redirect(url_for("agreements.edit", client_id=client.id, agreement_id=agreement.id))
    audit.log_view(client.id, "agreement", agreement.id)
    checks = services.line_checks(client, agreement) if staff and agreement.status == "active" else []
    return render_section(client, "agreements/_show.html", agreement=agreement, staff=staff,
                          checks=checks, reason_text=reason_text, print_form=PrintForm(
                              formdata=None, lang=_client_lang(client)))


@bp.route("/clients/<int:client_id>/agreement/draft", methods=["POST"])
@allow(STAFF)
def start(client_id: int):
    """Open a draft: a new version of the agreement in force, or the first agreement."""
    client = client_or_404(client_id, "agreement", write=True)
    draft = services.start_draft(client, by=current_user)
    db.session.commit()
    return redirect(url_for("agreements.edit", client_id=client.id, agreement_id=draft.id), 303)


# --- the draft editor ---------------------------------------------------------------------------

def _line_consent_form(client, line, formdata=None):
    """A consent form for one line, filled with what the line needs."""
    form = consent_form(client, formdata, prefix=f"line{line.id}")
    if formdata is None:
        form.kind.data, form.consent_to.data = "share", party_value(member_id=line.member_id)
        form.information.data = [s for s in services.line_scopes(line) if s != "health"]
        form.health.data = "health" in line.share_list
        form.purpose.data = _("Keeping in touch as agreed in the contact agreement.")
        form.until_relationship_ends.data = True
    return form


def _editor(client, agreement, *, header=None, line_form=None, activate=None, editing=None,
            consent_forms=None, failing=None, status=200, confirm=False):
    audit.log_view(client.id, "agreement", agreement.id)
    if header is None:
        header = HeaderForm(formdata=None, obj=agreement)
        header.fill_from(agreement)
    if activate is None:
        activate = ActivateForm(formdata=None)
        activate.version.data = str(agreement.row_version)
    checks = services.line_checks(client, agreement)
    consent_forms = dict(consent_forms or {})
    for check in checks:
        if not check.ok and check.line.member is not None and check.line.id not in consent_forms:
            consent_forms[check.line.id] = _line_consent_form(client, check.line)
    return render_section(
        client, "agreements/_editor.html", status=status, agreement=agreement, header=header,
        line_form=line_form or _line_form(client), activate=activate,
        editing=editing, checks=checks, consent_forms=consent_forms, reason_text=reason_text,
        confirm_activation=confirm, in_force=services.active_agreement(client) if confirm else None,
        failing={c.line.id for c in failing or ()}, print_form=PrintForm(
            formdata=None, lang=_client_lang(client)))


def _validate_line(client, form: LineForm, line=None) -> bool:
    """The form's own checks and the line rules together, so that every problem shows at once."""
    if form.validate_on_submit():
        return True
    for problem in services.line_problems(client, form.values(),
                                          keep_user_id=line.user_id if line is not None else None):
        field = getattr(form, problem.field or "", None)
        if field is None or not field.errors:
            _fail(form, problem)
    return False


def _draft(client, agreement_id):
    """The client's agreement while it is a draft; one made active sends the user to its page."""
    agreement = owned_or_404(ContactAgreement, agreement_id, client)
    if agreement.status != "draft":
        flash(MESSAGES["not_draft"](), "error")
        abort(redirect(url_for("agreements.show", client_id=client.id, agreement_id=agreement.id), 303))
    return agreement


def _back(client, agreement, message=None):
    if message:
        flash(message, "success")
    return redirect(url_for("agreements.edit", client_id=client.id, agreement_id=agreement.id), 303)


@bp.route("/clients/<int:client_id>/agreement/<int:agreement_id>/edit", methods=["GET", "POST"])
@allow(STAFF)
def edit(client_id: int, agreement_id: int):
    """The draft editor; POST saves the preferences, plans and dates."""
    client = client_or_404(client_id, "agreement", write=True)
    agreement = _draft(client, agreement_id)
    if request.method == "GET":
        return _editor(client, agreement)
    header = HeaderForm(request.form)
    if header.validate_on_submit() and save_versioned(
            header, lambda version: services.update_header(agreement, header.values(), version=version),
            errors=services.AgreementError, on_error=_fail,
            stale_message=_("Someone else changed this agreement while you were editing. "
                            "Your text is still here: check it and save again."),
            current_version=lambda: owned_or_404(ContactAgreement, agreement_id, client).row_version):
        return _back(client, agreement, _("Changes saved."))
    return _editor(client, agreement, header=header, status=422)




@bp.route("/clients/<int:client_id>/agreement/<int:agreement_id>/lines", methods=["POST"])
@allow(STAFF)
def add_line(client_id: int, agreement_id: int):
    """Add a party to the draft."""
    client = client_or_404(client_id, "agreement", write=True)
    agreement = _draft(client, agreement_id)
    form = _line_form(client, request.form)
    members_before = network_members(client)
    if _validate_line(client, form):
        try:
            line = services.add_line(client, agreement, form.values())
        except services.AgreementError as error:
            db.session.rollback()
            _fail(form, error)
        else:
            db.session.commit()
            _line_saved(client, members_before, line, _("Line added."))
            return _back(client, agreement)
    return _editor(client, agreement, line_form=form, status=422)


@bp.route("/clients/<int:client_id>/agreement/<int:agreement_id>/lines/<int:line_id>/edit",
          methods=["GET", "POST"])
@allow(STAFF)
def edit_line(client_id: int, agreement_id: int, line_id: int):
    """Change a line of the draft."""
    client = client_or_404(client_id, "agreement", write=True)
    agreement = _draft(client, agreement_id)
    line = owned_or_404(AgreementLine, line_id, agreement)
    if request.method == "GET":
        form = _line_form(client, line=line)
        form.fill_from(line)
        return _editor(client, agreement, line_form=form, editing=line.id)
    form = _line_form(client, request.form, line=line)
    members_before = network_members(client)
    if _validate_line(client, form, line):
        try:
            services.update_line(client, agreement, line, form.values())
        except services.AgreementError as error:
            db.session.rollback()
            _fail(form, error)
        else:
            db.session.commit()
            _line_saved(client, members_before, line, _("Changes saved."))
            return _back(client, agreement)
    return _editor(client, agreement, line_form=form, editing=line_id, status=422)


@bp.route("/clients/<int:client_id>/agreement/<int:agreement_id>/lines/<int:line_id>/remove",
          methods=["POST"])
@allow(STAFF)
def remove_line(client_id: int, agreement_id: int, line_id: int):
    client = client_or_404(client_id, "agreement", write=True)
    agreement = _draft(client, agreement_id)
    line = owned_or_404(AgreementLine, line_id, agreement)
    services.remove_line(agreement, line)
    db.session.commit()
    return _back(client, agreement, _("Line removed."))


@bp.route("/clients/<int:client_id>/agreement/<int:agreement_id>/lines/<int:line_id>/consent",
          methods=["POST"])
@allow(STAFF)
def line_consent(client_id: int, agreement_id: int, line_id: int):
    """Record the consent a line needs, without leaving the editor."""
    client = client_or_404(client_id, "agreement", write=True)
    agreement = _draft(client, agreement_id)
    line = owned_or_404(AgreementLine, line_id, agreement)
    form = _line_consent_form(client, line, request.form)
    if validate_consent(client, form):
        try:
            consent_services.record_consent(client, form.values(), by=current_user)
        except consent_services.ConsentError as error:
            db.session.rollback()
            apply_error(form, error)
        else:
            db.session.commit()
            return _back(client, agreement, _("Consent recorded."))
    return _editor(client, agreement, consent_forms={line.id: form}, status=422)


@bp.route("/clients/<int:client_id>/agreement/<int:agreement_id>/activate", methods=["POST"])
@allow(STAFF)
def activate(client_id: int, agreement_id: int):
    """The client signed: put the draft into force, unless a line lacks a consent."""
    client = client_or_404(client_id, "agreement", write=True)
    agreement = _draft(client, agreement_id)
    form = ActivateForm(request.form)
    failing = []

    def put_in_force(version):
        # A line lacking a consent changes nothing: the checks come back instead.
        failing.extend(services.activate(client, agreement, signed_on=form.signed_on.data,
                                         by=current_user, version=version))

    if form.validate_on_submit():
        if request.form.get("confirmed") != "yes":
            # Ask once more, naming what happens, before the step that cannot be undone.
            if version_of(form) != agreement.row_version:
                form.form_errors.append(_("Someone else changed this agreement meanwhile. Check it "
                                          "and try again."))
                form.version.data = str(agreement.row_version)
                return _editor(client, agreement, activate=form, status=409)
            try:
                failing = [c for c in services.activation_checks(
                    client, agreement, signed_on=form.signed_on.data) if not c.ok]
            except services.AgreementError as error:
                _fail(form, error)
            else:
                if not failing:
                    return _editor(client, agreement, activate=form, confirm=True)
        elif save_versioned(
                form, put_in_force, errors=services.AgreementError, on_error=_fail,
                stale_message=_("Someone else changed this agreement meanwhile. Check it and try again."),
                current_version=lambda: owned_or_404(ContactAgreement, agreement_id, client).row_version):
            if not failing:
                flash(_("The agreement is now in force."), "success")
                return redirect(url_for("agreements.show", client_id=client.id,
                                        agreement_id=agreement.id), 303)
        agreement = owned_or_404(ContactAgreement, agreement_id, client)
        if failing:
            for check in failing:
                form.form_errors.append(_("Line %(number)d (%(party)s): %(reason)s",
                                          number=agreement.lines.index(check.line) + 1
                                          if check.line in agreement.lines else 0,
                                          party=check.line.party_label, reason=reason_text(check)))
            form.form_errors.insert(0, _("The agreement cannot come into force while a line lacks a consent."))
    return _editor(client, agreement, activate=form, failing=failing, status=422)


@bp.route("/clients/<int:client_id>/agreement/<int:agreement_id>/discard", methods=["POST"])
@allow(STAFF)
def discard(client_id: int, agreement_id: int):
    """Throw the draft away; the agreement in force stays as it is."""
    client = client_or_404(client_id, "agreement", write=True)
    agreement = _draft(client, agreement_id)
    services.discard_draft(agreement)
    db.session.commit()
    flash(_("Draft discarded."), "success")
    return redirect(url_for("agreements.section", client_id=client.id), 303)


# --- print for signing --------------------------------------------------------------------------

PDF_NAMES = {"fi": "yhteydenpitosopimus", "sv": "kontaktavtal", "en": "contact-agreement"}


def _client_lang(client) -> str:
    return client.language if client.language in PDF_NAMES else "fi"


@bp.route("/clients/<int:client_id>/agreement/<int:agreement_id>/pdf")
@allow(STAFF)
def print_pdf(client_id: int, agreement_id: int):
    """The agreement as a PDF for signing, with the consents it rests on, in the chosen language."""
    client = client_or_404(client_id, "agreement", write=True)
    agreement = owned_or_404(ContactAgreement, agreement_id, client)
    form = PrintForm(request.args)
    lang = form.lang.data if form.validate() else _client_lang(client)
    on = agreement.signed_on or local_today()
    checks = services.line_checks(client, agreement, on)
    consents, seen = [], set()
    for check in checks:
        consent = check.line.consent if agreement.status != "draft" and check.line.consent else check.consent
        if consent is not None and consent.id not in seen:
            seen.add(consent.id)
            consents.append(consent)
    from flask_babel import force_locale

    with force_locale(lang):
        title = _("Contact agreement") + f" – {client.display_name}"
    filename = f"{PDF_NAMES[lang]}-{agreement.made_on.isoformat()}.pdf"
    try:
        body = pdf.render_pdf("pdf/agreement.html", title=title, lang=lang, **letterhead(),
                              client=client, agreement=agreement, checks=checks,
                              consents=consents, reason_text=reason_text)
    except pdf.PdfError as error:
        return pdf.pdf_error_response(error)
    detail = f"version={agreement.version_no} lang={lang}"
    with write_transaction():
        audit.record(audit.Action.PRINT, object_type="agreement", object_id=agreement_id,
                     client_id=client_id, detail=detail)
    return pdf.pdf_response(body, filename)
