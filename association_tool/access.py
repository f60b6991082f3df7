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


# The only pages anyone may open without signing in: signing in and the first-run setup, the
# language choice, the health check for monitoring, and the feedback forms for clients (on the
# drop-in centre's own device) and partners (behind a one-time link). A route declared PUBLIC
# that is not named here fails tests/test_public_pages.py.
PUBLIC_ENDPOINTS = frozenset({
    "auth.setup", "auth.login", "auth.login_code", "auth.language", "static",
    "health.healthz", "feedback.kiosk", "feedback.partner",
})


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

    from .database import write_transaction

    db.session.rollback()
    with write_transaction():
        audit.record(audit.Action.DENIED, object_type="route", object_id=request.path[:64],
                     client_id=client_id, detail=detail)


def is_admin(user) -> bool:
    """Tell whether a user is an administrator."""
    return bool(user.is_authenticated and user.role == Role.ADMIN.value)


# --- per-client rules ---------------------------------------------------------------------------

def _active_pairing(client_id: int, user, on=None):
    """Return the user's pairing with the client if it is in force on `on` (default today)."""
    from sqlalchemy import select

    from .extensions import db
    from .models import PeerPairing

    pairing = db.session.execute(
        select(PeerPairing).where(PeerPairing.client_id == client_id,
                                  PeerPairing.peer_id == user.id)
    ).scalar_one_or_none()
    return _in_force(pairing, on)


def _in_force(pairing, on=None):
    """The pairing if it is in force on `on` (default today), else None."""
    from .timeutil import local_today

    if pairing is None or not pairing.active_on(on or local_today()):
        return None
    return pairing


def sees_all_clients(user) -> bool:
    """Tell whether a user sees every client of the association (staff and admins)."""
    return bool(user.is_authenticated and user.role in STAFF.roles)


def visible_sections(client, user, on=None) -> list[str]:
    """Return the sections of this client's record the user may see (on a date, default today)."""
    if sees_all_clients(user):
        return _sections_in(user, None)
    pairing = _active_pairing(client.id, user, on) if user.is_authenticated else None
    return _sections_in(user, pairing)


def _sections_in(user, pairing) -> list[str]:
    """The sections a user sees of a client, given their pairing in force with it (or None)."""
    from .models import Section
    from .models.clients import STAFF_ONLY_SECTIONS

    if sees_all_clients(user):
        return [s.value for s in Section] + ["consents", "notifications", "staff_notes",
                                             "ending", "peers"]
    if pairing is None:
        return []
    return [s for s in pairing.section_list if s not in STAFF_ONLY_SECTIONS]


def may_see_section(client, user, section: str, on=None) -> bool:
    """Tell whether a user, not only the signed-in one, may see a section of the client's record.

    For deciding who else may be given what a section holds (e.g. the minutes' distribution
    list): staff and admins see every section, a peer supporter only the sections the client
    allows them in a pairing in force on `on`; a disabled account sees nothing.
    """
    return may_see_section_each(client, [user], section, on)[0]


def may_see_section_each(client, users, section: str, on=None) -> list[bool]:
    """`may_see_section` for each of several users, the client's pairings with them read in one
    query (a list of possible companions, a meeting's participants)."""
    from sqlalchemy import select

    from .extensions import db
    from .models import PeerPairing

    peer_ids = [u.id for u in users if u is not None and u.is_active and not sees_all_clients(u)]
    pairings = {p.peer_id: p for p in db.session.scalars(
        select(PeerPairing).where(PeerPairing.client_id == client.id,
                                  PeerPairing.peer_id.in_(peer_ids)))} if peer_ids else {}
    return [bool(user is not None and user.is_active and section in _sections_in(
        user, None if sees_all_clients(user) else _in_force(pairings.get(user.id), on)))
        for user in users]


def client_or_404(client_id: int, section: str | None = None, *, write: bool = False):
    """Return the client if the current user may see it (and the section); otherwise log and 404.

    `section=None` asks for the client's overview, which every paired peer sees.
    `write=True` asks to manage the record (the client's details, goals, pairings…), which is
    staff work: peers add only what they witness (contacts, progress notes) without it.
    """
    from sqlalchemy.orm import joinedload

    from .extensions import db
    from .models import Client

    # The workers named at the top of every client page come with the client, in one query.
    client = db.session.get(Client, client_id, options=(
        joinedload(Client.responsible), joinedload(Client.backup))) if 0 < client_id < 2**31 else None
    if client is None:
        abort(404)
    if sees_all_clients(current_user):
        return client
    allowed = not write and (
        _active_pairing(client.id, current_user) is not None
        if section is None else section in visible_sections(client, current_user))
    if not allowed:
        deny(f"client {client_id} section {section or 'overview'}{' write' if write else ''}",
             client_id=client_id)
        abort(404)
    return client


def _load(model, object_id: int, *conditions, options=()):
    """The record of `model` with this id meeting the conditions, or None (ids no table holds too)."""
    from sqlalchemy import select

    from .extensions import db

    if not 0 < object_id < 2**31:
        return None
    return db.session.scalars(
        select(model).options(*options).where(model.id == object_id, *conditions)).first()


def record_or_404(model, object_id: int, *, options=()):
    """Return the record of `model` with this id, or answer 404."""
    record = _load(model, object_id, options=options)
    if record is None:
        abort(404)
    return record


def _owner_column(model, owner_type):
    """The column of `model` that names its owner: `client_id`, `organisation_id`…"""
    (column,) = [fk.parent for fk in model.__table__.foreign_keys
                 if fk.column.table is owner_type.__table__]
    return getattr(model, column.key)


