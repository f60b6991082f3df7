"""Sign-in, sign-out, first-run setup and the user's own account settings."""
import time
from urllib.parse import urlsplit

from flask import (abort, current_app, flash, redirect, render_template, request, session,
                   url_for)
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from .. import audit, htmx
from ..access import PUBLIC, SIGNED_IN, allow
from ..extensions import db
from ..models import User
from ..settings import association_name
from . import accounts, bp, sessions, sign_in
from . import two_factor as second_factor
from .forms import (LanguageForm, LoginForm, PasswordChangeForm, PhoneForm, RecoveryCodesForm,
                    SecondStepForm, SetupForm, TwoFactorConfirmForm, TwoFactorDisableForm,
                    TwoFactorStartForm)

# The sign-in that waits for its second step lives in the signed session cookie: only the user's
# id, when the password was accepted, and where to go next. It is not a session: nothing but the
# code page reads it.
_PENDING_KEY = "two_factor_pending"
PENDING_LIFETIME_SECONDS = 300


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
    sessions.start_session(user, request.remote_addr)
    login_user(user)
    session.permanent = True
    if locale and not user.locale:
        session["locale"] = locale


@bp.route("/setup", methods=["GET", "POST"])
@allow(PUBLIC)
def setup():
    """Create the association and its first administrator, once."""
    if accounts.any_user_exists():
        abort(404)
    form = SetupForm()
    if form.validate_on_submit():
        try:
            user = accounts.run_setup(form.association_name.data, form.name.data,
                                      form.email.data, form.password.data, form.locale.data)
        except accounts.AccountError:
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
        result = sign_in.authenticate(form.email.data, form.password.data, request.remote_addr or "")
        if result.user is not None and result.needs_code:
            _start_pending(result.user, _safe_next(request.args.get("next")))
            db.session.commit()
            return redirect(url_for("auth.login_code"))
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


def _start_pending(user: User, next_url: str) -> None:
    """Remember that the password was right; the session starts only after the code."""
    locale = session.get("locale")
    session.clear()
    if locale:
        session["locale"] = locale
    session[_PENDING_KEY] = {"user": user.id, "at": int(time.time()), "next": next_url,
                             "pw": user.password_changed_at.isoformat()}


def _pending_user() -> User | None:
    """Return the user whose sign-in waits for a code, if that wait is recent and still valid."""
    pending = session.get(_PENDING_KEY)
    try:
        user_id, started = int(pending["user"]), int(pending["at"])
    except (TypeError, KeyError, ValueError):
        session.pop(_PENDING_KEY, None)
        return None
    lifetime = current_app.config.get("TWO_FACTOR_PENDING_SECONDS", PENDING_LIFETIME_SECONDS)
    age = time.time() - started
    user = db.session.get(User, user_id) if 0 < user_id < 2**31 else None
    if (not 0 <= age <= lifetime or user is None or not user.active
            or not user.two_factor_enabled
            or pending.get("pw") != user.password_changed_at.isoformat()):
        session.pop(_PENDING_KEY, None)
        return None
    return user


@bp.route("/login/code", methods=["GET", "POST"])
@allow(PUBLIC)
def login_code():
    """Second step of signing in: a code from the authenticator app or a recovery code."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    user = _pending_user()
    if user is None:
        flash(_("The sign-in took too long or was not started. Please sign in again."), "info")
        return redirect(url_for("auth.login"))
    form = SecondStepForm()
    if form.validate_on_submit():
        result = sign_in.complete_sign_in(user, form.code.data, request.remote_addr or "")
        if result.user is not None:
            next_url = _safe_next(session.get(_PENDING_KEY, {}).get("next"))
            _sign_in(result.user)  # clears the waiting state: a fresh session and cookie
            db.session.commit()
            if result.used_recovery_code:
                left = second_factor.recovery_codes_left(result.user)
                flash(_("You used a recovery code; %(n)d left. Make new ones in your account "
                        "settings if you are running out.", n=left), "info")
            if result.user.must_change_password:
                return redirect(url_for("auth.account"))
            return redirect(next_url)
        db.session.commit()
        if result.throttled:
            form.code.errors.append(_("Too many failed sign-ins. Wait 15 minutes or ask an "
                                      "administrator to unlock the account."))
        else:
            form.code.errors.append(_("The code is wrong or has already been used."))
    status = 422 if form.is_submitted() else 200
    return render_template("auth/login_code.html", form=form), status


@bp.route("/logout", methods=["POST"])
@allow(SIGNED_IN)
def logout():
    """Sign out and end this session on the server."""
    sessions.end_session(current_user.auth_session)
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
            accounts.set_locale(current_user, form.locale.data)
            db.session.commit()
        else:
            session["locale"] = form.locale.data
    return redirect(_safe_next(request.form.get("next") or request.referrer and urlsplit(request.referrer).path))


def _account_page(*, password_form=None, phone_form=None, status=200):
    """The user's own settings page, with a form that came back with errors, if any."""
    if phone_form is None:
        phone_form = PhoneForm(formdata=None)
        phone_form.phone.data = current_user.phone or ""
        phone_form.phone_on_documents.data = current_user.phone_on_documents
    if password_form is None:
        password_form = PasswordChangeForm(formdata=None)
    return render_template("auth/account.html", password_form=password_form,
                           phone_form=phone_form,
                           language_form=LanguageForm(locale=current_user.locale)), status


