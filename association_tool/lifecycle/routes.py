"""Admin pages of the client data lifecycle: the retention policy and the review of what is due.

Nothing is anonymised without an administrator choosing it and confirming a page that names how
many people it concerns.
"""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select

from .. import audit
from ..access import ADMIN, STAFF, allow, client_or_404
from ..database import write_transaction
from ..extensions import db
from ..models import Client
from ..models.lifecycle import DeletionRequest
from ..pdf import pdf_response, render_pdf
from ..settings import (RETENTION_ANONYMOUS_MONTHS, RETENTION_CLIENT_MONTHS,
                        RETENTION_LOG_MONTHS, copy_includes_staff_only,
                        letterhead, retention_policy, store_retention_policy, who_to_call)
from ..timeutil import local_today
from . import bp, erasure, retention
from . import own_copy as own_copy_service
from .anonymise import AnonymiseError, anonymise_client
from .forms import (DELETION_REASON_LABELS, ActionForm, AnonymiseForm, DeletionRequestForm,
                    EraseForm, PolicyForm)


def _policy_form() -> PolicyForm:
    policy = retention_policy()
    return PolicyForm(data=dict(client_months=policy[RETENTION_CLIENT_MONTHS],
                                anonymous_months=policy[RETENTION_ANONYMOUS_MONTHS],
                                log_months=policy[RETENTION_LOG_MONTHS],
                                include_staff_only=copy_includes_staff_only()))


def _page(policy_form: PolicyForm, status: int = 200):
    due = retention.due_clients()
    requests = erasure.pending_requests()
    names = {c.id: c.display_name for c in db.session.scalars(
        select(Client).where(Client.id.in_([r.client_id for r in requests])))} if requests else {}
    audit.log_views([c.id for c in due] + list(names), "retention review")
    every = AnonymiseForm(data=dict(client_ids=",".join(str(c.id) for c in due),
                                    count=str(len(due))))
    return render_template(
        "lifecycle/review.html", policy_form=policy_form, due=due, every=every,
        cutoff=retention.cutoff(), anonymous_due=retention.due_anonymous_contacts(),
        anonymous_cutoff=retention.anonymous_cutoff(), action_form=ActionForm(),
        requests=requests, names=names, reason_labels=DELETION_REASON_LABELS), status


@bp.route("/admin/retention")
@allow(ADMIN)
def review():
    """The retention policy, and the clients whose period has passed."""
    return _page(_policy_form())


@bp.route("/admin/retention/policy", methods=["POST"])
@allow(ADMIN)
def policy():
    """Save the retention policy."""
    form = PolicyForm()
    if not form.validate_on_submit():
        return _page(form, 422)
    changed = store_retention_policy({RETENTION_CLIENT_MONTHS: form.client_months.data,
                                      RETENTION_ANONYMOUS_MONTHS: form.anonymous_months.data,
                                      RETENTION_LOG_MONTHS: form.log_months.data},
                                     form.include_staff_only.data)
    db.session.commit()
    if changed:
        flash(_("Changes saved."), "success")
    return redirect(url_for("lifecycle.review"), 303)


def _chosen(form: AnonymiseForm):
    """The chosen clients, when every one is still listed as due; otherwise None."""
    due = {c.id: c for c in retention.due_clients()}
    chosen = [due.get(client_id) for client_id in form.ids]
    if not chosen or None in chosen:
        return None
    return chosen


def _not_listed():
    flash(_("Only clients listed here can be anonymised, and the list has changed. Nothing was "
            "anonymised; check the list and choose again."), "error")
    return redirect(url_for("lifecycle.review"), 303)


@bp.route("/admin/retention/confirm", methods=["POST"])
@allow(ADMIN)
def confirm():
    """Ask before anonymising: name how many people are affected (changes nothing)."""
    form = AnonymiseForm()
    if not form.validate_on_submit():
        abort(400)
    chosen = _chosen(form)
    if chosen is None:
        return _not_listed()
    form.count.data = str(len(chosen))
    audit.log_views([c.id for c in chosen], "retention review")
    return render_template("lifecycle/confirm.html", form=form, chosen=chosen)


@bp.route("/admin/retention/anonymise", methods=["POST"])
@allow(ADMIN)
def anonymise():
    """Anonymise the confirmed clients, all or none."""
    form = AnonymiseForm()
    if not form.validate_on_submit():
        abort(400)
    chosen = _chosen(form)
    if chosen is None or form.count.data != str(len(chosen)):  # changed since confirmed
        return _not_listed()
    try:
        for client in chosen:
            anonymise_client(client.id, reason="retention period passed")
    except AnonymiseError:
        db.session.rollback()
        abort(409)
    db.session.commit()
    flash(ngettext("%(num)d person anonymised.", "%(num)d people anonymised.", len(chosen)),
          "success")
    return redirect(url_for("lifecycle.review"), 303)


@bp.route("/admin/retention/anonymous-contacts", methods=["POST"])
@allow(ADMIN)
def clear_anonymous():
    """Empty the notes of anonymous contacts past their period."""
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    cleared = retention.clear_anonymous_notes()
    db.session.commit()
    flash(ngettext("The note of %(num)d anonymous contact emptied.",
                   "The notes of %(num)d anonymous contacts emptied.", cleared), "success")
    return redirect(url_for("lifecycle.review"), 303)



