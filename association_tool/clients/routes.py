"""Client list, create and edit, the client page, peer pairings, ending and the data export."""
import json
import secrets
from datetime import date

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from .. import audit, users
from ..access import SIGNED_IN, STAFF, allow, client_or_404, owned_or_404, visible_sections
from ..extensions import db
from ..forms import save_versioned
from ..htmx import is_fragment, render_section, see_other, targets
from ..models import Client, PeerPairing, User
from ..timeutil import local_today
from . import bp, listing, services
from .forms import ClientForm, ClientSearchForm, PairingForm, consent_reason, ending_form

SECTION_ORDER = ("goals", "contacts", "tasks", "errands", "referrals", "meetings", "network", "agreement",
                 "consents", "notifications", "peers", "ending")
SECTION_ENDPOINTS = {"goals": "goals.section", "contacts": "contacts.section",
                     "tasks": "tasks.section", "errands": "errands.section",
                     "referrals": "referrals.section",
                     "meetings": "meetings.section", "network": "network.section",
                     "agreement": "agreements.section", "consents": "consents.section",
                     "notifications": "consents.notifications",
                     "peers": "clients.peers", "ending": "clients.ending"}
# The section a page of a feature belongs to, for pages other than the section's own address
# (a goal's edit form, one consent, a meeting…), so the navigation marks where the user is.
BLUEPRINT_SECTIONS = {"goals": "goals", "contacts": "contacts", "tasks": "tasks",
                      "errands": "errands", "meetings": "meetings", "network": "network",
                      "agreements": "agreement", "consents": "consents"}
CLIENT_ENDPOINT_SECTIONS = {"clients.save_pairing": "peers", "clients.remove_pairing": "peers",
                            "clients.end": "ending", "clients.reopen": "ending"}


def current_section() -> str | None:
    """The section of the client's record the requested page shows (None: the whole page)."""
    endpoint = request.endpoint or ""
    for section, section_endpoint in SECTION_ENDPOINTS.items():
        if endpoint == section_endpoint:
            return section
    if endpoint in CLIENT_ENDPOINT_SECTIONS:
        return CLIENT_ENDPOINT_SECTIONS[endpoint]
    if "notification" in endpoint:
        return "notifications"
    return BLUEPRINT_SECTIONS.get(endpoint.split(".")[0])


def shown_sections(sections) -> list[str]:
    """The sections the user may see that have a page of their own, in the page's order."""
    return [s for s in SECTION_ORDER
            if s in sections and SECTION_ENDPOINTS[s] in current_app.view_functions]


def client_nav(client, sections) -> list[dict]:
    """Links to the client's sections the user may see, the current one marked."""
    here = current_section()
    return [dict(section=s, url=url_for(SECTION_ENDPOINTS[s], client_id=client.id),
                 current=s == here) for s in shown_sections(sections)]


def client_summary(client, sections):
    """The short summary at the top of a client page, limited to what the user may see.

    Logged as a view of the client's overview on the pages of a section (the client page logs
    its own view).
    """
    if request.endpoint != "clients.show":
        audit.log_view(client.id, "client_summary")
    return services.summary(client, sections, current_user)


@bp.app_context_processor
def _client_page_helpers():
    """Give every client page its summary and section navigation."""
    return {"client_nav": client_nav, "client_summary": client_summary,
            "section_endpoints": SECTION_ENDPOINTS}


def _filters(form: ClientSearchForm) -> listing.ClientFilters:
    """Turn the validated search form into list filters, ignoring anything malformed."""
    valid = form.validate()

    def ok(field):
        return field.data if (valid or not field.errors) and field.data else ""

    worker = ok(form.worker) if form.worker is not None else ""
    return listing.ClientFilters(
        worker_name=ok(form.worker_name) if form.worker_name is not None else "",
        q=ok(form.q), mine=bool(form.mine.data), level=ok(form.level)
        if form.level.data in dict(form.level.choices) else "",
        status=ok(form.status) if form.status.data in dict(form.status.choices) else "",
        worker_id=int(worker) if str(worker).isdigit() else None,
        sort=ok(form.sort) or "name", page=form.page.data if not form.page.errors and form.page.data else 1)


