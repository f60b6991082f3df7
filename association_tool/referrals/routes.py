"""The referrals section of the client page, one referral's path, its follow-up and its letter."""
from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import audit
from ..access import SIGNED_IN, STAFF, allow, client_or_404, owned_or_404, sees_all_clients
from ..database import write_transaction
from ..extensions import db
from ..forms import save_versioned
from ..htmx import is_fragment, render_section, see_other
from ..models.referrals import Referral
from ..pdf import pdf_response, render_pdf
from ..settings import letterhead, who_to_call
from ..timeutil import local_today
from ..users import workers
from . import bp, services, texts
from .forms import FollowUpForm, ObservationForm, ReferralForm, StepForm
from .timeline import client_timeline

STALE = lambda: _("Someone else changed this referral while you were writing. Your text is "  # noqa: E731
                  "still here: check it and save again.")


def _fail(form, error: services.ReferralError) -> None:
    """Show a service rule next to the field it concerns."""
    field = getattr(form, error.field or "", None)
    message = texts.message(error.code)
    if field is not None:
        field.errors = list(field.errors) + [message]
    else:
        form.form_errors.append(message)


def _referral_form(direction, referral=None, formdata=None) -> ReferralForm:
    keep = [referral.worker_id] if referral is not None else []
    kwargs = dict(direction=direction,
                  organisations=services.organisations(referral and referral.organisation_id),
                  people=services.people(referral and referral.contact_person_id),
                  workers=workers(keep=keep),
                  editing=referral is not None)
    if formdata is not None:
        return ReferralForm(formdata, **kwargs)
    if referral is not None:
        form = ReferralForm(formdata=None, obj=referral, **kwargs)
        form.version.data = str(referral.version)
        return form
    return ReferralForm(formdata=None, **kwargs)


def _observation_form(formdata=None) -> ObservationForm:
    if formdata is not None:
        return ObservationForm(formdata, organisations=services.organisations())
    return ObservationForm(formdata=None, organisations=services.organisations())


def _section(client, status=200, out_form=None, in_form=None, observation_form=None,
             open_form=None):
    """Render the referrals list with the path picture, and (for staff) the forms.

    The two referral forms (each with the directory's organisations and people and the
    workers) and the form for what was shared with a partner (the directory's organisations)
    are built only when shown open: after an error, or `open_form` ("out", "in" or
    "observation") for a plain link to one of them. Closed, each is fetched when opened
    (`new_form`, `observation_form_page`).
    """
    audit.log_view(client.id, "referrals")
    staff = sees_all_clients(current_user)
    referrals = services.referrals_of(client)
    context = dict(referrals=referrals, staff=staff, today=local_today(),
                   attention={r.id: services.attention(r) for r in referrals},
                   timeline=client_timeline(client, current_user))
    if staff:
        if open_form == "out" and out_form is None:
            out_form = _referral_form("out")
        if open_form == "in" and in_form is None:
            in_form = _referral_form("in")
        if open_form == "observation" and observation_form is None:
            observation_form = _observation_form()
        context.update(out_form=out_form, in_form=in_form, observation_form=observation_form,
                       observations=services.observations_of(client))
    return render_section(client, "referrals/_section.html", status=status, **context)


def _show(client, referral, status=200, step_form=None, follow_up_form=None):
    """Render one referral: its details, its path, the follow-up and the letter."""
    audit.log_view(client.id, "referral", referral.id)
    staff = sees_all_clients(current_user)
    context = dict(referral=referral, staff=staff, today=local_today(),
                   attention=services.attention(referral),
                   task=services.follow_up_task(referral))
    if staff:
        steps = services.allowed_steps(referral)
        if step_form is None and steps:
            step_form = StepForm(formdata=None, steps=steps, direction=referral.direction)
            step_form.version.data = str(referral.version)
        if follow_up_form is None and referral.direction == "out" and referral.state != "revoked":
            follow_up_form = FollowUpForm(formdata=None)
            follow_up_form.version.data = str(referral.version)
        parts, consent = services.letter_parts(referral)
        context.update(step_form=step_form, follow_up_form=follow_up_form, letter_parts=parts,
                       steps=steps,
                       left_out_reasons=texts.LEFT_OUT)
    return render_section(client, "referrals/_referral_page.html", status=status, **context)


