"""The association's users to choose from on forms: workers, peer supporters, conveners."""
from __future__ import annotations

from functools import lru_cache

from sqlalchemy import select

from .extensions import db
from .models import Role, User

WORKER_ROLES = (Role.STAFF.value, Role.ADMIN.value)


def workers(keep=()) -> list:
    """Return the active staff members and admins who can be responsible for clients.

    `keep` are the ids of the workers a record already names: they stay on the list after they
    leave, so that saving the record unchanged does not drop them.
    Rows of id, name and role (what a form's choices need), not user objects.
    """
    return _people(User.role.in_(WORKER_ROLES), keep)


# A filter lists the workers by name up to this many; more are found by typing part of a name.
WORKERS_LISTED = 100


def worker_names() -> list | None:
    """Return (id, name) of the workers, for filter lists that need no more of them; None when
    there are more than WORKERS_LISTED of them (an umbrella organisation's hundreds), too many
    to choose from a list."""
    rows = db.session.execute(_worker_names_query()).all()
    return rows if len(rows) <= WORKERS_LISTED else None


@lru_cache(maxsize=None)
def _worker_names_query():
    """Built once: the client list's worker filter asks it on every page."""
    return (select(User.id, User.name)
            .where(User.active.is_(True), User.role.in_(WORKER_ROLES))
            .order_by(User.name).limit(WORKERS_LISTED + 1))


_PERSON = (User.id, User.name, User.role)


def _people(condition, keep) -> list:
    """The active users meeting the condition by name, after those of `keep` (ids a record
    already names) that are not among them, in keep's order; rows of `_PERSON`."""
    rows = db.session.execute(select(*_PERSON).where(User.active.is_(True), condition)
                              .order_by(User.name)).all()
    listed = {row.id for row in rows}
    missing = [user_id for user_id in dict.fromkeys(keep) if user_id and user_id not in listed]
    if not missing:
        return rows
    found = {row.id: row for row in db.session.execute(
        select(*_PERSON).where(User.id.in_(missing))).all()}
    return [found[user_id] for user_id in missing if user_id in found] + list(rows)


def peers(keep=()) -> list:
    """Return the active peer supporters (and those of `keep`, as for `workers`), as rows."""
    return _people(User.role == Role.PEER.value, keep)


def active_users() -> list[User]:
    """The association's active users (staff, admins, peer supporters), by name."""
    return db.session.scalars(select(User).where(User.active.is_(True)).order_by(User.name)).all()


def conveners() -> list[User]:
    """The users who can convene a network meeting: active staff members and admins."""
    return [u for u in active_users() if u.role in WORKER_ROLES]
