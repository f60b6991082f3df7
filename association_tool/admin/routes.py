"""Administration screens: users, the access log and settings."""
from zoneinfo import ZoneInfo

from flask import (Response, abort, current_app, flash, redirect, render_template, request,
                   send_file, url_for)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_, select

from .. import audit, audit_text, htmx
from ..access import ADMIN, allow, record_or_404
from ..auth import accounts, throttle, two_factor
from ..extensions import db
from ..forms import save_versioned
from ..models import User
from ..settings import (ASSOCIATION_ADDRESS, ASSOCIATION_HOURS, ASSOCIATION_PHONE,
                        association_contact, association_name, municipalities,
                        required_by_association, set_association_name,
                        set_required_by_association, store_association_contact,
                        store_municipalities, stored_logo)
from . import bp
from . import logo as logos
from .forms import (ActionForm, AuditFilterForm, ErrandDefaultsForm, LogoForm, PasswordResetForm,
                    SettingsForm, TwoFactorPolicyForm, UserCreateForm, UserEditForm)

_ACCOUNT_ERRORS = {
    "e-mail in use": ("email", lambda: _("Another user already has this e-mail address.")),
    "last admin": ("role", lambda: _("The association needs at least one active administrator.")),
    "cannot disable yourself": (None, lambda: _("You cannot disable your own account.")),
    "unknown role": ("role", lambda: _("Choose a role from the list.")),
}


def _account_error(form, error: accounts.AccountError) -> None:
    """Show an account rule violation next to the field it concerns."""
    field_name, message = _ACCOUNT_ERRORS.get(str(error), (None, lambda: str(error)))
    field = getattr(form, field_name, None) if (form is not None and field_name) else None
    if field is not None:
        field.errors = list(field.errors) + [message()]
    else:
        flash(message(), "error")


@bp.route("/users")
@allow(ADMIN)
def users():
    """List the users, with search."""
    q = (request.args.get("q") or "").strip()[:100]
    query = select(User).order_by(User.active.desc(), User.name)
    if q:
        pattern = f"%{q}%"
        query = query.where(or_(User.name.ilike(pattern), User.email.ilike(pattern)))
    rows = db.session.scalars(query).all()
    if htmx.targets("user-rows"):
        return render_template("admin/_user_rows.html", users=rows)
    return render_template("admin/users.html", users=rows, q=q, action_form=ActionForm())


@bp.route("/users/new", methods=["GET", "POST"])
@allow(ADMIN)
def user_new():
    """Add a user."""
    form = UserCreateForm()
    if form.validate_on_submit():
        try:
            user = accounts.create_user(name=form.name.data, email=form.email.data,
                                        role=form.role.data, locale=form.locale.data,
                                        phone=form.phone.data, password=form.password.data)
        except accounts.AccountError as error:
            db.session.rollback()
            _account_error(form, error)
        else:
            db.session.commit()
            flash(_("User %(name)s added. Give them the password in person; they choose "
                    "their own at first sign-in.", name=user.name), "success")
            return redirect(url_for("admin.users"))
    status = 422 if form.is_submitted() else 200
    return render_template("admin/user_form.html", form=form, user=None), status


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@allow(ADMIN)
def user_edit(user_id: int):
    """Change a user's details."""
    user = record_or_404(User, user_id)
    form = UserEditForm(obj=user)
    if request.method == "GET":
        form.version.data = str(user.version)
    if form.validate_on_submit() and save_versioned(
            form, lambda version: accounts.update_user(
                user, name=form.name.data, email=form.email.data, role=form.role.data,
                locale=form.locale.data, phone=form.phone.data, version=version),
            errors=accounts.AccountError, on_error=_account_error,
            stale_message=_("Someone else changed this user while you were editing. Your changes "
                            "are still in the form: check them against the saved details and "
                            "save again."),
            current_version=lambda: record_or_404(User, user_id).version):
        flash(_("Changes saved."), "success")
        return redirect(url_for("admin.users"))
    status = 422 if form.is_submitted() else 200
    return render_template("admin/user_form.html", form=form, user=user,
                           reset_form=PasswordResetForm(), action_form=ActionForm()), status


@bp.route("/users/<int:user_id>/active", methods=["POST"])
@allow(ADMIN)
def user_set_active(user_id: int):
    """Disable or re-enable a user."""
    user = record_or_404(User, user_id)
    form = ActionForm()
    if form.validate_on_submit():
        enable = request.form.get("active") == "1"
        try:
            accounts.set_active(user, enable, actor=current_user)
        except accounts.AccountError as error:
            db.session.rollback()
            _account_error(None, error)
        else:
            db.session.commit()
            flash(_("%(name)s can sign in again.", name=user.name) if enable else
                  _("%(name)s is disabled and was signed out.", name=user.name), "success")
    return redirect(url_for("admin.user_edit", user_id=user_id), 303)