# --- routes -------------------------------------------------------------------------------------

@bp.route("/clients/<int:client_id>/referrals")
@allow(SIGNED_IN)
def section(client_id: int):
    """Show the client's referrals, both ways, and the path as a picture."""
    return _section(client_or_404(client_id, "referrals"))


@bp.route("/clients/<int:client_id>/referrals/out", defaults={"direction": "out"})
@bp.route("/clients/<int:client_id>/referrals/in", defaults={"direction": "in"})
@allow(STAFF)
def new_form(client_id: int, direction: str):
    """An empty referral form: alone for htmx (opened in the section), or the section with
    that form open for a plain request."""
    client = client_or_404(client_id, "referrals", write=True)
    if not is_fragment():
        return _section(client, open_form=direction)
    return render_section(client, "referrals/_referral_form.html",
                          form=_referral_form(direction), direction=direction)


@bp.route("/clients/<int:client_id>/referrals/out", methods=["POST"], defaults={"direction": "out"})
@bp.route("/clients/<int:client_id>/referrals/in", methods=["POST"], defaults={"direction": "in"})
@allow(STAFF)
def create(client_id: int, direction: str):
    """Record a referral out (sent) or in (received)."""
    client = client_or_404(client_id, "referrals", write=True)
    form = _referral_form(direction, formdata=request.form)
    if form.validate_on_submit():
        try:
            referral = services.create_referral(client, direction, form.values(),
                                                actor=current_user, told_by=form.told_by.data)
        except services.ReferralError as error:
            db.session.rollback()
            _fail(form, error)
        else:
            db.session.commit()
            flash(_("Referral saved."), "success")
            return see_other(url_for("referrals.show", client_id=client.id,
                                     referral_id=referral.id))
    forms = {"out_form": form} if direction == "out" else {"in_form": form}
    return _section(client, 422, **forms)


@bp.route("/clients/<int:client_id>/referrals/<int:referral_id>")
@allow(SIGNED_IN)
def show(client_id: int, referral_id: int):
    """Show one referral with its path, its follow-up and (for staff) its letter."""
    client = client_or_404(client_id, "referrals")
    return _show(client, owned_or_404(Referral, referral_id, client))


@bp.route("/clients/<int:client_id>/referrals/<int:referral_id>/edit", methods=["GET", "POST"])
@allow(STAFF)
def edit(client_id: int, referral_id: int):
    """Change a referral's details; a save over someone else's newer save is refused."""
    client = client_or_404(client_id, "referrals", write=True)
    referral = owned_or_404(Referral, referral_id, client)
    if request.method == "GET":
        form = _referral_form(referral.direction, referral)
        return render_section(client, "referrals/_edit_page.html", referral=referral, form=form)
    form = _referral_form(referral.direction, referral, formdata=request.form)
    if form.validate_on_submit() and save_versioned(
            form, lambda version: services.update_referral(referral, form.values(),
                                                           version=version, actor=current_user),
            errors=services.ReferralError, on_error=_fail, stale_message=STALE(),
            current_version=lambda: owned_or_404(Referral, referral_id, client).version):
        flash(_("Changes saved."), "success")
        return see_other(url_for("referrals.show", client_id=client.id, referral_id=referral.id))
    return render_section(client, "referrals/_edit_page.html", status=422,
                          referral=owned_or_404(Referral, referral_id, client), form=form)


@bp.route("/clients/<int:client_id>/referrals/<int:referral_id>/step", methods=["POST"])
@allow(STAFF)
def step(client_id: int, referral_id: int):
    """Record the next step of the path, as the partner or the client told us."""
    client = client_or_404(client_id, "referrals", write=True)
    referral = owned_or_404(Referral, referral_id, client)
    form = StepForm(request.form, steps=services.allowed_steps(referral),
                    direction=referral.direction)
    if form.validate_on_submit() and save_versioned(
            form, lambda version: services.record_step(
                referral, form.state.data, on=form.on.data, told_by=form.told_by.data,
                note=form.note.data, reason=form.reason.data, elsewhere=form.elsewhere.data,
                first_meeting_on=form.first_meeting_on.data, version=version, actor=current_user),
            errors=services.ReferralError, on_error=_fail, stale_message=STALE(),
            current_version=lambda: owned_or_404(Referral, referral_id, client).version):
        flash(_("The step is recorded."), "success")
        return see_other(url_for("referrals.show", client_id=client.id, referral_id=referral.id))
    return _show(client, owned_or_404(Referral, referral_id, client), 422, step_form=form)


