"""Sign-in, sign-out, first-run setup and the user's own account settings."""
from urllib.parse import urlsplit

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from .. import audit
from ..access import PUBLIC, SIGNED_IN, allow
from ..extensions import db
from ..passwords import verify_password
from . import bp, services
from .forms import LanguageForm, LoginForm, PasswordChangeForm, SetupForm


def _safe_next(target: str | None) -> str:
    """Return a local path to go to after sign-in, never another site."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//"):
            return target
    return url_for("main.home")


def _sign_in(user) -> None:
    """Start a fresh session for the user: a new cookie and a new server-side record."""
    locale = session.get("locale")
    session.clear()
    services.start_session(user, request.remote_addr)
    login_user(user)
    session.permanent = True
    if locale and not user.locale:
        session["locale"] = locale


@bp.route("/setup", methods=["GET", "POST"])
@allow(PUBLIC)
def setup():
    """Create the association and its first administrator, once."""
    if services.any_user_exists():
        abort(404)
    form = SetupForm()
    if form.validate_on_submit():
        try:
            user = services.run_setup(form.association_name.data, form.name.data,
                                      form.email.data, form.password.data, form.locale.data)
        except services.AccountError:
            db.session.rollback()
            abort(404)
        _sign_in(user)
        db.session.commit()
        flash(_("Welcome! The association is ready. Next, add your colleagues as users."), "success")
        return redirect(url_for("admin.users"))
    return render_template("auth/setup.html", form=form)


@bp.route("/login", methods=["GET", "POST"])
@allow(PUBLIC)
def login():
    """Sign in with e-mail and password."""
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    form = LoginForm()
    if form.validate_on_submit():
        result = services.authenticate(form.email.data, form.password.data, request.remote_addr or "")
        if result.user is not None:
            _sign_in(result.user)
            db.session.commit()
            if result.user.must_change_password:
                return redirect(url_for("auth.account"))
            return redirect(_safe_next(request.args.get("next")))
        db.session.commit()
        if result.throttled:
            form.form_errors.append(_("Too many failed sign-ins. Wait 15 minutes or ask an "
                                      "administrator to unlock the account."))
        else:
            form.form_errors.append(_("The e-mail address or the password is wrong."))
    return render_template("auth/login.html", form=form, language_form=LanguageForm(
        locale=session.get("locale", "fi")))


@bp.route("/logout", methods=["POST"])
@allow(SIGNED_IN)
def logout():
    """Sign out and end this session on the server."""
    services.end_session(current_user.auth_session)
    audit.record(audit.Action.LOGOUT, object_type="user", object_id=current_user.id)
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("You have signed out."), "success")
    return redirect(url_for("auth.login"))


@bp.route("/language", methods=["POST"])
@allow(PUBLIC)
def language():
    """Choose the interface language: stored for a signed-in user, kept in the session otherwise."""
    form = LanguageForm()
    if form.validate_on_submit():
        if current_user.is_authenticated:
            services.set_locale(current_user, form.locale.data)
            db.session.commit()
        else:
            session["locale"] = form.locale.data
    return redirect(_safe_next(request.form.get("next") or request.referrer and urlsplit(request.referrer).path))


@bp.route("/account", methods=["GET"])
@allow(SIGNED_IN)
def account():
    """Show the user's own settings: password and language."""
    return render_template("auth/account.html", password_form=PasswordChangeForm(),
                           language_form=LanguageForm(locale=current_user.locale))


@bp.route("/account/password", methods=["POST"])
@allow(SIGNED_IN)
def change_password():
    """Change one's own password; every other session of the user ends."""
    form = PasswordChangeForm()
    form.context_email, form.context_name = current_user.email, current_user.name
    if form.validate_on_submit():
        if not verify_password(current_user.password_hash, form.current_password.data):
            form.current_password.errors.append(_("The current password is wrong."))
        elif form.password.data == form.current_password.data:
            form.password.errors.append(_("Choose a password different from the current one."))
        else:
            user = current_user._get_current_object()
            services.set_password(user, form.password.data, must_change=False)
            _sign_in(user)
            db.session.commit()
            flash(_("Your password has been changed. Other signed-in devices were signed out."),
                  "success")
            return redirect(url_for("main.home"))
    return render_template("auth/account.html", password_form=form,
                           language_form=LanguageForm(locale=current_user.locale)), 422
