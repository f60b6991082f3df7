"""The contacts section of the client page, and anonymous contacts counted without identity."""
from functools import partial

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import audit
from ..access import (SIGNED_IN, allow, client_or_404, may_correct_contact, owned_or_404,
                      sees_all_clients)
from ..extensions import db
from ..forms import save_versioned
from ..htmx import is_fragment, render_section, see_other
from ..models import Contact
from ..timeutil import local_today
from ..users import peers, workers
from . import bp, services
from .forms import AnonymousContactForm, ContactForm

MAX_PAGE = 10_000


def _contact_form(*, fresh: bool = True) -> ContactForm:
    """Build the contact form: staff choose the people, a peer supporter records as themselves.

    A new contact counts under the client's funded activity unless the worker picks another.
    """
    staff = sees_all_clients(current_user)
    staff_members = workers()
    kwargs = {"formdata": None} if fresh else {}
    form = ContactForm(workers=staff_members, peers=peers() if staff else (), peer_fixed=not staff,
                       **kwargs)
    if fresh and staff and any(w.id == current_user.id for w in staff_members):
        form.worker_id.data = current_user.id
    return form


def _activity(form, kept=None) -> int | None:
    """The activity chosen on the form; without the field (none to choose), what was stored."""
    return form.activity_id.data if form.activity_id is not None else kept


def _page() -> int:
    """The page of the contact log asked for, 1 when missing or malformed."""
    page = request.args.get("page", 1, type=int)
    return min(max(page or 1, 1), MAX_PAGE)


def _section(client, form=None, status=200, message=None, open_form=False):
    """Render the contact log, and log the view. The form (with everyone who can be named on a
    contact) is built only when shown open: after an error, for a client without contacts yet,
    or `open_form` for a plain link to it; closed, it is fetched when opened (`new_form`)."""
    contacts = services.list_contacts(client, _page())
    audit.log_view(client.id, "contacts")
    if form is None and (open_form or not contacts.total):
        form = _contact_form()
    return render_section(client, "contacts/_section.html", status=status,
                          form=form, contacts=contacts,
                          message=message, peer_fixed=not sees_all_clients(current_user),
                          corrected=services.corrected_ids(contacts.items),
                          may_correct=lambda contact: may_correct_contact(current_user, contact))


@bp.route("/clients/<int:client_id>/contacts")
@allow(SIGNED_IN)
def section(client_id: int):
    """Show the client's contacts, newest first, and a way to record one."""
    client = client_or_404(client_id, "contacts")
    return _section(client)


@bp.route("/clients/<int:client_id>/contacts/new")
@allow(SIGNED_IN)
def new_form(client_id: int):
    """An empty contact form: alone for htmx (opened in the section), or the section with the
    form open for a plain request."""
    client = client_or_404(client_id, "contacts")
    if not is_fragment():
        return _section(client, open_form=True)
    return render_section(client, "contacts/_new_form.html", form=_contact_form(),
                          peer_fixed=not sees_all_clients(current_user))


@bp.route("/clients/<int:client_id>/contacts", methods=["POST"])
@allow(SIGNED_IN)
def create(client_id: int):
    """Record a contact with the client."""
    client = client_or_404(client_id, "contacts")
    form = _contact_form(fresh=False)
    if not form.validate_on_submit():
        return _section(client, form, 422)
    staff = sees_all_clients(current_user)
    services.create_contact(
        client, on=form.on.data, channel=form.channel.data, minutes=form.minutes.data,
        worker_id=form.worker_id.data, peer_id=form.peer_id.data if staff else current_user.id,
        topics=form.topics.data or [], note=form.note.data, activity_id=_activity(form),
        created_by_id=current_user.id)
    db.session.commit()
    message = _("Contact recorded.")
    if is_fragment():
        return _section(client, message=message)
    flash(message, "success")
    return redirect(url_for("contacts.section", client_id=client.id), 303)


# --- correcting a contact -----------------------------------------------------------------------