def owned_or_404(model, object_id: int, owner, *, options=(), may=None):
    """Return the owner's own record of `model` with this id; otherwise log the refusal and 404.

    The owner is the client the record belongs to (or e.g. the contact agreement of a line, the
    organisation of a contact person); an id of another owner's record is refused like one that
    does not exist. `may(record)` is a further check the user must pass; `options` are loader
    options for what the page shows of the record. Call it after `client_or_404`.
    """
    from .models import Client

    record = _load(model, object_id, _owner_column(model, type(owner)) == owner.id, options=options)
    if record is None or (may is not None and not may(record)):
        deny(f"{_name(model)} {object_id} of {_name(type(owner))} {owner.id}",
             client_id=owner.id if isinstance(owner, Client) else getattr(owner, "client_id", None))
        abort(404)
    return record


def _name(model) -> str:
    """A kind of record as the access log names it: `network member`, `contact person`…"""
    return model.__tablename__.replace("_", " ")


def may_correct_contact(user, contact) -> bool:
    """Staff correct any contact; a peer supporter only one they recorded themselves.

    The route has already checked that the user still sees the client's contacts section.
    """
    if sees_all_clients(user):
        return True
    return bool(user.is_authenticated and contact.created_by_id == user.id)


def visible_clients_filter(user, section: str | None = None):
    """Return a SQL condition limiting a Client query to what the user may see (None = all).

    With `section`, a peer sees only the clients who allow them that section.
    """
    from sqlalchemy import and_, exists, or_

    from .models import Client, PeerPairing
    from .timeutil import local_today

    if sees_all_clients(user):
        return None
    conditions = [PeerPairing.client_id == Client.id, PeerPairing.peer_id == user.id,
                  or_(PeerPairing.ends_on.is_(None), PeerPairing.ends_on >= local_today())]
    if section is not None:
        # Sections are stored comma-separated; wrap both sides in commas to match whole names.
        from sqlalchemy import literal

        conditions.append((literal(",") + PeerPairing.sections + literal(",")).contains(f",{section},"))
    return exists().where(and_(*conditions))


def own_client_ids(user):
    """Select the ids of the clients a staff member is responsible for or the backup of.

    Two index searches joined by UNION instead of an OR, which no index answers: on a busy
    association's home page the database then reads the worker's own clients, not everyone's.
    """
    from sqlalchemy import select, union

    from .models import Client, ClientStatus

    not_ended = Client.status != ClientStatus.ENDED.value
    return union(select(Client.id).where(Client.responsible_id == user.id, not_ended),
                 select(Client.id).where(Client.backup_id == user.id, not_ended))


def among_own_clients(client_id_column, user):
    """A condition: the record's client (the column, a client id) is one of the staff member's
    own clients not ended (`own_client_ids`).

    SQLite answers `IN (their ids)` by probing the record's index for each of the worker's
    clients. PostgreSQL planned the same IN as a hash join over every matching record of the
    association (a worker with 2,000 clients at 100,000 clients: the goals due read 79,000 rows,
    61 ms); given the ids as one array (`= ANY(ARRAY(…))`) it probes the index too (11 ms).
    """
    from sqlalchemy import any_, func

    from .extensions import db

    ids = own_client_ids(user)
    if db.session.get_bind().dialect.name == "postgresql":
        return client_id_column == any_(func.array(ids.scalar_subquery()))
    return client_id_column.in_(ids)


# --- follow-up tasks ----------------------------------------------------------------------------

# The section of the client's record a task comes from, by the task's source. A task tells what
# its section holds (a meeting action names the outside party doing it, an agreement review the
# agreement), so a peer supporter sees it only when the client lets them see the tasks *and*
# that section. Sources mapped to None come from staff-only parts of the record (a change of
# responsible worker, the ending): only staff see those tasks. A source not listed here is
# staff-only too, so a new source stays closed until someone decides where it belongs.
TASK_SOURCE_SECTIONS: dict[str, str | None] = {
    "manual": "tasks",
    "goal_review": "goals",
    "meeting": "meetings",
    "errand": "errands",
    "referral": "referrals",
    "agreement": "agreement",
    "worker_change": None,
    "ending": None,
}


def task_sources_for(sections) -> list[str]:
    """Return the task sources whose tasks a peer may see with these allowed sections."""
    allowed = set(sections)
    if "tasks" not in allowed:
        return []
    return [source for source, section in TASK_SOURCE_SECTIONS.items()
            if section is not None and section in allowed]


def may_see_task(task, user) -> bool:
    """Tell whether the user may see this task: staff always, a peer as TASK_SOURCE_SECTIONS says.

    A peer's pairing must be in force; an ended pairing shows no task, even one the peer owns.
    """
    if sees_all_clients(user):
        return True
    if not user.is_authenticated:
        return False
    return task.source in task_sources_for(visible_sections(task.client, user))


def visible_tasks_filter(user):
    """Return a SQL condition limiting a FollowUpTask query to what the user may see (None = all).

    The same rule as `may_see_task`, for lists: the peer's pairing with the task's client in force
    today, the tasks section allowed, and the section the task came from allowed.
    """
    from sqlalchemy import and_, exists, false, literal, or_

    from .models import FollowUpTask, PeerPairing
    from .timeutil import local_today

    if sees_all_clients(user):
        return None
    if not user.is_authenticated:
        return false()

    def allows(section):
        # Sections are stored comma-separated; wrap both sides in commas to match whole names.
        return (literal(",") + PeerPairing.sections + literal(",")).contains(f",{section},")

    by_source = [and_(FollowUpTask.source == source, allows(section))
                 for source, section in TASK_SOURCE_SECTIONS.items() if section is not None]
    return exists().where(
        PeerPairing.client_id == FollowUpTask.client_id, PeerPairing.peer_id == user.id,
        or_(PeerPairing.ends_on.is_(None), PeerPairing.ends_on >= local_today()),
        allows("tasks"), or_(*by_source))
