"""Groups, sessions, participants, helper hours and funded activities: plain values in, flushed
records out (the route commits)."""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from .. import audit
from ..extensions import db
from ..forms import check_version
from ..models import Client, Role, User
from ..models.groups import (FundedActivity, Group, GroupSession, HelperHours,
                             SessionParticipant)

CANDIDATES = 20


class GroupError(Exception):
    """A rule of the groups was broken: `code` says which, `field` where to show it."""

    def __init__(self, code: str, field: str | None = None):
        super().__init__(code)
        self.code, self.field = code, field


# --- funded activities --------------------------------------------------------------------------

def activities(keep=None) -> list[FundedActivity]:
    """The activities to choose from: those in use, and `keep` (an id) even if archived."""
    query = select(FundedActivity).order_by(FundedActivity.name)
    rows = db.session.scalars(query).all()
    return [a for a in rows if not a.archived or a.id == keep]


def activity_choices(keep=None, blank="") -> list[tuple[str, str]]:
    return [("", blank)] + [(str(a.id), a.name) for a in activities(keep)]


def _name_taken(name: str, activity_id: int | None) -> bool:
    query = select(FundedActivity.id).where(func.lower(FundedActivity.name) == name.lower())
    if activity_id is not None:
        query = query.where(FundedActivity.id != activity_id)
    return db.session.execute(query).first() is not None


def create_activity(name: str) -> FundedActivity:
    if _name_taken(name, None):
        raise GroupError("name_taken", "name")
    activity = FundedActivity(name=name)
    db.session.add(activity)
    db.session.flush()
    audit.record(audit.Action.CREATE, object_type="funded activity", object_id=activity.id)
    return activity


def update_activity(activity: FundedActivity, data: dict, *, version: int) -> None:
    check_version(activity, version)
    if _name_taken(data["name"], activity.id):
        raise GroupError("name_taken", "name")
    changed = [k for k in ("name", "archived") if getattr(activity, k) != data[k]]
    for key in changed:
        setattr(activity, key, data[key])
    if changed:
        db.session.flush()
        audit.record(audit.Action.UPDATE, object_type="funded activity", object_id=activity.id,
                     detail=",".join(changed))


# --- groups and sessions ------------------------------------------------------------------------

GROUP_FIELDS = ("name", "kind", "activity_id", "archived")
SESSION_FIELDS = ("on", "anonymous_count", "count_basis")


def _check_activity(activity_id, current=None) -> None:
    if activity_id is None or activity_id == current:
        return
    activity = db.session.get(FundedActivity, activity_id) if 0 < activity_id < 2**31 else None
    if activity is None or activity.archived:
        raise GroupError("activity", "activity_id")


def create_group(data: dict) -> Group:
    _check_activity(data.get("activity_id"))
    group = Group(**{k: data[k] for k in GROUP_FIELDS if k in data})
    db.session.add(group)
    db.session.flush()
    audit.record(audit.Action.CREATE, object_type="group", object_id=group.id)
    return group


def update_group(group: Group, data: dict, *, version: int) -> None:
    check_version(group, version)
    _check_activity(data.get("activity_id"), group.activity_id)
    changed = [k for k in GROUP_FIELDS if k in data and getattr(group, k) != data[k]]
    for key in changed:
        setattr(group, key, data[key])
    if changed:
        db.session.flush()
        audit.record(audit.Action.UPDATE, object_type="group", object_id=group.id,
                     detail=",".join(changed))


def create_session(group: Group, data: dict, *, actor: User) -> GroupSession:
    session = GroupSession(group_id=group.id, created_by_id=actor.id,
                           **{k: data[k] for k in SESSION_FIELDS})
    db.session.add(session)
    db.session.flush()
    audit.record(audit.Action.CREATE, object_type="group session", object_id=session.id)
    return session


def update_session(session: GroupSession, data: dict, *, version: int) -> None:
    check_version(session, version)
    changed = [k for k in SESSION_FIELDS if getattr(session, k) != data[k]]
    for key in changed:
        setattr(session, key, data[key])
    if changed:
        db.session.flush()
        audit.record(audit.Action.UPDATE, object_type="group session", object_id=session.id,
                     detail=",".join(changed))


def session_counts(group_ids) -> dict[int, int]:
    """How many sessions each group has had."""
    rows = db.session.execute(select(GroupSession.group_id, func.count()).where(
        GroupSession.group_id.in_(list(group_ids))).group_by(GroupSession.group_id))
    return dict(rows.all())


# --- participants -------------------------------------------------------------------------------

def candidates(session: GroupSession, search: str) -> list[Client]:
    """Clients (not ended) whose name has the search in it, not yet in the session."""
    text = search.strip().lower()
    if len(text) < 2:
        return []
    already = select(SessionParticipant.client_id).where(SessionParticipant.session_id == session.id)
    return db.session.scalars(
        select(Client).where(Client.search_text.contains(text, autoescape=True),
                             Client.status != "ended", Client.id.not_in(already))
        .order_by(Client.display_name, Client.id).limit(CANDIDATES)).all()


def add_participant(session: GroupSession, client_id: int) -> SessionParticipant:
    client = db.session.get(Client, client_id) if 0 < client_id < 2**31 else None
    if client is None or client.status == "ended":
        raise GroupError("client")
    existing = db.session.scalars(select(SessionParticipant).where(
        SessionParticipant.session_id == session.id,
        SessionParticipant.client_id == client.id)).first()
    if existing is not None:
        return existing
    participant = SessionParticipant(session_id=session.id, client_id=client.id)
    db.session.add(participant)
    db.session.flush()
    audit.record(audit.Action.CREATE, object_type="group participant", object_id=session.id,
                 client_id=client.id)
    return participant


def remove_participant(participant: SessionParticipant) -> None:
    audit.record(audit.Action.DELETE, object_type="group participant",
                 object_id=participant.session_id, client_id=participant.client_id)
    db.session.delete(participant)
    db.session.flush()


# --- hours --------------------------------------------------------------------------------------

def helpers(keep=None) -> list[User]:
    """Whose hours can be recorded: active peer supporters and volunteers (role peer)."""
    rows = db.session.scalars(select(User).where(User.role == Role.PEER.value)
                              .order_by(User.name, User.id)).all()
    return [u for u in rows if u.active or u.id == keep]


def add_hours(data: dict, *, actor: User, session: GroupSession | None = None) -> HelperHours:
    user_id = data.get("user_id") or 0
    helper = db.session.get(User, user_id) if 0 < user_id < 2**31 else None
    if helper is None or helper.role != Role.PEER.value or not helper.active:
        raise GroupError("helper", "user_id")
    _check_activity(data.get("activity_id"))
    hours = HelperHours(user_id=helper.id, kind=data["kind"], on=data["on"],
                        minutes=data["minutes"], activity_id=data.get("activity_id"),
                        session_id=session.id if session else None, created_by_id=actor.id)
    db.session.add(hours)
    db.session.flush()
    audit.record(audit.Action.CREATE, object_type="helper hours", object_id=hours.id)
    return hours


def remove_hours(hours: HelperHours) -> None:
    audit.record(audit.Action.DELETE, object_type="helper hours", object_id=hours.id)
    db.session.delete(hours)
    db.session.flush()


def recent_hours(since: date, limit: int = 200) -> list[HelperHours]:
    return db.session.scalars(select(HelperHours).where(HelperHours.on >= since)
                              .order_by(HelperHours.on.desc(), HelperHours.id.desc())
                              .limit(limit)).all()