@bp.route("/clients/<int:client_id>/referrals/<int:referral_id>/follow-up", methods=["POST"])
@allow(STAFF)
def follow_up(client_id: int, referral_id: int):
    """Record the follow-up call; its task is done, and a new one is set if the path goes on."""
    client = client_or_404(client_id, "referrals", write=True)
    referral = owned_or_404(Referral, referral_id, client)
    form = FollowUpForm(request.form)
    if form.validate_on_submit():
        answer = services.FollowUpAnswer(
            got_service=form.got_service.data, next_step=form.next_step.data,
            answered_on=form.answered_on.data, rating=form.rating.data,
            client_words=form.client_words.data, obstacles=list(form.obstacles.data or ()),
            obstacle_note=form.obstacle_note.data,
            next_follow_up_on=form.next_follow_up_on.data)
        if save_versioned(
                form, lambda version: services.answer_follow_up(referral, answer, version=version,
                                                                actor=current_user),
                errors=services.ReferralError, on_error=_fail, stale_message=STALE(),
                current_version=lambda: owned_or_404(Referral, referral_id, client).version):
            flash(_("The follow-up is recorded."), "success")
            return see_other(url_for("referrals.show", client_id=client.id,
                                     referral_id=referral.id))
    return _show(client, owned_or_404(Referral, referral_id, client), 422, follow_up_form=form)


@bp.route("/clients/<int:client_id>/referrals/observations")
@allow(STAFF)
def observation_form_page(client_id: int):
    """An empty form for what was shared with a partner: alone for htmx (opened in the
    section), or the section with the form open for a plain request."""
    client = client_or_404(client_id, "referrals", write=True)
    if not is_fragment():
        return _section(client, open_form="observation")
    return render_section(client, "referrals/_observation_form.html", form=_observation_form())


@bp.route("/clients/<int:client_id>/referrals/observations", methods=["POST"])
@allow(STAFF)
def observation(client_id: int):
    """Record an observation, call or message shared with a partner (a disclosure, under consent)."""
    client = client_or_404(client_id, "referrals", write=True)
    form = _observation_form(request.form)
    if form.validate_on_submit():
        data = {name: getattr(form, name).data for name in
                ("kind", "organisation_id", "what", "information", "how", "client_knows", "on")}
        try:
            services.share_observation(client, data, actor=current_user)
        except services.ReferralError as error:
            db.session.rollback()
            _fail(form, error)
        else:
            db.session.commit()
            flash(_("What was shared is recorded."), "success")
            return see_other(url_for("referrals.section", client_id=client.id))
    return _section(client, 422, observation_form=form)


@bp.route("/clients/<int:client_id>/referrals/<int:referral_id>/letter.pdf")
@allow(STAFF)
def letter(client_id: int, referral_id: int):
    """The referral letter: only what the consent to the recipient covers today; the print is logged."""
    client = client_or_404(client_id, "referrals", write=True)
    referral = owned_or_404(Referral, referral_id, client)
    parts, consent = services.letter_parts(referral)
    included = {p.name for p in parts if p.included}
    lang = client.language if client.language in ("fi", "sv", "en") else "fi"
    from flask_babel import force_locale

    with force_locale(lang):
        title = _("Referral letter")
    worker = referral.worker or current_user
    document = render_pdf(
        "pdf/referral_letter.html", title=title, lang=lang, **letterhead(),
        referral=referral, client=client, included=included,
        left_out=[p for p in parts if not p.included], left_out_reasons=texts.LEFT_OUT,
        lines=services.agreement_lines_for(referral) if "agreement" in included else [],
        call=who_to_call(worker))
    with write_transaction():
        services.letter_printed(referral, parts, consent)
    return pdf_response(document, f"ohjaus-{referral.sent_on.isoformat()}.pdf")


@bp.route("/referrals/partners")
@allow(STAFF)
def partners():
    """Per partner: how many referrals were sent, accepted, started, and the follow-up answers."""
    from flask import render_template

    return render_template("referrals/partners.html", figures=services.partner_figures())