@bp.route("/users/<int:user_id>/password", methods=["POST"])
@allow(ADMIN)
def user_reset_password(user_id: int):
    """Give a user a new password, which they must change at next sign-in."""
    user = record_or_404(User, user_id)
    form = PasswordResetForm()
    form.context_email, form.context_name = user.email, user.name
    if form.validate_on_submit():
        accounts.set_password(user, form.password.data, must_change=True)
        db.session.commit()
        flash(_("New password set for %(name)s. They must change it when they sign in.",
                name=user.name), "success")
        return redirect(url_for("admin.user_edit", user_id=user_id), 303)
    edit_form = UserEditForm(obj=user)
    edit_form.version.data = str(user.version)
    return render_template("admin/user_form.html", form=edit_form, user=user, reset_form=form,
                           action_form=ActionForm()), 422


@bp.route("/users/<int:user_id>/unlock", methods=["POST"])
@allow(ADMIN)
def user_unlock(user_id: int):
    """Lift a sign-in lock caused by failed attempts."""
    user = record_or_404(User, user_id)
    if ActionForm().validate_on_submit():
        throttle.unlock(user)
        db.session.commit()
        flash(_("%(name)s can try to sign in again.", name=user.name), "success")
    return redirect(url_for("admin.user_edit", user_id=user_id), 303)


@bp.route("/users/<int:user_id>/sessions/end", methods=["POST"])
@allow(ADMIN)
def user_end_sessions(user_id: int):
    """Sign a user out on every device (a lost laptop or phone)."""
    user = record_or_404(User, user_id)
    if ActionForm().validate_on_submit():
        accounts.sign_out_everywhere(user, actor=current_user)
        db.session.commit()
        flash(_("%(name)s was signed out on every device.", name=user.name), "success")
    return redirect(url_for("admin.user_edit", user_id=user_id), 303)


@bp.route("/users/<int:user_id>/two-factor/reset", methods=["POST"])
@allow(ADMIN)
def user_reset_two_factor(user_id: int):
    """Take away a user's second factor (a lost phone); they sign in with the password again."""
    user = record_or_404(User, user_id)
    if ActionForm().validate_on_submit():
        try:
            two_factor.reset_by_admin(user, actor=current_user)
        except two_factor.TwoFactorError:
            db.session.rollback()
            flash(_("Turn off your own two-step sign-in from your account settings."), "error")
        else:
            db.session.commit()
            flash(_("Two-step sign-in of %(name)s was reset and they were signed out. They can "
                    "set it up again after signing in with their password.", name=user.name),
                  "success")
    return redirect(url_for("admin.user_edit", user_id=user_id), 303)


def _settings_page(form=None, logo_form=None, policy_form=None, status=200):
    """The settings page: the association's name, the sign-in policy and its logo."""
    if form is None:
        form = SettingsForm(formdata=None)
        form.association_name.data = association_name()
        contact = association_contact()
        form.association_phone.data = contact[ASSOCIATION_PHONE]
        form.association_address.data = contact[ASSOCIATION_ADDRESS]
        form.association_hours.data = contact[ASSOCIATION_HOURS]
        form.municipalities.data = "\n".join(municipalities())
    if policy_form is None:
        policy_form = TwoFactorPolicyForm(formdata=None)
        policy_form.require_two_factor.data = required_by_association()
    return render_template("admin/settings.html", form=form,
                           logo_form=logo_form or LogoForm(formdata=None),
                           policy_form=policy_form,
                           logo=stored_logo(), action_form=ActionForm()), status


@bp.route("/settings", methods=["GET", "POST"])
@allow(ADMIN)
def settings():
    """Change the association's details."""
    if request.method == "GET":
        return _settings_page()
    form = SettingsForm()
    if form.validate_on_submit():
        changed = store_association_contact(form.contact_values())
        if store_municipalities(form.municipalities.data):
            changed.append("municipalities")
        if form.association_name.data != association_name():
            set_association_name(form.association_name.data)
            changed.insert(0, "association_name")
        if changed:
            audit.record(audit.Action.UPDATE, object_type="settings",
                         detail="changed: " + ", ".join(changed))
        db.session.commit()
        flash(_("Changes saved."), "success")
        return redirect(url_for("admin.settings"))
    return _settings_page(form=form, status=422)


