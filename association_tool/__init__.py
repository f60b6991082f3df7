"""The association case tool: application factory."""
from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask, Request, g, redirect, render_template, request, session, url_for
from flask_babel import format_number
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import BadRequest
from werkzeug.middleware.proxy_fix import ProxyFix

from . import audit
from . import database  # also registers the SQLite connection settings
from . import htmx
from .access import PUBLIC, enforce_access
from .config import PROJECT_ROOT, Config
from .extensions import babel, csrf, db, login_manager, migrate


class StrictFormRequest(Request):
    """A request whose malformed form body is refused with 400 rather than read as empty or
    passed on half-formed.

    Werkzeug reads a body it cannot parse (form-urlencoded that is not UTF-8, multipart without
    a boundary or cut short) as an empty form, and keeps a multipart part without a name under
    the key None, on which the CSRF check and the forms fail with a 500. Every reader of the
    form (the CSRF check first) gets the 400 instead.
    """

    def make_form_data_parser(self):
        parser = super().make_form_data_parser()
        parser.silent = False  # a parse error is raised here, not swallowed
        return parser

    def _load_form_data(self) -> None:
        if "form" in self.__dict__:
            return
        try:
            super()._load_form_data()
        except ValueError as error:  # UnicodeDecodeError is one
            self._refuse(f"malformed form body: {error}")
        if None in self.form or None in self.files:
            self._refuse("a form part without a name")

    def _refuse(self, reason: str):
        """Leave the form empty (later readers see nothing) and answer 400."""
        self.__dict__["form"] = self.parameter_storage_class()
        self.__dict__["files"] = MultiDict()
        raise BadRequest(reason)


def create_app(config: object | None = None) -> Flask:
    """Build the application; `config` overrides the settings read from the environment."""
    settings = config or Config()
    app = Flask(
        __name__,
        instance_path=getattr(settings, "INSTANCE_PATH", None),
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    app.request_class = StrictFormRequest
    app.config.from_object(settings)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    _check_totp_key(app)
    if app.config.get("PROXY_FIX"):
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)
    register_extensions(app)
    register_blueprints(app)
    register_hooks(app)
    register_errorhandlers(app)
    register_template_helpers(app)
    register_commands(app)
    return app


def _check_totp_key(app: Flask) -> None:
    """Refuse to start with a malformed key for the authenticator secrets, saying why."""
    from .sealing import SealKeyError, parse_key

    try:
        parse_key(app.config.get("TOTP_ENCRYPTION_KEY"))
    except SealKeyError as error:
        raise RuntimeError(str(error)) from error


def select_locale() -> str:
    """Pick the interface language: the user's choice, the session's, else Finnish."""
    from flask import current_app, has_request_context

    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # command line: the association's default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    if session.get("locale") in languages:
        return session["locale"]
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def register_extensions(app: Flask) -> None:
    """Bind the extensions to this app."""
    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True,
                     include_name=database.managed_by_models)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to continue.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = None  # sessions are checked on the server instead

    @login_manager.user_loader
    def load_user(key: str):
        from .auth.sessions import load_session

        user, expired = load_session(key)
        if expired:
            g.session_expired = True
        return user

    @login_manager.unauthorized_handler
    def unauthorized():
        from flask import flash

        if g.get("session_expired"):
            flash(_l("Your session ended because of inactivity. Please sign in again."), "info")
        else:
            flash(login_manager.login_message, "info")
        back = request.full_path.rstrip("?") if request.method == "GET" else None
        if htmx.is_fragment():
            # htmx asked for a piece of a page (often a form sent mid-edit): after signing in,
            # come back to the page the user was on. Only a path on this site; the sign-in
            # view checks it again before redirecting.
            page = urlsplit(htmx.current_url())
            if page.netloc == request.host and page.path.startswith("/") and not page.path.startswith("//"):
                back = page.path + ("?" + page.query if page.query else "")
        target = url_for("auth.login", next=back)
        if htmx.is_htmx():
            return htmx.full_redirect(target, 401)
        return redirect(target)


def register_blueprints(app: Flask) -> None:
    """Attach each feature's routes."""
    from .admin import bp as admin_bp
    from .agreements import bp as agreements_bp
    from .auth import bp as auth_bp
    from .clients import bp as clients_bp
    from .consents import bp as consents_bp
    from .contacts import bp as contacts_bp
    from .directory import bp as directory_bp
    from .errands import bp as errands_bp
    from .feedback import bp as feedback_bp
    from .goals import bp as goals_bp
    from .groups import bp as groups_bp
    from .health import bp as health_bp
    from .lifecycle import bp as lifecycle_bp
    from .main import bp as main_bp
    from .meetings import bp as meetings_bp
    from .network import bp as network_bp
    from .referrals import bp as referrals_bp
    from .stats import bp as stats_bp
    from .tasks import bp as tasks_bp

    for blueprint in (auth_bp, main_bp, admin_bp, clients_bp, goals_bp, contacts_bp, tasks_bp,
                      directory_bp, network_bp, errands_bp, meetings_bp, consents_bp,
                      agreements_bp, health_bp, feedback_bp, referrals_bp, lifecycle_bp,
                      groups_bp, stats_bp):
        app.register_blueprint(blueprint)
    # Static files are open to everyone; the declaration keeps the route walk honest.
    setattr(app.view_functions["static"], "access_rule", PUBLIC)


