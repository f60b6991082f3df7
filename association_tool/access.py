"""Who may use what: every route declares its rule here, and one hook enforces it."""
from __future__ import annotations

from dataclasses import dataclass
from functools import wraps

from flask import abort, current_app, request
from flask_login import current_user

from .models import Role

ACCESS_ATTR = "access_rule"


@dataclass(frozen=True)
class Rule:
    """The roles that may use a route; `public` routes need no sign-in."""

    roles: frozenset[str]
    public: bool = False

    def allows(self, user) -> bool:
        """Tell whether this user may use the route."""
        if self.public:
            return True
        return bool(user.is_authenticated and user.role in self.roles)


ALL_ROLES = frozenset(r.value for r in Role)
PUBLIC = Rule(frozenset(), public=True)
SIGNED_IN = Rule(ALL_ROLES)
STAFF = Rule(frozenset({Role.ADMIN.value, Role.STAFF.value}))
ADMIN = Rule(frozenset({Role.ADMIN.value}))


def allow(rule: Rule):
    """Declare who may use a view; the access hook reads the declaration."""

    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            return view(*args, **kwargs)

        setattr(wrapper, ACCESS_ATTR, rule)
        return wrapper

    return decorate


def rule_for(endpoint: str | None) -> Rule | None:
    """Return the declared rule of an endpoint, or None when it declares none."""
    view = current_app.view_functions.get(endpoint) if endpoint else None
    return getattr(view, ACCESS_ATTR, None)


def enforce_access():
    """Refuse a request whose route does not allow the current user (before_request hook)."""
    if request.endpoint is None:
        return None  # routing failed; the 404/405 handlers answer
    rule = rule_for(request.endpoint)
    if rule is None:
        # A route without a declaration is closed, not open.
        current_app.logger.error("route %s declares no access rule", request.endpoint)
        abort(404)
    if rule.public:
        return None
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    if not rule.allows(current_user):
        deny(f"role {current_user.role} on {request.endpoint}")
        abort(403)
    return None


def deny(detail: str, client_id: int | None = None) -> None:
    """Write a refused attempt to the access log and commit it at once."""
    from . import audit
    from .extensions import db

    db.session.rollback()
    audit.record(audit.Action.DENIED, object_type="route", object_id=request.path[:64],
                 client_id=client_id, detail=detail)
    db.session.commit()


def is_admin(user) -> bool:
    """Tell whether a user is an administrator."""
    return bool(user.is_authenticated and user.role == Role.ADMIN.value)
