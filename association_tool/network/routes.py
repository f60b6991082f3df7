"""The network section of the client page and the network map picture."""
from flask import flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import audit
from ..access import SIGNED_IN, STAFF, allow, client_or_404, owned_or_404
from ..directory.services import active_organisations, active_people
from ..extensions import db
from ..forms import save_versioned
from ..htmx import is_fragment, render_section, trigger
from ..models import NetworkMember
from . import bp, services
from .forms import MemberForm

_MESSAGES = {
    "missing_person": lambda: _("Choose a contact person from the directory."),
    "missing_organisation": lambda: _("Choose an organisation from the directory."),
    "missing_name": lambda: _("Write the person's name."),
    "kind": lambda: _("Choose who this is."),
    "sector": lambda: _("Choose a sector."),
    "ring": lambda: _("Choose how close they are."),
}


def _form(member=None, formdata=None):
    """The member form with directory choices; an archived entry in use stays choosable."""
    people, organisations = active_people(), active_organisations()
    if member is not None and member.contact_person is not None and member.contact_person not in people:
        people = [member.contact_person] + people
    if member is not None and member.organisation is not None and member.organisation not in organisations:
        organisations = [member.organisation] + organisations
    kwargs = dict(people=people, organisations=organisations, editing=member is not None)
    if formdata is None and member is not None:
        form = MemberForm(obj=member, **kwargs)
        form.version.data = str(member.version)
        return form
    return MemberForm(**kwargs) if formdata is None else MemberForm(formdata, **kwargs)


def _section(client, form=None, status=200, editing=None, open_form=False):
    """Render the network as a map and a list. The add form (with the directory's people and
    organisations) is built only when shown open: after an error, or `open_form` for a plain
    link to it; closed, it is fetched when opened (`new_form`)."""
    network = services.members(client)
    nodes, lines = services.layout(network)
    audit.log_view(client.id, "network")
    if form is None and open_form:
        form = _form()
    return render_section(client, "network/_section.html", status=status, members=network,
                          nodes=nodes, lines=lines, form=form, editing=editing,
                          can_edit=current_user.role in STAFF.roles)


def _fail(form, error: services.NetworkError):
    field = getattr(form, error.field or "", None)
    message = _MESSAGES.get(error.code, lambda: error.code)()
    if field is not None:
        field.errors = list(field.errors) + [message]
    else:
        form.form_errors.append(message)


def _done(client, message):
    if is_fragment():
        flash(message, "success")
        # Sections that offer the network as choices (consents) reload themselves on this event.
        return trigger(make_response(*_section(client)), "network-changed")
    flash(message, "success")
    return redirect(url_for("network.section", client_id=client.id), 303)


@bp.route("/clients/<int:client_id>/network")
@allow(SIGNED_IN)
def section(client_id: int):
    """Show the client's network as a map and as a list."""
    return _section(client_or_404(client_id, "network"))


@bp.route("/clients/<int:client_id>/network/new")
@allow(STAFF)
def new_form(client_id: int):
    """An empty form to add someone: alone for htmx (opened in the section), or the section
    with the form open for a plain request."""
    client = client_or_404(client_id, "network")
    if not is_fragment():
        return _section(client, open_form=True)
    return render_section(client, "network/_member_form.html", form=_form(), m=None)


@bp.route("/clients/<int:client_id>/network", methods=["POST"])
@allow(STAFF)
def add(client_id: int):
    """Add someone to the client's network."""
    client = client_or_404(client_id, "network")
    form = _form(formdata=request.form)
    if form.validate_on_submit():
        try:
            services.add_member(client, form.values())
        except services.NetworkError as error:
            db.session.rollback()
            _fail(form, error)
        else:
            db.session.commit()
            return _done(client, _("Added to the network."))
    return _section(client, form, 422)


@bp.route("/clients/<int:client_id>/network/<int:member_id>/edit", methods=["GET", "POST"])
@allow(STAFF)
def edit(client_id: int, member_id: int):
    """Change a network member."""
    client = client_or_404(client_id, "network")
    member = owned_or_404(NetworkMember, member_id, client)
    if request.method == "GET":
        return _section(client, _form(member), editing=member.id)
    form = _form(member, formdata=request.form)
    if form.validate_on_submit() and save_versioned(
            form, lambda version: services.update_member(member, form.values(), version=version),
            errors=services.NetworkError, on_error=_fail,
            stale_message=_("Someone else changed this member while you were editing. "
                            "Your text is still here: check it and save again."),
            current_version=lambda: owned_or_404(NetworkMember, member_id, client).version):
        return _done(client, _("Changes saved."))
    return _section(client, form, 422, editing=member_id)


@bp.route("/clients/<int:client_id>/network/<int:member_id>/remove", methods=["POST"])
@allow(STAFF)
def remove(client_id: int, member_id: int):
    """Take someone off the client's network map."""
    client = client_or_404(client_id, "network")
    member = owned_or_404(NetworkMember, member_id, client)
    services.remove_member(member)
    db.session.commit()
    return _done(client, _("Removed from the network."))


@bp.route("/clients/<int:client_id>/network.svg")
@allow(SIGNED_IN)
def map_svg(client_id: int):
    """The network map as a standalone SVG picture (for printing and PDFs)."""
    client = client_or_404(client_id, "network")
    nodes, lines = services.layout(services.members(client))
    audit.log_view(client.id, "network_map")
    body = render_template("network/_map.html", client=client, nodes=nodes, lines=lines,
                           standalone=True)
    response = make_response(body)
    response.headers["Content-Type"] = "image/svg+xml; charset=utf-8"
    return response