_SETUP_OPEN_ENDPOINTS = {"auth.setup", "auth.language", "static", "health.healthz"}
_PASSWORD_CHANGE_ENDPOINTS = {"auth.account", "auth.change_password", "auth.logout",
                              "auth.language", "static"}


def register_hooks(app: Flask) -> None:
    """Run the first-run, password-change and access checks before every request."""

    @app.before_request
    def refuse_malformed_bodies():
        # Reading the form parses the body, and StrictFormRequest answers a malformed one with
        # 400: also on the routes that never read a form, and whether or not CSRF is checked.
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            request.form  # pylint: disable=pointless-statement
        return None

    @app.before_request
    def require_setup():
        if app.extensions.get("setup_done"):
            return None
        from .auth.accounts import any_user_exists

        if any_user_exists():
            app.extensions["setup_done"] = True
            return None
        if request.endpoint not in _SETUP_OPEN_ENDPOINTS:
            return redirect(url_for("auth.setup"))
        return None

    @app.before_request
    def require_new_password():
        if (current_user.is_authenticated and current_user.must_change_password
                and request.endpoint not in _PASSWORD_CHANGE_ENDPOINTS):
            from flask import flash

            flash(_l("Choose a password of your own before you continue."), "info")
            return redirect(url_for("auth.account"))
        return None

    app.before_request(enforce_access)
    audit.init_app(app)  # page views are written once, after the response

    @app.after_request
    def security_headers(response):
        headers = response.headers
        headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
            "form-action 'self'; img-src 'self' data:",
        )
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if request.endpoint != "static":
            headers["Cache-Control"] = "no-store"
            headers.add("Vary", "Cookie")
        return response

    htmx.init_app(app)  # the client page's change events, the address after a boosted form

    @app.teardown_request
    def close_request_session(_exc):
        # Anything a request did not commit is thrown away, never half-kept.
        db.session.remove()


def register_errorhandlers(app: Flask) -> None:
    """Answer errors with friendly pages in the user's language."""
    from . import pdf
    from .sealing import SealKeyError

    pdf.init_app(app)  # a PDF that fails or takes too long gets a friendly page, not a hang

    def render(status: int, title, message):
        db.session.rollback()
        template = "errors/_error_fragment.html" if htmx.is_fragment() else "errors/error.html"
        return render_template(template, status=status, title=title, message=message), status

    @app.errorhandler(400)
    def bad_request(_e):
        return render(400, _l("Something in the request was not right"),
                      _l("Go back and try again."))

    @app.errorhandler(CSRFError)
    def csrf_error(_e):
        from .access import rule_for

        rule = rule_for(request.endpoint)
        if rule is not None and not rule.public and not current_user.is_authenticated:
            # The session ended (expired, or its cookie is gone) while a form was open: the token
            # no longer matches. Sign in again and come back, rather than a dead end.
            db.session.rollback()
            return app.login_manager.unauthorized()
        return render(400, _l("The form had expired"),
                      _l("For your safety the form was not saved. Go back, reload the page "
                         "and send it again."))

    @app.errorhandler(SealKeyError)
    def totp_key_mismatch(error):
        # The key does not open the stored authenticator secrets: no code can be checked, and
        # none is accepted. Whoever runs the server must put the right key back.
        app.logger.error("two-step sign-in cannot be checked: %s", error)
        return render(500, _l("Two-step sign-in cannot be checked"),
                      _l("The server's key for the authenticator codes does not match the "
                         "stored ones, so no code can be accepted. Tell the administrator."))

    @app.errorhandler(403)
    def forbidden(_e):
        return render(403, _l("No access"), _l("Your role does not give access to this page."))

    @app.errorhandler(404)
    def not_found(_e):
        return render(404, _l("Page not found"),
                      _l("The page does not exist, or you do not have access to it."))

    @app.errorhandler(405)
    def method_not_allowed(_e):
        return render(405, _l("That does not work here"), _l("Go back and use the page's own buttons."))

    @app.errorhandler(413)
    def too_large(_e):
        return render(413, _l("Too much data"), _l("What you sent was too large. Shorten it and try again."))

    @app.errorhandler(500)
    def server_error(_e):
        return render(500, _l("Something went wrong"),
                      _l("Nothing was saved. Try again; if this happens again, tell the administrator."))


def register_template_helpers(app: Flask) -> None:
    """Give templates the association name, dates in the user's format and the roles."""
    from .forms import role_choices, role_name
    from .i18n import date_filter, datetime_filter, template_gettext
    from .labels import label, labels_of
    from .settings import association_name
    from .timeutil import local_today
    from .urls import RecordUrls
    app.jinja_env.filters["date"] = date_filter
    app.jinja_env.filters["number"] = format_number
    app.jinja_env.filters["datetime"] = datetime_filter

    @app.context_processor
    def globals_for_templates():
        def association():
            if "association_name" not in g:
                try:
                    g.association_name = association_name()
                except Exception:  # the database may be missing on an error page
                    g.association_name = ""
            return g.association_name

        return {
            **template_gettext(),
            "association_name": association,
            "role_label": lambda role: dict(role_choices()).get(role, role),
            "role_name": role_name,
            "current_locale": select_locale,
            "label": label,
            "labels_of": labels_of,
            "today": local_today,
            "config_endpoints": app.view_functions,
            "record_url": RecordUrls(),
        }


def register_commands(app: Flask) -> None:
    """Add the `flask` commands: users, demo, backup and audit."""
    from .cli import register

    register(app)