@bp.route("/")
@allow(SIGNED_IN)
def index():
    """List the clients the user may see, with search as you type, filters, sorting and paging."""
    form = ClientSearchForm(request.args, workers=users.worker_names())
    filters = _filters(form)
    page = listing.list_clients(current_user, filters)
    due = services.next_due([c.id for c in page.items], current_user)
    args = {k: v for k, v in request.args.items() if k != "page"}
    context = dict(form=form, page=page, due=due, args=args)
    if targets("client-results"):
        return render_template("clients/_results.html", **context)
    return render_template("clients/index.html", **context)


def _client_form_response(form, client, status, cap_count=None, same_name=()):
    return render_template("clients/form.html", form=form, client=client,
                           cap_count=cap_count, same_name=same_name), status


# The one-time keys of the new-client forms this session has saved, with the client each added.
SAVED_FORMS = "saved_client_forms"


def _added_with(key) -> int | None:
    """The client a new-client form with this key already added in this session, if any."""
    return session.get(SAVED_FORMS, {}).get(key) if key else None


def _remember(key, client_id: int) -> None:
    if key:
        saved = dict(session.get(SAVED_FORMS, {}))
        saved[key] = client_id
        session[SAVED_FORMS] = dict(list(saved.items())[-20:])


@bp.route("/new", methods=["GET", "POST"])
@allow(STAFF)
def new():
    """Add a client; a nickname alone is enough.

    A name that another client (active, paused or ended) already has is asked about first,
    with links to them; the same form sent twice (Back after saving, then Save) adds no one twice.
    """
    form = ClientForm(workers=users.workers())
    if request.method == "GET":
        form.responsible_id.data = current_user.id
        form.form_key.data = secrets.token_urlsafe(16)
    elif (added := _added_with(form.form_key.data)) is not None and \
            db.session.get(Client, added) is not None:
        flash(_("This client was already added from this form; nothing was added again."), "info")
        return redirect(url_for("clients.show", client_id=added), 303)
    if form.validate_on_submit():
        values = form.values()
        same = services.same_name_clients(values["display_name"], values.get("full_name"))
        cap = services.over_intensive_cap(values["responsible_id"], values["level"])
        if (same and not form.confirm_same_name.data) or (cap and not form.confirm_over_cap.data):
            return _client_form_response(form, None, 422, cap if not form.confirm_over_cap.data
                                         else None, same if not form.confirm_same_name.data else ())
        client = services.create_client(values, actor=current_user)
        db.session.commit()
        _remember(form.form_key.data, client.id)
        flash(_("Client %(name)s added.", name=client.display_name), "success")
        return redirect(url_for("clients.show", client_id=client.id), 303)
    return _client_form_response(form, None, 422 if form.is_submitted() else 200)


def _ended_elsewhere(form, _error) -> None:
    """The details form does not end the relationship: say where that is done."""
    form.status.errors = list(form.status.errors) + [
        _("To end the client relationship, use the Ending section.")]


@bp.route("/<int:client_id>/edit", methods=["GET", "POST"])
@allow(STAFF)
def edit(client_id: int):
    """Change a client's details; a concurrent change is reported, not overwritten."""
    client = client_or_404(client_id, write=True)
    form = ClientForm(obj=client, workers=users.workers(keep=(client.responsible_id, client.backup_id)),
                      editing=True)
    if request.method == "GET":
        form.version.data = str(client.version)
        audit.log_view(client.id, "client_form")
        return _client_form_response(form, client, 200)
    if form.validate_on_submit():
        values = form.values()
        cap = services.over_intensive_cap(values["responsible_id"], values["level"], client)
        if cap and not form.confirm_over_cap.data:
            return _client_form_response(form, client, 422, cap)
        if save_versioned(
                form, lambda version: services.update_client(client, values, version=version,
                                                             actor=current_user),
                errors=services.ClientRuleError, on_error=_ended_elsewhere,
                stale_message=_("Someone else saved changes to this client while you were "
                                "editing. Your text is still here: compare it with the "
                                "current details and save again."),
                current_version=lambda: db.session.get(type(client), client_id).version):
            flash(_("Changes saved."), "success")
            return redirect(url_for("clients.show", client_id=client.id), 303)
    return _client_form_response(form, client, 422)