@bp.route("/account", methods=["GET"])
@allow(SIGNED_IN)
def account():
    """Show the user's own settings: password, phone number and language."""
    return _account_page()


@bp.route("/account/phone", methods=["POST"])
@allow(SIGNED_IN)
def phone():
    """Change one's own phone number and whether documents for clients show it."""
    form = PhoneForm()
    if form.validate_on_submit():
        accounts.set_own_phone(current_user._get_current_object(), form.phone.data,
                               bool(form.phone_on_documents.data))
        db.session.commit()
        flash(_("Changes saved."), "success")
        return redirect(url_for("auth.account", _anchor="phone"), 303)
    return _account_page(phone_form=form, status=422)


@bp.route("/account/password", methods=["POST"])
@allow(SIGNED_IN)
def change_password():
    """Change one's own password; every other session of the user ends."""
    form = PasswordChangeForm()
    form.context_email, form.context_name = current_user.email, current_user.name
    if form.validate_on_submit():
        refused = sign_in.check_current_password(current_user, request.remote_addr or "",
                                                 form.current_password.data)
        if refused == "throttled":
            db.session.commit()  # the attempt is recorded
            form.current_password.errors.append(_OWN_CHECK_ERRORS["throttled"]())
        elif refused:
            db.session.commit()  # the failed attempt counts towards the lock
            form.current_password.errors.append(_("The current password is wrong."))
        elif form.password.data == form.current_password.data:
            form.password.errors.append(_("Choose a password different from the current one."))
        else:
            user = current_user._get_current_object()
            accounts.set_password(user, form.password.data, must_change=False)
            _sign_in(user)
            db.session.commit()
            flash(_("Your password has been changed. Other signed-in devices were signed out."),
                  "success")
            return redirect(url_for("main.home"))
    return _account_page(password_form=form, status=422)


# --- two-step sign-in in the user's own settings ------------------------------------------------

# What a user who must still set up two-step sign-in may reach: the set-up itself, the password
# change (which may be due too), the language and signing out.
_ENROLMENT_OPEN_ENDPOINTS = frozenset({
    "auth.two_factor", "auth.two_factor_start", "auth.two_factor_qr", "auth.two_factor_confirm",
    "auth.account", "auth.change_password", "auth.logout", "auth.language", "static"})


@bp.before_app_request
def require_two_factor_enrolment():
    """Send staff and admins to the set-up page while the association requires it of them."""
    if request.endpoint is None or request.endpoint in _ENROLMENT_OPEN_ENDPOINTS:
        return None
    if not current_user.is_authenticated or not second_factor.enrolment_due(current_user):
        return None
    flash(_("The association requires two-step sign-in. Set it up before you continue."), "info")
    target = url_for("auth.two_factor")
    if htmx.is_htmx():
        return htmx.full_redirect(target)
    return redirect(target)


def _two_factor_page(*, start_form=None, confirm_form=None, codes_form=None, disable_form=None,
                     status=200):
    """The two-step sign-in page in whichever state the user's set-up is."""
    user = current_user._get_current_object()
    secret = second_factor.pending_secret(user)
    return render_template(
        "auth/two_factor.html",
        enabled=user.two_factor_enabled,
        required=second_factor.required_for(user),
        secret=second_factor.formatted_secret(secret) if secret else None,
        codes_left=second_factor.recovery_codes_left(user) if user.two_factor_enabled else 0,
        start_form=start_form or TwoFactorStartForm(formdata=None),
        confirm_form=confirm_form or TwoFactorConfirmForm(formdata=None),
        codes_form=codes_form or RecoveryCodesForm(formdata=None),
        disable_form=disable_form or TwoFactorDisableForm(formdata=None),
    ), status