def _edit_form(contact, formdata=None) -> ContactForm:
    """The contact form for a correction; people who have since left stay choosable."""
    staff = sees_all_clients(current_user)
    form = ContactForm(formdata, workers=workers(keep=(contact.worker_id,)),
                       peers=peers(keep=(contact.peer_id,)) if staff else (),
                       peer_fixed=not staff, editing=True, activity=contact.activity_id)
    if formdata is None:
        form.fill_from(contact)
    return form


def _fail(form, error) -> None:
    form.form_errors.append(_("The contact could not be saved: check the fields."))


def _edit_page(client, contact, form, status=200):
    audit.log_view(client.id, "contacts", contact.id)
    return render_section(client, "contacts/_edit.html", status=status, form=form,
                          contact=contact, versions=services.versions(contact),
                          peer_fixed=not sees_all_clients(current_user))


@bp.route("/clients/<int:client_id>/contacts/<int:contact_id>/edit", methods=["GET", "POST"])
@allow(SIGNED_IN)
def edit(client_id: int, contact_id: int):
    """Correct a recorded contact; the earlier wording stays readable below the form."""
    client = client_or_404(client_id, "contacts")
    contact = owned_or_404(Contact, contact_id, client,
                           may=partial(may_correct_contact, current_user))
    if request.method == "GET":
        return _edit_page(client, contact, _edit_form(contact))
    form = _edit_form(contact, request.form)
    staff = sees_all_clients(current_user)
    if form.validate_on_submit() and save_versioned(
            form, lambda version: services.update_contact(
                contact, on=form.on.data, channel=form.channel.data, minutes=form.minutes.data,
                worker_id=form.worker_id.data,
                peer_id=form.peer_id.data if staff else contact.peer_id,
                topics=form.topics.data or [], note=form.note.data, version=version,
                by=current_user, activity_id=_activity(form, contact.activity_id)),
            errors=services.ContactError, on_error=_fail,
            stale_message=_("Someone else corrected this contact while you were editing. "
                            "Your text is still here: check it against the contact as saved "
                            "now and save again."),
            current_version=lambda: owned_or_404(Contact, contact_id, client).row_version):
        flash(_("Contact corrected."), "success")
        return see_other(url_for("contacts.section", client_id=client.id))
    return _edit_page(client, owned_or_404(Contact, contact_id, client), form, 422)


def _anonymous_counts():
    """This week's and this month's anonymous contacts, shown to staff with the form."""
    return services.anonymous_counts_for(current_user, local_today())


@bp.route("/contacts/anonymous")
@allow(SIGNED_IN)
def anonymous_form():
    """An empty anonymous contact form: alone for htmx (opened on the home page), or a page of
    its own for a plain request."""
    if is_fragment():
        return render_template("contacts/_anonymous_fields.html", anon_form=AnonymousContactForm())
    return render_template("contacts/anonymous_page.html", anon_form=AnonymousContactForm(),
                           anon_counts=_anonymous_counts())


@bp.route("/contacts/anonymous", methods=["POST"])
@allow(SIGNED_IN)
def anonymous_create():
    """Count an anonymous contact: date, channel, minutes, age group and topics only."""
    form = AnonymousContactForm()
    if not form.validate_on_submit():
        template = ("contacts/_anonymous_form.html" if is_fragment()
                    else "contacts/anonymous_page.html")
        return render_template(template, anon_form=form, anon_counts=_anonymous_counts()), 422
    services.create_anonymous_contact(
        on=form.on.data, channel=form.channel.data, minutes=form.minutes.data,
        age_group=form.age_group.data, topics=form.topics.data or [],
        activity_id=_activity(form), created_by_id=current_user.id)
    db.session.commit()
    message = _("The anonymous contact was counted.")
    if is_fragment():
        return render_template("contacts/_anonymous_form.html",
                               anon_form=AnonymousContactForm(formdata=None), anon_message=message,
                               anon_counts=_anonymous_counts())
    flash(message, "success")
    return redirect(url_for("main.home"), 303)