@bp.route("/settings/two-factor", methods=["POST"])
@allow(ADMIN)
def two_factor_policy():
    """Require two-step sign-in of staff members and administrators, or make it optional."""
    form = TwoFactorPolicyForm()
    if form.validate_on_submit():
        set_required_by_association(bool(form.require_two_factor.data))
        db.session.commit()
        flash(_("Changes saved."), "success")
        return redirect(url_for("admin.settings"), 303)
    return _settings_page(policy_form=form, status=422)


_LOGO_ERRORS = {
    "too_large": lambda: _("The picture is too large: at most %(kb)d kB and 4000 × 4000 pixels.",
                           kb=logos.LOGO_MAX_BYTES // 1024),
    "type": lambda: _("Choose a PNG, JPEG or SVG picture."),
    "broken": lambda: _("The file could not be read as a picture. Save it again as PNG and "
                        "try once more."),
    "unsafe_svg": lambda: _("The SVG picture has scripts or refers to other files. Save it as "
                            "a plain SVG or as PNG."),
}


@bp.route("/settings/logo", methods=["POST"])
@allow(ADMIN)
def logo_upload():
    """Take a new logo for the PDF documents, after checking that it is a harmless picture."""
    form = LogoForm()
    if form.validate_on_submit():
        upload = form.logo.data
        data = upload.read(logos.LOGO_MAX_BYTES + 1) if hasattr(upload, "read") else b""
        try:
            logos.save_logo(data)
        except logos.LogoError as error:
            db.session.rollback()
            form.logo.errors = list(form.logo.errors) + [_LOGO_ERRORS[str(error)]()]
        else:
            db.session.commit()
            flash(_("Logo saved. It is shown at the top of every PDF."), "success")
            return redirect(url_for("admin.settings"), 303)
    return _settings_page(logo_form=form, status=422)


@bp.route("/settings/logo/remove", methods=["POST"])
@allow(ADMIN)
def logo_remove():
    """Take the logo away from the PDF documents."""
    if ActionForm().validate_on_submit():
        logos.remove_logo()
        db.session.commit()
        flash(_("Logo removed."), "success")
    return redirect(url_for("admin.settings"), 303)


@bp.route("/settings/logo")
@allow(ADMIN)
def logo_image():
    """The stored logo, for the preview on the settings page (never run as a document)."""
    stored = stored_logo()
    if stored is None:
        abort(404)
    mime, data = stored
    response = current_app.response_class(data, mimetype=mime)
    response.headers["Content-Security-Policy"] = ("default-src 'none'; style-src 'unsafe-inline'; "
                                                   "base-uri 'none'; frame-ancestors 'none'; sandbox")
    response.headers["Content-Disposition"] = "inline"
    return response


@bp.route("/settings/errands", methods=["GET", "POST"])
@allow(ADMIN)
def errand_defaults():
    """Edit the association's usual things to bring, one list per errand type."""
    from ..errands import services as errands

    if request.method == "GET":
        form = ErrandDefaultsForm(formdata=None)
        for errand_type, text in errands.all_defaults().items():
            form[f"bring_{errand_type}"].data = text
        return render_template("admin/errand_defaults.html", form=form)
    form = ErrandDefaultsForm()
    if form.validate_on_submit():
        errands.set_defaults(form.values())
        db.session.commit()
        flash(_("Changes saved. New errands get these lists."), "success")
        return redirect(url_for("admin.errand_defaults"), 303)
    return render_template("admin/errand_defaults.html", form=form), 422


@bp.route("/settings/backup")
@allow(ADMIN)
def backup_page():
    """Explain the backup, say when the last scheduled one was made, and offer a download."""
    from pathlib import Path

    from ..backup_schedule import last_backup

    return _backup_page(ActionForm())


def _backup_page(form, status: int = 200):
    """The backup page, with the last automatic backup's time (red when none or too old)."""
    from pathlib import Path

    from ..backup_schedule import last_backup

    last = last_backup(Path(current_app.instance_path))
    return render_template("admin/backup.html", form=form, last=last,
                           stale=last.stale()), status


@bp.route("/settings/backup", methods=["POST"])
@allow(ADMIN)
def backup_download():
    """Take an online backup of the whole database and send it as a download (logged)."""
    from ..backup import BackupError, download_backup
    from ..database import end_read_transaction

    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    anchor = audit.head()  # what the backup holds at least: it is taken after this
    end_read_transaction()  # a POST's SQLite transaction would hold the write lock meanwhile
    try:
        stream, filename = download_backup(current_app.config["SQLALCHEMY_DATABASE_URI"],
                                           current_app.instance_path)
    except BackupError as error:
        current_app.logger.error("backup from the admin page failed: %s", error)
        flash(_("The backup could not be made. Nothing was downloaded. Try again later, or "
                "take it on the server with the backup command."), "error")
        return _backup_page(form, 503)
    audit.record(audit.Action.EXPORT, object_type="backup",
                 detail=f"download {filename}; access log at the backup: {anchor}")
    db.session.commit()
    return send_file(stream, mimetype="application/octet-stream", as_attachment=True,
                     download_name=filename)


ACTIONS = [a.value for a in audit.Action]
AUDIT_CSV_MAX_ROWS = 100_000
_AUDIT_CSV_BATCH = 2000


def _audit_filters():
    """Read the access log's filters from the query string: (form, filters for the search)."""
    form = AuditFilterForm(request.args)
    users = db.session.scalars(select(User).order_by(User.name)).all()
    form.user.choices = [("", _("Everyone"))] + [(str(u.id), u.name) for u in users]
    form.action.choices = [("", _("All actions"))] + audit_text.action_choices()
    if not form.validate():
        return form, None
    return form, dict(
        user_id=int(form.user.data) if (form.user.data or "").isdigit() else None,
        action=form.action.data if form.action.data in ACTIONS else None,
        client_id=form.client.data, client_name=form.client_name.data or None,
        date_from=form.date_from.data, date_to=form.date_to.data,
        text_query=form.q.data or None,
    )


@bp.route("/audit")
@allow(ADMIN)
def audit_log():
    """Browse the access log, as sentences, with filters kept in the address."""
    form, filters = _audit_filters()
    page = audit.search_events(page=(form.page.data or 1) if filters is not None else 1,
                               **(filters or {}))
    names = audit_text.Names.load(page.items)
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template("admin/audit.html", form=form, page=page, args=args, names=names,
                           describe=audit_text, head=audit.head())


@bp.route("/audit.csv")
@allow(ADMIN)
def audit_csv():
    """Download the filtered entries as a spreadsheet file (the download itself is logged)."""
    import csv
    import io

    from ..directory.csv_export import DELIMITER, protect
    from ..database import write_transaction
    from ..timeutil import HELSINKI, local_today

    if htmx.is_htmx():
        return htmx.full_redirect(request.full_path)
    form, filters = _audit_filters()
    if filters is None:
        abort(400)
    query = audit.filtered_events(**filters)
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=DELIMITER, lineterminator="\r\n")
    writer.writerow([_("Time"), _("Who"), _("What"), _("Client"), _("Details as recorded")])
    rows, last_id = 0, None
    while rows < AUDIT_CSV_MAX_ROWS:
        batch_query = query if last_id is None else query.where(audit.AuditEvent.id < last_id)
        events = db.session.scalars(
            batch_query.limit(min(_AUDIT_CSV_BATCH, AUDIT_CSV_MAX_ROWS - rows))).all()
        if not events:
            break
        names = audit_text.Names.load(events)
        for event in events:
            at = event.at.replace(tzinfo=ZoneInfo("UTC")).astimezone(HELSINKI)
            writer.writerow([protect(cell) for cell in (
                at.strftime("%Y-%m-%d %H:%M:%S"), audit_text.who(event, names),
                str(audit_text.sentence(event, names, links=False).unescape()),
                audit_text.client_name(event, names), event.detail or "")])
        rows += len(events)
        last_id = events[-1].id
    # What the filters were, except a typed client name: the log stores no names.
    used = {k: ("…" if k == "client_name" else v)
            for k, v in request.args.items() if v and k != "page"}
    with write_transaction():
        audit.record(audit.Action.EXPORT, object_type="audit_log",
                     detail=f"csv, {rows} rows; filters: "
                     + (", ".join(f"{k}={v}" for k, v in sorted(used.items())) or "none"))
    filename = f"access-log-{local_today().isoformat()}.csv"
    return Response(("\ufeff" + buffer.getvalue()).encode("utf-8"), mimetype="text/csv", headers={
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "no-store",
    })


@bp.route("/audit/verify")
@allow(ADMIN)
def audit_verify():
    """Check the access log's hash chain and show the result."""
    report = audit.verify_chain()
    if report.ok:
        flash(_("The access log is intact: %(n)d entries checked.", n=report.checked), "success")
    else:
        flash(_("The access log has been tampered with at entry %(id)d.", id=report.broken_id),
              "error")
    return redirect(url_for("admin.audit_log"))
