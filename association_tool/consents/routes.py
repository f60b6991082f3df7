"""Consents and social services notifications on the client page: staff and admins only."""
from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import audit
from ..access import STAFF, allow, client_or_404, owned_or_404
from ..directory.services import active_organisations, active_people
from ..extensions import db
from ..htmx import is_fragment, render_section
from ..models import User
from ..models.consents import Consent
from ..network.services import members as network_members
from ..timeutil import local_today
from ..users import workers
from . import bp, services
from .forms import ConsentForm, NotificationForm, WithdrawForm

MESSAGES = {
    "kind": lambda: _("Choose what the client allows."),
    "form": lambda: _("Choose how the consent was given."),
    "information": lambda: _("Tick at least one type of information the consent covers."),
    "channel": lambda: _("Choose the channel by which the association may contact the client."),
    "purpose": lambda: _("Write the purpose of the consent."),
    "wording": lambda: _("Write the exact wording shown or read to the client."),
    "given_on": lambda: _("Give the date the consent was given."),
    "given_in_future": lambda: _("A consent cannot be given in the future."),
    "oral_matter": lambda: _("An oral consent covers one matter only: write which."),
    "oral_open_ended": lambda: _("An oral consent ends with its matter: give the last day instead."),
    "valid_until": lambda: _("Give the last day of the consent, or tick that it is valid until the client relationship ends."),
    "valid_until_and_end": lambda: _("Give either the last day or that the consent is valid until the client relationship ends, not both."),
    "valid_before_given": lambda: _("The consent cannot end before it was given."),
    "recipient": lambda: _("Choose the recipient: someone on the client's network, or an organisation or a contact person in the directory."),
    "already_withdrawn": lambda: _("This consent has already been withdrawn."),
    "already_superseded": lambda: _("This consent has already been replaced by a newer one."),
    "superseded_before_given": lambda: _("The new consent cannot be older than the one it replaces."),
    "how": lambda: _("Choose how the client said it."),
    "heard_by": lambda: _("Choose who heard the withdrawal."),
    "withdrawn_on": lambda: _("Give the date of the withdrawal."),
    "withdrawn_before_given": lambda: _("A consent cannot be withdrawn before it was given."),
    "withdrawn_in_future": lambda: _("A withdrawal is recorded when it has happened: the date cannot be in the future."),
    "path": lambda: _("Choose what was done."),
    "concern": lambda: _("Describe the concern."),
    "made_on": lambda: _("Give the date."),
    "made_in_future": lambda: _("The date cannot be in the future."),
    "consent_missing": lambda: _("Choose the consent the contact rests on."),
    "consent_inactive": lambda: _("That consent was not in force on the date: choose another path."),
    "reason": lambda: _("Write why the notification was made without consent."),
    "recipient_text": lambda: _("Write to whom."),
}


def apply_error(form, error: services.ConsentError) -> None:
    """Show a service error (every problem it lists) next to its field, or above the form."""
    for problem in error.problems:
        message = MESSAGES.get(problem.code, lambda code=problem.code: code)()
        field = getattr(form, problem.field or "", None)
        if field is None:
            form.form_errors.append(message)
        elif message not in field.errors:
            field.errors = list(field.errors) + [message]


def validate_consent(client, form: ConsentForm) -> bool:
    """The form's own checks and the consent rules together, so that every problem shows at once.

    The rules themselves are the service's (`services.consent_problems`); a field that the form
    already marked keeps only its own message.
    """
    if form.validate_on_submit():
        return True
    for problem in services.consent_problems(client, form.values()):
        field = getattr(form, problem.field or "", None)
        if field is None or not field.errors:
            apply_error(form, problem)
    return False


def consent_form(client, formdata=None, *, keep=None, **kwargs) -> ConsentForm:
    """The consent form with the client's network and the directory as recipients.

    `keep`: a consent being replaced, whose archived organisation or person stays choosable.
    """
    organisations, people = active_organisations(), active_people()
    if keep is not None and keep.organisation is not None and keep.organisation not in organisations:
        organisations = [keep.organisation] + organisations
    if keep is not None and keep.contact_person is not None and keep.contact_person not in people:
        people = [keep.contact_person] + people
    return ConsentForm(formdata=formdata, members=network_members(client),
                       organisations=organisations, people=people, **kwargs)


def _section(client, form=None, status=200, open_form=False):
    """Render the client's consents, and log the view. The form to record one (with the network
    and the directory to choose from) is built only when shown open: after an error, or
    `open_form` for a plain link to it; closed, it is fetched when opened (`new_form`)."""
    consents = services.client_consents(client)
    today = local_today()
    rows = [(c, services.status(c, today), services.ends_on(c)) for c in consents]
    audit.log_view(client.id, "consents")
    return render_section(
        client, "consents/_section.html", status=status,
        current=[r for r in rows if r[1] in ("active", "expiring", "pending")],
        ended=[r for r in rows if r[1] not in ("active", "expiring", "pending")],
        form=form if form is not None or not open_form else consent_form(client))


def _done(client, message):
    flash(message, "success")
    if is_fragment():
        return _section(client)
    return redirect(url_for("consents.section", client_id=client.id), 303)


@bp.route("/clients/<int:client_id>/consents")
@allow(STAFF)
def section(client_id: int):
    """The client's consents: in force first, then the ended ones with their history."""
    return _section(client_or_404(client_id, "consents"))


