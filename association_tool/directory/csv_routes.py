"""CSV import and export of the directory: export, upload and check, then confirm."""
from flask import Response, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import format_number
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, SubmitField
from wtforms.validators import AnyOf, DataRequired, Length

from .. import audit, htmx
from ..forms import AppForm
from ..access import STAFF, allow, deny
from ..database import write_transaction
from ..extensions import db
from ..models import ORGANISATION_TYPES
from ..timeutil import local_today
from . import bp, csv_export, csv_import, upload_store


class ImportForm(AppForm):
    """The spreadsheet to import."""

    file = FileField(_l("CSV file"), validators=[FileRequired(message=_l("Choose a CSV file."))],
                     description=_l("UTF-8, columns separated by semicolons or commas, at most "
                                    "2 MB and 5,000 rows."),
                     render_kw={"accept": ".csv,text/csv"})
    submit = SubmitField(_l("Check the file"))


class ConfirmImportForm(AppForm):
    """Confirms a checked file, kept on the server under its token."""

    token = HiddenField(validators=[DataRequired(), Length(max=64)])
    mode = HiddenField(validators=[AnyOf(("all", "valid"))])


@bp.route("/export.csv")
@allow(STAFF)
def export_csv():
    """Download the whole directory as a spreadsheet file."""
    if htmx.is_htmx():
        # A boosted link would put the file into the page: have the browser fetch it itself.
        return htmx.full_redirect(url_for("directory.export_csv"))
    data, rows = csv_export.export_csv()
    with write_transaction():
        audit.record(audit.Action.EXPORT, object_type="directory", detail=f"csv, {rows} rows")
    filename = f"hakemisto-{local_today().isoformat()}.csv"
    return Response(data, mimetype="text/csv", headers={
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "no-store",
    })


def _page(form=None, preview=None, token=None, filename=None, message=None, status=200):
    confirm = None
    if preview is not None and token:
        confirm = ConfirmImportForm(formdata=None, token=token,
                                    mode="valid" if preview.errors else "all")
    return render_template("directory/import.html", form=form or ImportForm(formdata=None),
                           preview=preview, confirm=confirm, filename=filename, message=message,
                           max_rows=format_number(csv_import.MAX_ROWS), columns=csv_export.COLUMNS,
                           types=ORGANISATION_TYPES), status


@bp.route("/import", methods=["GET", "POST"])
@allow(STAFF)
def import_csv():
    """Upload a spreadsheet; every row is checked and the result shown before anything is saved."""
    form = ImportForm()
    if not form.validate_on_submit():
        return _page(form, status=422 if form.is_submitted() else 200)
    upload = form.file.data
    data = upload.stream.read(csv_import.MAX_BYTES + 1)
    try:
        preview = csv_import.check(csv_import.parse(data))
    except csv_import.ImportProblem as problem:
        db.session.rollback()
        form.file.errors = list(form.file.errors) + [problem.message]
        return _page(form, status=422)
    db.session.rollback()  # checking reads only
    filename = (upload.filename or "")[:200]
    token = upload_store.store(data, current_user.id, filename)
    return _page(preview=preview, token=token, filename=filename)


@bp.route("/import/confirm", methods=["POST"])
@allow(STAFF)
def import_confirm():
    """Import a checked file: all rows, or only the valid ones, in one transaction."""
    form = ConfirmImportForm()
    gone = _("This import is no longer available: it was already done, it expired after an hour, "
             "or it was started by someone else. Upload the file again.")
    if not form.validate_on_submit():
        return _page(message=gone, status=400)
    token, mode = form.token.data, form.mode.data
    try:
        data = upload_store.claim(token, current_user.id)
    except upload_store.StoredImportForeign:
        deny("directory import of another user")
        return _page(message=gone, status=404)
    except upload_store.StoredImportMissing:
        return _page(message=gone, status=404)
    filename = upload_store.stored_filename(token)
    try:
        preview = csv_import.check(csv_import.parse(data))
    except csv_import.ImportProblem as problem:  # the rules changed while the file was kept
        db.session.rollback()
        upload_store.discard(token)
        return _page(message=problem.message, status=422)
    if mode == "all" and preview.errors:
        db.session.rollback()
        upload_store.release(token)
        return _page(preview=preview, token=token, filename=filename, status=422, message=_(
            "The directory changed after the file was checked, and some rows no longer fit. "
            "Nothing was imported. Check the problems below."))
    if preview.valid_rows == 0:
        db.session.rollback()
        upload_store.release(token)
        return _page(preview=preview, token=token, filename=filename, status=422,
                     message=_("There are no valid rows to import. Nothing was imported."))
    try:
        summary = csv_import.run(preview)
        db.session.commit()
    except Exception:  # all or nothing: whatever went wrong, nothing is kept
        db.session.rollback()
        current_app.logger.exception("directory import failed")
        upload_store.release(token)
        return _page(preview=preview, token=token, filename=filename, status=422, message=_(
            "The import could not be completed, so nothing was imported. The directory may have "
            "been changed by someone else meanwhile: upload the file again to check it."))
    upload_store.discard(token)
    flash(_("Import done: %(orgs_new)s organisations added and %(orgs_changed)s changed, "
            "%(people_new)s contact persons added and %(people_changed)s changed.",
            orgs_new=summary.org_create, orgs_changed=summary.org_update,
            people_new=summary.person_create, people_changed=summary.person_update), "success")
    return redirect(url_for("directory.index"), 303)
