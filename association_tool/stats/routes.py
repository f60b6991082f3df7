"""The statistics page, its CSV and its PDF: staff and admins only; every view is logged."""
from __future__ import annotations

from datetime import date, timedelta

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _

from .. import audit, htmx
from ..access import ADMIN, STAFF, allow
from ..database import write_transaction
from ..pdf import pdf_response, render_pdf
from ..extensions import db
from ..settings import letterhead, setting_value, store_setting
from ..timeutil import local_today
from ..groups import services as groups
from . import bp, charts, export, figures, suppression
from .forms import LANGUAGES, StatsFilterForm, ThresholdForm

THRESHOLD_KEY = "stats_threshold"


def threshold() -> int:
    """The suppression threshold of the association (setting, default 5)."""
    return suppression.clamp_threshold(setting_value(THRESHOLD_KEY) or suppression.DEFAULT_THRESHOLD)


def _form() -> StatsFilterForm:
    """The period and filter form, read from the address."""
    return StatsFilterForm(request.args, activity_choices=groups.activity_choices(
        keep=_requested_activity(), blank=_("All activities")))


def _requested_activity() -> int | None:
    try:
        value = int(request.args.get("activity", ""))
    except ValueError:
        return None
    return value if 0 < value < 2**31 else None


def _period(form: StatsFilterForm) -> figures.Period:
    form.validate()
    start, end = form.period_or_default(local_today())
    return figures.Period(start, end, form.chosen_activity())


def _logged(what: str, period: figures.Period) -> None:
    """Log the view or export of the figures, with the period and the filters."""
    detail = f"{what}, {period.start.isoformat()}–{period.end.isoformat()}"
    if period.activity_id is not None:
        detail += f", activity {period.activity_id}"
    with write_transaction():
        audit.record(audit.Action.EXPORT, object_type="statistics", detail=detail)


def _args(period: figures.Period) -> dict:
    args = {"start": period.start.isoformat(), "end": period.end.isoformat()}
    if period.activity_id is not None:
        args["activity"] = period.activity_id
    return args


def _report(period: figures.Period) -> figures.Report:
    return figures.build_report(figures.count_figures(period), period, threshold())


def _presets(today: date) -> list[tuple[str, date, date]]:
    """Quick choices: this year and last year, and the quarters of this year so far."""
    year = today.year
    presets = [(str(year), date(year, 1, 1), date(year, 12, 31)),
               (str(year - 1), date(year - 1, 1, 1), date(year - 1, 12, 31))]
    for quarter in range(1, 5):
        start = date(year, 3 * quarter - 2, 1)
        if start > today:
            break
        end = (date(year, 12, 31) if quarter == 4
               else date(year, 3 * quarter + 1, 1) - timedelta(days=1))
        presets.append((f"Q{quarter}/{year}", start, end))
    return presets


@bp.route("/stats")
@allow(STAFF)
def index():
    """The figures of a period as tables with pictures beside them."""
    form = _form()
    period = _period(form)
    report = _report(period)
    _logged("page", period)
    lang = str(get_locale() or "fi")
    if lang not in dict(LANGUAGES):
        lang = "fi"
    if not form.lang.data:
        form.lang.data = lang
    if not form.errors:  # show the period used, also when none was given
        form.start.data, form.end.data = period.start, period.end
    args = _args(period)
    activity_name = dict(form.activity.choices).get(str(period.activity_id)) if period.activity_id else None
    from ..feedback import services as feedback
    from ..labels import labels_of
    from ..models.feedback import QUALITY_DIMENSIONS

    quality = feedback.dimension_averages_between(period.start, period.end)
    response = Response(render_template(
        "stats/index.html", form=form, report=report, chart=charts.chart,
        quality=quality, quality_dimensions=QUALITY_DIMENSIONS,
        quality_labels=labels_of("quality_dimension"),
        presets=_presets(local_today()), args=args, activity_name=activity_name,
        csv_url=url_for("stats.report_csv", **args)))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/stats/report.csv")
@allow(STAFF)
def report_csv():
    """The figures as a spreadsheet file."""
    if htmx.is_htmx():
        return htmx.full_redirect(request.full_path)
    form = _form()
    period = _period(form)
    data = export.report_csv(_report(period))
    _logged("csv", period)
    filename = f"tilastot-{period.start.isoformat()}-{period.end.isoformat()}.csv"
    return Response(data, mimetype="text/csv", headers={
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "no-store",
    })


@bp.route("/stats/report.pdf")
@allow(STAFF)
def report_pdf():
    """The figures as a PDF report in Finnish, Swedish or English."""
    if htmx.is_htmx():
        return htmx.full_redirect(request.full_path)
    form = _form()
    period = _period(form)
    lang = form.lang.data if form.lang.data in dict(LANGUAGES) else "fi"
    counts = figures.count_figures(period)
    with force_locale(lang):
        report = figures.build_report(counts, period, threshold())
        title = _("Statistics %(start)s – %(end)s", start=period.start.strftime("%d.%m.%Y"),
                  end=period.end.strftime("%d.%m.%Y"))
    activity_name = (dict(form.activity.choices).get(str(period.activity_id))
                     if period.activity_id else None)
    document = render_pdf("pdf/statistics.html", title=title, lang=lang, report=report,
                          activity_name=activity_name, **letterhead())
    _logged(f"pdf {lang}", period)
    return pdf_response(document, f"tilastot-{period.start.isoformat()}-{period.end.isoformat()}.pdf")


@bp.route("/admin/statistics", methods=["GET", "POST"])
@allow(ADMIN)
def settings():
    """The suppression threshold of the statistics."""
    if request.method == "GET":
        form = ThresholdForm(formdata=None)
        form.threshold.data = threshold()
        return render_template("stats/settings.html", form=form)
    form = ThresholdForm(request.form)
    if form.validate_on_submit():
        # The default is not stored: saving it unchanged changes nothing.
        if form.threshold.data != threshold() and store_setting(THRESHOLD_KEY,
                                                                 str(form.threshold.data)):
            audit.record(audit.Action.UPDATE, object_type="setting", object_id=THRESHOLD_KEY,
                         detail=str(form.threshold.data))
        db.session.commit()
        flash(_("Changes saved."), "success")
        return redirect(url_for("stats.settings"), 303)
    return render_template("stats/settings.html", form=form), 422