@bp.route("/clients/<int:client_id>/own-copy.pdf", methods=["POST"])
@allow(STAFF)
def own_copy(client_id: int):
    """The client's own copy as a PDF in their language, with who has handled their data."""
    from flask_babel import force_locale

    client = client_or_404(client_id, write=True)
    lang = own_copy_service.copy_language(client)
    with force_locale(lang):
        title = _("What is recorded about you")
    context = own_copy_service.copy_context(client)
    document = render_pdf("pdf/client_copy.html", title=title, lang=lang, today=local_today(),
                          call=who_to_call(client.responsible), **letterhead(), **context)
    with write_transaction():
        audit.record(audit.Action.EXPORT, client_id=client.id, object_type="client",
                     object_id=str(client.id), detail=f"the client's own copy (PDF, {lang})")
    return pdf_response(document, f"client-{client.id}-{local_today().isoformat()}.pdf")


# --- erasure on request, and removing a record entered by mistake ---------------------------------

_ERASURE_MESSAGES = {
    "not ended": lambda: _("End the client relationship first; then the data can be erased."),
    "already anonymised": lambda: _("The client's data has already been anonymised."),
    "already requested": lambda: _("Removing this record has already been asked; another "
                                   "administrator approves it."),
    "same admin": lambda: _("Another administrator must approve: you asked for this yourself."),
    "decided": lambda: _("This request has already been decided."),
    "unknown reason": lambda: _("Choose a reason from the list."),
}


def _erase_page(client, erase_form=None, request_form=None, status=200):
    return render_template(
        "lifecycle/erase.html", client=client, erase_form=erase_form or EraseForm(),
        request_form=request_form or DeletionRequestForm(),
        pending=erasure.pending_for(client.id)), status


@bp.route("/admin/clients/<int:client_id>/erase")
@allow(ADMIN)
def erase_page(client_id: int):
    """Erase a client on their request, or ask to remove a record entered by mistake."""
    client = client_or_404(client_id, write=True)
    audit.log_view(client.id, "erasure")
    return _erase_page(client)


@bp.route("/admin/clients/<int:client_id>/erase", methods=["POST"])
@allow(ADMIN)
def erase(client_id: int):
    """Anonymise the client on their request, with the reason recorded."""
    client = client_or_404(client_id, write=True)
    form = EraseForm()
    if not form.validate_on_submit():
        return _erase_page(client, erase_form=form, status=422)
    try:
        erasure.erase_on_request(client)
    except erasure.ErasureError as error:
        db.session.rollback()
        flash(_ERASURE_MESSAGES[str(error)](), "error")
        return redirect(url_for("lifecycle.erase_page", client_id=client_id), 303)
    db.session.commit()
    flash(_("The client's data was erased. The statistics keep their figures."), "success")
    return redirect(url_for("lifecycle.review"), 303)


@bp.route("/admin/clients/<int:client_id>/deletion-request", methods=["POST"])
@allow(ADMIN)
def request_deletion(client_id: int):
    """Ask to remove a record entered by mistake (a second administrator approves)."""
    client = client_or_404(client_id, write=True)
    form = DeletionRequestForm()
    if not form.validate_on_submit():
        return _erase_page(client, request_form=form, status=422)
    try:
        erasure.request_deletion(client, form.reason.data, by=current_user)
    except erasure.ErasureError as error:
        db.session.rollback()
        flash(_ERASURE_MESSAGES[str(error)](), "error")
        return redirect(url_for("lifecycle.erase_page", client_id=client_id), 303)
    db.session.commit()
    flash(_("Asked. Another administrator approves the removal on the retention page."),
          "success")
    return redirect(url_for("lifecycle.review"), 303)


def _request_or_404(request_id: int) -> DeletionRequest:
    request = db.session.get(DeletionRequest, request_id) if 0 < request_id < 2**31 else None
    if request is None:
        abort(404)
    return request


@bp.route("/admin/deletion-requests/<int:request_id>/approve", methods=["POST"])
@allow(ADMIN)
def approve_deletion(request_id: int):
    """Approve a request to remove a record entered by mistake (a second administrator)."""
    return _decide(request_id, erasure.approve_deletion, _("The record was removed."))


@bp.route("/admin/deletion-requests/<int:request_id>/cancel", methods=["POST"])
@allow(ADMIN)
def cancel_deletion(request_id: int):
    """Cancel a request to remove a record (either administrator)."""
    return _decide(request_id, erasure.cancel_deletion, _("The request was cancelled."))


def _decide(request_id: int, decide, done: str):
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    request = _request_or_404(request_id)
    try:
        decide(request, by=current_user)
    except erasure.ErasureError as error:
        db.session.rollback()
        flash(_ERASURE_MESSAGES[str(error)](), "error")
        return redirect(url_for("lifecycle.review"), 303)
    db.session.commit()
    flash(done, "success")
    return redirect(url_for("lifecycle.review"), 303)