@bp.route("/<int:client_id>")
@allow(SIGNED_IN)
def show(client_id: int):
    """Show the client page: an overview and the sections the user may see."""
    client = client_or_404(client_id)
    audit.log_view(client.id, "client")
    sections = visible_sections(client, current_user)
    overview = services.overview(client, sections, current_user)
    return render_template("clients/show.html", client=client, sections=sections,
                           shown=shown_sections(sections), overview=overview)


# --- peer pairings ------------------------------------------------------------------------------

def _peers_section(client, form=None, status=200):
    pairings = db.session.scalars(
        select(PeerPairing).options(joinedload(PeerPairing.peer))
        .where(PeerPairing.client_id == client.id).order_by(PeerPairing.id)).all()
    if form is None:
        form = PairingForm(peers=users.peers())
        if request.method == "GET":
            # ?peer= opens the form on that peer's pairing as it is, to change what they see.
            chosen = next((p for p in pairings if p.peer_id == request.args.get("peer", type=int)),
                          None)
            if chosen is not None:
                form.fill_from(chosen)
            else:
                form.sections.data = ["goals", "contacts", "tasks", "errands"]
    return render_section(client, "clients/_peers.html", status=status, form=form,
                          pairings=pairings)


@bp.route("/<int:client_id>/peers")
@allow(STAFF)
def peers(client_id: int):
    """Show the peer supporters paired with the client and what each may see."""
    client = client_or_404(client_id, "peers")
    audit.log_view(client.id, "peers")
    return _peers_section(client)


@bp.route("/<int:client_id>/peers", methods=["POST"])
@allow(STAFF)
def save_pairing(client_id: int):
    """Pair a peer supporter, or change what the client lets them see."""
    client = client_or_404(client_id, "peers")
    form = PairingForm(peers=users.peers())
    if form.validate_on_submit():
        peer = db.session.get(User, form.peer_id.data)
        services.save_pairing(client, peer=peer, sections=form.sections.data,
                              agreed_on=form.agreed_on.data, agreed_how=form.agreed_how.data,
                              ends_on=form.ends_on.data)
        db.session.commit()
        flash(_("Saved. %(name)s sees only what the client allowed.", name=peer.name), "success")
        if is_fragment():
            return _peers_section(client)
        return redirect(url_for("clients.peers", client_id=client.id), 303)
    return _peers_section(client, form, 422)


@bp.route("/<int:client_id>/peers/<int:pairing_id>/remove", methods=["POST"])
@allow(STAFF)
def remove_pairing(client_id: int, pairing_id: int):
    """End a pairing at once."""
    client = client_or_404(client_id, "peers")
    pairing = owned_or_404(PeerPairing, pairing_id, client)
    services.remove_pairing(pairing)
    db.session.commit()
    flash(_("The pairing has ended."), "success")
    if is_fragment():
        return _peers_section(client)
    return redirect(url_for("clients.peers", client_id=client.id), 303)


# --- ending -------------------------------------------------------------------------------------

def _ending_section(client, form=None, status=200):
    from ..agreements.services import active_agreement

    ending = services.current_ending(client)
    context = dict(ending=ending, history=services.ending_history(client))
    if ending is None:
        if form is None:
            form = ending_form(client, services.open_tasks(client, current_user),
                               services.open_pairings(client, local_today()), formdata=None)
        on = form.end_date.data if isinstance(form.end_date.data, date) else local_today()
        context.update(agreement=active_agreement(client),
                       parties=services.ending_parties(client, on))
    return render_section(client, "clients/_ending.html", status=status, form=form, **context)


