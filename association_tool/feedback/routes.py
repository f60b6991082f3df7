"""The client's voice: the public feedback forms (kiosk and partner link), the staff's view of
the feedback, typing in paper answers, the printable paper form, and the quality
self-assessment."""
from __future__ import annotations

from datetime import date, timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user

from ..access import ADMIN, PUBLIC, STAFF, allow, client_or_404, record_or_404
from ..extensions import db
from ..labels import labels_of
from ..models.feedback import QUALITY_DIMENSIONS, SCALE, QualityCriterion
from ..pdf import pdf_response, render_pdf
from ..public_limit import allow_submission
from ..settings import letterhead
from ..timeutil import local_today
from . import bp, services
from .forms import (AssessmentPeriodForm, ClientFeedbackForm, CriterionForm, PaperFeedbackForm,
                    PartnerFeedbackForm, PartnerLinkForm, SwitchesForm)

LANGUAGES = ("fi", "sv", "en")
KIOSK_LIMIT = (30, timedelta(hours=1))  # one device serves many clients
PARTNER_LIMIT = (10, timedelta(hours=1))
NOTE_MAX = 1000


def _public_language() -> str:
    lang = request.args.get("lang", "")
    return lang if lang in LANGUAGES else "fi"


# --- the public pages ---------------------------------------------------------------------------

@bp.route("/palaute", methods=["GET", "POST"])
@allow(PUBLIC)
def kiosk():
    """The client feedback form on the drop-in centre's own device: no sign-in, no names."""
    lang = _public_language()
    with force_locale(lang):
        if not services.kiosk_on():
            return render_template("feedback/public_closed.html", lang=lang), 404
        form = ClientFeedbackForm()
        if request.method == "POST" and form.validate_on_submit():
            if not allow_submission("kiosk", limit=KIOSK_LIMIT[0], per=KIOSK_LIMIT[1]):
                return render_template("feedback/public_form.html", form=form, lang=lang,
                                       limited=True, kind="client"), 429
            services.record_feedback(source="kiosk", first=form.first.data,
                                     second=form.second.data, words=form.words.data,
                                     language=lang)
            db.session.commit()
            return render_template("feedback/public_thanks.html", lang=lang,
                                   again=url_for("feedback.kiosk", lang=lang))
        status = 422 if form.errors or form.form_errors else 200
        return render_template("feedback/public_form.html", form=form, lang=lang,
                               kind="client"), status


@bp.route("/palaute/kumppani/<token>", methods=["GET", "POST"])
@allow(PUBLIC)
def partner(token: str):
    """A partner's questionnaire behind a one-time link; the answer names no client."""
    lang = _public_language()
    with force_locale(lang):
        link = services.usable_link(token)
        if link is None:
            return render_template("feedback/public_closed.html", lang=lang, link=True), 404
        form = PartnerFeedbackForm()
        if request.method == "POST" and form.validate_on_submit():
            if not allow_submission("partner", limit=PARTNER_LIMIT[0], per=PARTNER_LIMIT[1]):
                return render_template("feedback/public_form.html", form=form, lang=lang,
                                       limited=True, kind="partner"), 429
            services.record_feedback(kind="partner", source="partner_link",
                                     first=form.first.data, second=form.second.data,
                                     words=form.words.data, language=lang)
            services.use_link(link)
            db.session.commit()
            return render_template("feedback/public_thanks.html", lang=lang, again=None)
        status = 422 if form.errors or form.form_errors else 200
        return render_template("feedback/public_form.html", form=form, lang=lang,
                               kind="partner"), status


# --- staff ---------------------------------------------------------------------------------------

def _periods():
    today = local_today()
    return [(_("This month"), today.replace(day=1), today),
            (_("This year"), today.replace(month=1, day=1), today)]


def _index(status: int = 200, *, switches=None, link_form=None, new_link=None):
    if switches is None:
        switches = SwitchesForm(formdata=None)
        switches.kiosk.data = services.kiosk_on()
        switches.partner_links.data = services.partner_links_on()
    summaries = [(name, services.summary("client", start, end),
                  services.summary("partner", start, end)) for name, start, end in _periods()]
    return render_template(
        "feedback/index.html", summaries=summaries, client_feedback=services.latest("client"),
        partner_feedback=services.latest("partner", 20), switches=switches,
        link_form=link_form or PartnerLinkForm(formdata=None), new_link=new_link,
        open_links=services.open_links(), kiosk_on=services.kiosk_on(),
        partner_links_on=services.partner_links_on(), sources=labels_of("feedback_source"),
    ), status


@bp.route("/feedback")
@allow(STAFF)
def index():
    """What clients and partners have said, with the switches and the paper form."""
    return _index()


@bp.route("/feedback/switches", methods=["POST"])
@allow(STAFF)
def switches():
    form = SwitchesForm()
    if not form.validate_on_submit():
        return _index(422, switches=form)
    changed = services.set_switches(kiosk=form.kiosk.data, partner_links=form.partner_links.data)
    db.session.commit()
    if changed:
        flash(_("Saved."), "success")
    return redirect(url_for("feedback.index"), 303)


@bp.route("/feedback/partner-links", methods=["POST"])
@allow(STAFF)
def partner_link():
    """Make a one-time link; its address is shown this once."""
    form = PartnerLinkForm()
    if not services.partner_links_on():
        flash(_("Partner links are switched off."), "error")
        return redirect(url_for("feedback.index"), 303)
    if not form.validate_on_submit():
        return _index(422, link_form=form)
    link, token = services.create_partner_link(form.label.data, current_user.id)
    db.session.commit()
    address = url_for("feedback.partner", token=token, _external=True)
    return _index(new_link=(link, address))