@bp.route("/clients/<int:client_id>/consents/new")
@allow(STAFF)
def new_form(client_id: int):
    """An empty consent form: alone for htmx (opened in the section), or the section with the
    form open for a plain request."""
    client = client_or_404(client_id, "consents")
    if not is_fragment():
        return _section(client, open_form=True)
    return render_section(client, "consents/_new_form.html", form=consent_form(client))


@bp.route("/clients/<int:client_id>/consents", methods=["POST"])
@allow(STAFF)
def create(client_id: int):
    """Record a consent the client has given."""
    client = client_or_404(client_id, "consents")
    form = consent_form(client, request.form)
    if validate_consent(client, form):
        try:
            services.record_consent(client, form.values(), by=current_user)
        except services.ConsentError as error:
            db.session.rollback()
            apply_error(form, error)
        else:
            db.session.commit()
            return _done(client, _("Consent recorded."))
    return _section(client, form, 422)


def _page(client, template, status=200, **context):
    return render_section(client, template, status=status, **context)


@bp.route("/clients/<int:client_id>/consents/<int:consent_id>")
@allow(STAFF)
def show(client_id: int, consent_id: int):
    """One consent in full, with the wording and the consents it replaced."""
    client = client_or_404(client_id, "consents")
    consent = owned_or_404(Consent, consent_id, client)
    audit.log_view(client.id, "consent", consent.id)
    today = local_today()
    return _page(client, "consents/_show.html", consent=consent,
                 chain=[(c, services.status(c, today)) for c in services.history(consent)],
                 state=services.status(consent, today), ends_on=services.ends_on(consent))


@bp.route("/clients/<int:client_id>/consents/<int:consent_id>/withdraw", methods=["GET", "POST"])
@allow(STAFF)
def withdraw(client_id: int, consent_id: int):
    """Record that the client withdrew a consent."""
    client = client_or_404(client_id, "consents")
    consent = owned_or_404(Consent, consent_id, client)
    form = WithdrawForm(users=workers())
    if request.method == "GET":
        form.heard_by_id.data = current_user.id
    elif form.validate_on_submit():
        heard_by = (db.session.get(User, form.heard_by_id.data)
                    if any(u.id == form.heard_by_id.data for u in workers()) else None)
        try:
            if heard_by is None:
                raise services.ConsentError("heard_by", "heard_by_id")
            services.withdraw(consent, on=form.withdrawn_on.data, how=form.how.data,
                              heard_by=heard_by, note=form.note.data)
        except services.ConsentError as error:
            db.session.rollback()
            apply_error(form, error)
        else:
            db.session.commit()
            flagged = _flagged_lines(client)
            message = _("Consent withdrawn.")
            if flagged:
                message += " " + _("%(count)d line(s) of the contact agreement no longer have a consent: make a new version of the agreement.", count=flagged)
            return _done(client, message)
    audit.log_view(client.id, "consent", consent.id)
    return _page(client, "consents/_withdraw.html", status=422 if form.errors else 200,
                 consent=consent, form=form)


def _flagged_lines(client) -> int:
    from ..agreements.services import active_agreement, line_checks

    agreement = active_agreement(client)
    if agreement is None:
        return 0
    return sum(1 for check in line_checks(client, agreement) if not check.ok)


@bp.route("/clients/<int:client_id>/consents/<int:consent_id>/replace", methods=["GET", "POST"])
@allow(STAFF)
def replace(client_id: int, consent_id: int):
    """Record a new consent that replaces this one; the old one stays readable."""
    client = client_or_404(client_id, "consents")
    consent = owned_or_404(Consent, consent_id, client)
    if request.method == "GET":
        form = consent_form(client, keep=consent)
        form.fill_from(consent)
    else:
        form = consent_form(client, request.form, keep=consent)
        if validate_consent(client, form):
            try:
                services.supersede(consent, form.values(), by=current_user)
            except services.ConsentError as error:
                db.session.rollback()
                apply_error(form, error)
            else:
                db.session.commit()
                return _done(client, _("The new consent replaces the earlier one."))
    audit.log_view(client.id, "consent", consent.id)
    return _page(client, "consents/_replace.html", status=422 if form.errors or form.form_errors else 200,
                 consent=consent, form=form)


# --- social services notifications ---------------------------------------------------------------

def _notification_form(client, formdata=None):
    return NotificationForm(formdata=formdata, consents=services.notification_consents(client))


def _notifications(client, form=None, status=200):
    audit.log_view(client.id, "notifications")
    return render_section(client, "consents/_notifications.html", status=status,
                          notifications=services.client_notifications(client),
                          form=form or _notification_form(client), open_form=form is not None)


@bp.route("/clients/<int:client_id>/notifications")
@allow(STAFF)
def notifications(client_id: int):
    """Social services notifications about the client (staff and admins only)."""
    return _notifications(client_or_404(client_id, "notifications"))


@bp.route("/clients/<int:client_id>/notifications", methods=["POST"])
@allow(STAFF)
def create_notification(client_id: int):
    """Record the path taken with a concern."""
    client = client_or_404(client_id, "notifications")
    form = _notification_form(client, request.form)
    if form.validate_on_submit():
        try:
            services.record_notification(client, form.values(), by=current_user)
        except services.ConsentError as error:
            db.session.rollback()
            apply_error(form, error)
        else:
            db.session.commit()
            flash(_("Recorded."), "success")
            if is_fragment():
                return _notifications(client)
            return redirect(url_for("consents.notifications", client_id=client.id), 303)
    return _notifications(client, form, 422)