@bp.route("/<int:client_id>/ending")
@allow(STAFF)
def ending(client_id: int):
    """Show the ending of the client relationship, or the form to end it."""
    client = client_or_404(client_id, "ending")
    audit.log_view(client.id, "ending")
    return _ending_section(client)


@bp.route("/<int:client_id>/ending", methods=["POST"])
@allow(STAFF)
def end(client_id: int):
    """End the client relationship and decide what becomes of the work around it."""
    client = client_or_404(client_id, "ending")
    # The pairings asked about are those that would go on past the end date the worker gives.
    try:
        on = date.fromisoformat(request.form.get("end_date", ""))
    except ValueError:
        on = local_today()
    form = ending_form(client, services.open_tasks(client, current_user), services.open_pairings(client, on))
    if form.validate_on_submit():
        try:
            services.end_client(client, form.values(), actor=current_user,
                                task_choices=form.task_choices(),
                                pairing_choices=form.pairing_choices(),
                                informed=form.informed.data or [])
            answer = form.client_feedback()
            if answer is not None:
                from ..feedback import services as feedback

                feedback.record_feedback(
                    source="ending", first=answer["first"], second=None, words=answer["words"],
                    language=client.language if client.language in ("fi", "sv", "en") else "fi",
                    received_on=form.end_date.data,
                    client_id=client.id if answer["linked"] else None,
                    entered_by_id=current_user.id)
        except services.EndingError as error:
            db.session.rollback()
            _ending_error(form, error)
        except services.ClientRuleError:
            db.session.rollback()
            form.form_errors.append(_("The client relationship has already ended."))
        else:
            db.session.commit()
            flash(_("The client relationship has ended. The association's door stays open."),
                  "success")
            return see_other(url_for("clients.show", client_id=client.id))
    return _ending_section(client, form, 422)


def _ending_error(form, error) -> None:
    """Put a refusal of the ending service next to its field, or above the form."""
    if error.code == "no_consent":
        message = _("%(party)s cannot be told: %(reason)s", party=error.details["party"],
                    reason=consent_reason(error.details["reason"], error.details["when"]))
    elif error.code in ("task_choice", "pairing_choice"):
        message = _("The open tasks or peer pairings changed while you were filling in the form. "
                    "Check the choices and save again.")
        form.form_errors.append(message)
        return
    else:
        message = _("Check this field.")
    field = form._fields.get(error.field or "")
    if field is None:
        form.form_errors.append(message)
    else:
        field.errors = list(field.errors) + [message]


@bp.route("/<int:client_id>/reopen", methods=["POST"])
@allow(STAFF)
def reopen(client_id: int):
    """Open an ended client relationship again."""
    client = client_or_404(client_id, "ending")
    try:
        ending = services.reopen_client(client, actor=current_user)
    except services.ClientRuleError:
        db.session.rollback()
    else:
        db.session.commit()
        flash(_("The client relationship is open again."), "success")
        if ending is not None and ending.agreement_version:
            flash(_("The contact agreement (version %(number)d) ended with the client "
                    "relationship and is not in force again. Make a new version together with "
                    "the client.", number=ending.agreement_version), "info")
    return redirect(url_for("clients.show", client_id=client.id), 303)


@bp.route("/<int:client_id>/export", methods=["POST"])
@allow(STAFF)
def export(client_id: int):
    """Send all of the client's data as one JSON file, for a request to see one's own data."""
    from .export import client_data

    client = client_or_404(client_id, write=True)
    document = json.dumps(client_data(client), ensure_ascii=False, indent=2)
    audit.record(audit.Action.EXPORT, client_id=client.id, object_type="client",
                 object_id=str(client.id), detail="data export (JSON)")
    db.session.commit()
    response = current_app.response_class(document, mimetype="application/json")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="client-{client.id}-{local_today().isoformat()}.json"')
    return response