@bp.route("/feedback/new", methods=["GET", "POST"])
@allow(STAFF)
def new():
    """Type in an answer given on paper or aloud; linked to a client only at their wish."""
    client_id = request.values.get("client_id", type=int)
    client = client_or_404(client_id) if client_id else None
    form = PaperFeedbackForm()
    if not form.is_submitted():
        form.language.data = client.language if client and client.language in LANGUAGES else "fi"
        if request.args.get("source") in dict(form.source.choices):
            form.source.data = request.args["source"]
    if form.validate_on_submit():
        services.record_feedback(source=form.source.data, first=form.first.data,
                                 second=form.second.data, words=form.words.data,
                                 language=form.language.data, received_on=form.received_on.data,
                                 client_id=client.id if client else None,
                                 entered_by_id=current_user.id)
        db.session.commit()
        flash(_("The answer was saved."), "success")
        if client:
            return redirect(url_for("goals.section", client_id=client.id), 303)
        return redirect(url_for("feedback.index"), 303)
    status = 422 if form.is_submitted() else 200
    return render_template("feedback/new.html", form=form, client=client), status


@bp.route("/feedback/paper-form.pdf")
@allow(STAFF)
def paper_form():
    """The same questions on paper, for a client who prefers a pen; staff type the answers in."""
    lang = _public_language()
    with force_locale(lang):
        title = _("Feedback")
        form = ClientFeedbackForm(formdata=None)
        document = render_pdf("pdf/feedback_form.html", title=title, lang=lang,
                              form=form, scale=SCALE, **letterhead())
    return pdf_response(document, f"feedback-form-{lang}.pdf")


# --- quality self-assessment ---------------------------------------------------------------------

def _scores_from(form_data, criteria) -> tuple[dict, dict]:
    scores, errors = {}, {}
    for criterion in criteria:
        raw = (form_data.get(f"score-{criterion.id}") or "").strip()
        note = (form_data.get(f"note-{criterion.id}") or "").strip()
        if raw and raw not in {str(n) for n in SCALE}:
            errors[criterion.id] = _("Choose a score from 1 to 5, or leave it empty.")
        elif len(note) > NOTE_MAX:
            errors[criterion.id] = _("At most %(max)d characters, please.", max=NOTE_MAX)
        scores[criterion.id] = (int(raw) if raw in {str(n) for n in SCALE} else None, note)
    return scores, errors


@bp.route("/quality")
@allow(STAFF)
def quality():
    """Self-assessments of the quality criteria over periods, beside the client feedback."""
    rows = services.dimension_averages()
    feedback = {a.id: services.summary("client", a.period_start, a.period_end)
                for a, _averages in rows}
    return render_template("feedback/quality.html", rows=rows, feedback=feedback,
                           dimensions=QUALITY_DIMENSIONS, criteria=services.criteria(),
                           labels=labels_of("quality_dimension"))


@bp.route("/quality/new", methods=["GET", "POST"])
@allow(STAFF)
def quality_new():
    criteria = services.criteria()
    form = AssessmentPeriodForm()
    if not form.is_submitted():
        today = local_today()
        start = date(today.year, 1, 1) if today.month > 6 else date(today.year - 1, 7, 1)
        form.period_start.data, form.period_end.data = start, today
        form.team.data = "team"
    scores, errors = _scores_from(request.form, criteria)
    if form.validate_on_submit() and not errors:
        services.record_assessment(start=form.period_start.data, end=form.period_end.data,
                                   team=form.team.data == "team", author_id=current_user.id,
                                   scores=scores)
        db.session.commit()
        flash(_("The self-assessment was saved."), "success")
        return redirect(url_for("feedback.quality"), 303)
    db.session.commit()  # the default criteria, made on first use
    status = 422 if form.is_submitted() else 200
    return render_template("feedback/quality_form.html", form=form, criteria=criteria,
                           values=request.form, errors=errors, scale=SCALE,
                           labels=labels_of("quality_dimension"),
                           dimensions=QUALITY_DIMENSIONS), status


@bp.route("/quality/criteria/<int:criterion_id>", methods=["GET", "POST"])
@allow(ADMIN)
def criterion_edit(criterion_id: int):
    """Change a criterion's wording: a new version; earlier assessments keep the old one."""
    criterion = record_or_404(QualityCriterion, criterion_id)
    if not criterion.active:
        abort(404)
    form = CriterionForm(data={"text": criterion.text} if request.method == "GET" else None)
    if form.validate_on_submit():
        if services.revise_criterion(criterion, form.text.data) is not criterion:
            flash(_("The new wording was saved. Earlier assessments keep the old one."),
                  "success")
        db.session.commit()
        return redirect(url_for("feedback.quality"), 303)
    status = 422 if form.is_submitted() else 200
    return render_template("feedback/criterion_form.html", form=form, criterion=criterion,
                           labels=labels_of("quality_dimension")), status


# --- the client's own plan -------------------------------------------------------------------------

@bp.route("/clients/<int:client_id>/my-plan.pdf")
@allow(STAFF)
def client_plan(client_id: int):
    """"Minun suunnitelmani": the client's plan as a PDF in their language; logged as printed."""
    from .. import audit
    from ..database import write_transaction
    from . import plan

    client = client_or_404(client_id)
    lang = plan.plan_language(client, request.args.get("lang"))
    large_print = request.args.get("large") == "1"
    with force_locale(lang):
        title = _("My plan")
        context = plan.plan_context(client, local_today())
        document = render_pdf("pdf/client_plan.html", title=title, lang=lang,
                              large_print=large_print, **letterhead(), **context)
    with write_transaction():
        audit.record(audit.Action.PRINT, object_type="client_plan", object_id=client.id,
                     client_id=client.id, detail=f"lang={lang} large_print={large_print}")
    return pdf_response(document, f"my-plan-{lang}.pdf")