_OWN_CHECK_ERRORS = {
    "throttled": lambda: _("Too many failed attempts. Wait 15 minutes or ask an administrator "
                           "to unlock the account."),
    "password": lambda: _("The password is wrong."),
    "code": lambda: _("The code is wrong or has already been used."),
}


@bp.route("/account/two-factor", methods=["GET"])
@allow(SIGNED_IN)
def two_factor():
    """Show two-step sign-in: set it up, or manage recovery codes and turn it off."""
    return _two_factor_page()


@bp.route("/account/two-factor/start", methods=["POST"])
@allow(SIGNED_IN)
def two_factor_start():
    """Make a new secret for the authenticator app; it works once a code confirms it."""
    form = TwoFactorStartForm()
    if form.validate_on_submit() and not current_user.two_factor_enabled:
        second_factor.start_enrolment(current_user._get_current_object())
        db.session.commit()
    return redirect(url_for("auth.two_factor"), 303)


@bp.route("/account/two-factor/qr.svg", methods=["GET"])
@allow(SIGNED_IN)
def two_factor_qr():
    """The QR code of a set-up in progress; never shown again once the set-up is confirmed."""
    user = current_user._get_current_object()
    if second_factor.pending_secret(user) is None:
        abort(404)
    uri = second_factor.provisioning_uri(user, association_name())
    response = current_app.response_class(second_factor.qr_svg(uri), mimetype="image/svg+xml")
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@bp.route("/account/two-factor/confirm", methods=["POST"])
@allow(SIGNED_IN)
def two_factor_confirm():
    """Turn two-step sign-in on with the app's current code; show the recovery codes once."""
    user = current_user._get_current_object()
    form = TwoFactorConfirmForm()
    if user.two_factor_enabled or second_factor.pending_secret(user) is None:
        return redirect(url_for("auth.two_factor"), 303)
    if form.validate_on_submit():
        codes = second_factor.confirm_enrolment(user, form.code.data)
        if codes is not None:
            # Sessions opened with the password alone end; this one gets a new identifier.
            sessions.end_all_sessions(user)
            _sign_in(user)
            db.session.commit()
            return render_template("auth/recovery_codes.html", codes=codes, first_time=True)
        db.session.rollback()
        form.code.errors.append(_("The code is wrong. Check that the clock of your phone is "
                                  "right and type the code that the app shows now."))
    return _two_factor_page(confirm_form=form, status=422)


@bp.route("/account/two-factor/recovery-codes", methods=["POST"])
@allow(SIGNED_IN)
def two_factor_recovery_codes():
    """Replace the recovery codes after a current code; show the new ones once."""
    user = current_user._get_current_object()
    if not user.two_factor_enabled:
        return redirect(url_for("auth.two_factor"), 303)
    form = RecoveryCodesForm()
    if form.validate_on_submit():
        refused = sign_in.check_own_credentials(user, request.remote_addr or "",
                                                code=form.code.data)
        if refused is None:
            codes = second_factor.regenerate_recovery_codes(user)
            db.session.commit()
            return render_template("auth/recovery_codes.html", codes=codes, first_time=False)
        db.session.commit()  # the failed attempt counts
        form.code.errors.append(_OWN_CHECK_ERRORS[refused]())
    return _two_factor_page(codes_form=form, status=422)


@bp.route("/account/two-factor/disable", methods=["POST"])
@allow(SIGNED_IN)
def two_factor_disable():
    """Turn off two-step sign-in with the password and a current code."""
    user = current_user._get_current_object()
    if not user.two_factor_enabled:
        return redirect(url_for("auth.two_factor"), 303)
    form = TwoFactorDisableForm()
    if form.validate_on_submit():
        refused = sign_in.check_own_credentials(user, request.remote_addr or "",
                                                code=form.code.data,
                                                password=form.password.data)
        if refused is None:
            second_factor.disable(user)
            db.session.commit()
            flash(_("Two-step sign-in is off."), "success")
            return redirect(url_for("auth.two_factor"), 303)
        db.session.commit()  # the failed attempt counts
        field = form.password if refused == "password" else form.code
        field.errors.append(_OWN_CHECK_ERRORS[refused]())
    return _two_factor_page(disable_form=form, status=422)
