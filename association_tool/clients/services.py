"""Client services: create, update, pair peers, end and reopen; no request access here.

The client list and its search are in listing.py.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from sqlalchemy import bindparam, func, literal, or_, select, union_all
from sqlalchemy.orm import joinedload

from .. import audit
from ..access import among_own_clients, visible_clients_filter
from ..extensions import db
from ..forms import check_version
from ..models import (OPEN_GOAL_STATUSES, Client, ClientEnding, ClientStatus,
                      Contact, EndingNotice, EndingPairing, FollowUpTask, Goal, Level,
                      NetworkMember, PeerPairing, Role, TaskStatus, User)
from ..models.clients import PAIRING_CHOICES
from ..tasks.services import create_task
from ..timeutil import local_today, utcnow

INTENSIVE_CAP = 40
CLIENT_FIELDS = (
    "display_name", "full_name", "birth_year", "phone", "email", "language", "language_other",
    "interpreter_needed", "plain_language", "contact_channel", "contact_notes", "level", "status",
    "start_date", "referral_source", "referral_note", "responsible_id", "backup_id", "staff_notes",
    "activity_id", "municipality",
)


class ClientRuleError(Exception):
    """A change the rules of the client record do not allow."""


def intensive_count(worker_id: int, exclude_client_id: int | None = None) -> int:
    """Count the worker's active and paused clients at the intensive level."""
    query = select(func.count(Client.id)).where(
        Client.responsible_id == worker_id, Client.level == Level.INTENSIVE.value,
        Client.status != ClientStatus.ENDED.value)
    if exclude_client_id is not None:
        query = query.where(Client.id != exclude_client_id)
    return db.session.execute(query).scalar_one()


def over_intensive_cap(worker_id: int | None, level: str,
                       client: Client | None = None) -> int | None:
    """Return the worker's new intensive count if it would exceed the quality criterion of 40.

    Only a change that adds a client to the worker's intensive caseload is asked about: a new
    client, a level changed to intensive, or another responsible worker. Saving a client who
    already counts in the worker's caseload warns no more (the worker already said yes).
    """
    if not worker_id or level != Level.INTENSIVE.value:
        return None
    if (client is not None and client.responsible_id == worker_id
            and client.level == Level.INTENSIVE.value
            and client.status != ClientStatus.ENDED.value):
        return None
    count = intensive_count(worker_id, exclude_client_id=client.id if client else None) + 1
    return count if count > INTENSIVE_CAP else None


def _apply(client: Client, data: dict) -> list[str]:
    """Copy form values onto the client; return the names of the fields that changed."""
    changed = []
    for field in CLIENT_FIELDS:
        if field not in data:
            continue
        value = data[field]
        if isinstance(value, str):
            value = value.strip() or None
            if field in ("display_name",):
                value = value or ""
        if getattr(client, field) != value:
            setattr(client, field, value)
            changed.append(field)
    client.refresh_search_text()
    return changed


def same_name_clients(*names: str | None) -> list[Client]:
    """The clients, active, paused or ended, whose name or full name is one of `names`.

    Compared without regard to case (Python's lower(), as the search text is written, so also
    Ä and Ö on SQLite). The search text holds both names lower-cased: it narrows the candidates.
    """
    wanted = {n.strip().lower() for n in names if n and n.strip()}
    if not wanted:
        return []
    candidates = db.session.scalars(
        select(Client).where(or_(*[Client.search_text.contains(n, autoescape=True) for n in wanted]))
        .order_by(Client.display_name, Client.id).limit(50)).all()
    return [c for c in candidates
            if (c.display_name or "").lower() in wanted or (c.full_name or "").lower() in wanted]


def create_client(data: dict, *, actor: User) -> Client:
    """Create a client; a nickname alone is enough."""
    data = dict(data)
    data.setdefault("start_date", local_today())
    data.setdefault("status", ClientStatus.ACTIVE.value)
    if data.get("status") == ClientStatus.ENDED.value:
        raise ClientRuleError("a new client cannot start as ended")
    client = Client(start_date=data["start_date"], display_name="")
    _apply(client, data)
    db.session.add(client)
    db.session.flush()
    audit.record(audit.Action.CREATE, object_type="client", object_id=client.id, client_id=client.id)
    return client


def update_client(client: Client, data: dict, *, version: int, actor: User) -> list[str]:
    """Change a client's details; a stale version is refused.

    A change of responsible worker creates a task for the new worker to tell the client.
    """
    check_version(client, version)
    if data.get("status") == ClientStatus.ENDED.value and client.status != ClientStatus.ENDED.value:
        raise ClientRuleError("use the ending form to end a client relationship")
    old_responsible = client.responsible_id
    changed = _apply(client, data)
    if "responsible_id" in changed and client.responsible_id:
        create_task(client, kind="worker_change", owner_id=client.responsible_id,
                    due_date=local_today() + timedelta(days=7), source="worker_change",
                    created_by_id=actor.id,
                    details=f"previous={old_responsible or '-'}")
    db.session.flush()
    audit.record(audit.Action.UPDATE, object_type="client", object_id=client.id,
                 client_id=client.id, detail="changed: " + ", ".join(changed) if changed else None)
    return changed


@dataclass
class DueItem:
    """The next thing due for a client."""

    on: date
    kind: str  # "task" or "review"
    text: str
    item_id: int | None = None  # the task's or the goal's id


def _next_due_query(viewer=None, goal_clients=None):
    """Build the query of next_due; the staff's query is built once (only the ids change).

    For a peer supporter the tasks are those access.py lets them see, and the reviews only of
    the clients in `goal_clients` (who let them see their goals).
    """
    from ..access import sees_all_clients

    if viewer is None or sees_all_clients(viewer):
        return _staff_next_due_query()
    return _build_next_due_query(viewer, goal_clients or [])


@lru_cache(maxsize=None)
def _staff_next_due_query():
    return _build_next_due_query(None, None)


def _build_next_due_query(viewer, goal_clients):
    from sqlalchemy import JSON, String, cast, null

    from ..access import visible_tasks_filter

    ids = bindparam("ids", expanding=True)
    tasks = (select(FollowUpTask.client_id, FollowUpTask.due_date.label("on"),
                    FollowUpTask.title.label("text"), literal("task").label("kind"),
                    FollowUpTask.kind.label("task_kind"), FollowUpTask.params.label("params"),
                    FollowUpTask.id.label("item_id"))
             .where(FollowUpTask.client_id.in_(ids),
                    FollowUpTask.status == TaskStatus.OPEN.value,
                    FollowUpTask.due_date.is_not(None)))
    reviews = (select(Goal.client_id, Goal.review_date, Goal.text, literal("review"),
                      cast(null(), String(30)), cast(null(), JSON), Goal.id)
               .where(Goal.client_id.in_(ids), Goal.status.in_(OPEN_GOAL_STATUSES),
                      Goal.review_date.is_not(None)))
    if viewer is not None:
        tasks = tasks.where(visible_tasks_filter(viewer))
        reviews = reviews.where(Goal.client_id.in_(list(goal_clients) or [-1]))
    # The open tasks and goal reviews together, and of each client only the earliest (a task
    # before a review on the same day): one row a client.
    both = union_all(tasks, reviews).subquery()
    ranked = select(both, func.row_number().over(
        partition_by=both.c.client_id, order_by=(both.c.on, both.c.kind.desc())).label("n")).subquery()
    return (select(ranked.c.client_id, ranked.c.on, ranked.c.text, ranked.c.kind,
                   ranked.c.task_kind, ranked.c.params, ranked.c.item_id)
            .where(ranked.c.n == 1))


def next_due(client_ids: list[int], viewer=None) -> dict[int, DueItem]:
    """Return each client's earliest open task or goal review the viewer may see (all: None).

    One query whatever the count; a task's text reads in the current language.
    """
    from types import SimpleNamespace

    from ..access import sees_all_clients, visible_sections
    from ..tasks.texts import task_title

    if not client_ids:
        return {}
    goal_clients = None
    if viewer is not None and not sees_all_clients(viewer):
        clients = db.session.scalars(select(Client).where(Client.id.in_(list(client_ids)))).all()
        goal_clients = [c.id for c in clients if "goals" in visible_sections(c, viewer)]
    rows = db.session.execute(_next_due_query(viewer, goal_clients), {"ids": list(client_ids)})
    return {client_id: DueItem(on, kind, task_title(SimpleNamespace(
                kind=task_kind, params=params, title=text)) if kind == "task" else text, item_id)
            for client_id, on, text, kind, task_kind, params, item_id in rows}


@dataclass
class Overview:
    """What the top of the client page shows."""

    active_goals: list
    latest_contacts: list
    open_tasks: list
    pairings: list
    ending: ClientEnding | None


def overview(client: Client, sections: list[str], viewer=None) -> Overview:
    """Collect the client page's summary, limited to what the viewer may see (all: None)."""
    from ..access import visible_tasks_filter

    goals = contacts = tasks = []
    if "goals" in sections:
        goals = db.session.scalars(
            select(Goal).where(Goal.client_id == client.id, Goal.status.in_(OPEN_GOAL_STATUSES))
            .order_by(Goal.review_date.is_(None), Goal.review_date, Goal.id).limit(5)).all()
    if "contacts" in sections:
        contacts = db.session.scalars(
            select(Contact).options(joinedload(Contact.worker), joinedload(Contact.peer))
            .where(Contact.client_id == client.id)
            .order_by(Contact.on.desc(), Contact.id.desc()).limit(5)).all()
    if "tasks" in sections:
        visible = visible_tasks_filter(viewer) if viewer is not None else None
        tasks = db.session.scalars(
            select(FollowUpTask).options(joinedload(FollowUpTask.owner))
            .where(FollowUpTask.client_id == client.id, FollowUpTask.status == TaskStatus.OPEN.value,
                   *([visible] if visible is not None else []))
            .order_by(FollowUpTask.due_date.is_(None), FollowUpTask.due_date, FollowUpTask.id)
            .limit(5)).all()
    pairings = db.session.scalars(
        select(PeerPairing).options(joinedload(PeerPairing.peer))
        .where(PeerPairing.client_id == client.id).order_by(PeerPairing.id)).all() \
        if "peers" in sections else []
    return Overview(goals, contacts, tasks, pairings, current_ending(client))


@dataclass
class Summary:
    """The short summary at the top of every client page; None where the viewer may not see it."""

    next_item: DueItem | None
    next_section: str | None  # where the next due item lives: "tasks" or "goals"
    overdue: bool
    agreement_version: int | None  # the contact agreement in force (None: none, or not shown)
    shows_agreement: bool
    consents_in_force: int | None


def summary(client: Client, sections: list[str], viewer=None) -> Summary:
    """Collect the client page's short summary, limited to what the viewer may see (all: None).

    The next due task or goal review is the one the viewer may see; the contact agreement only
    with the agreement section, the count of consents in force only with the consents section.
    """
    from ..agreements.services import active_version
    from ..consents.services import count_in_force

    allowed = set(sections)
    due = next_due([client.id], viewer).get(client.id) if allowed & {"goals", "tasks"} else None
    where = None
    if due is not None:
        where = "tasks" if due.kind == "task" else "goals"
        if where not in allowed:
            where = None
    shows_agreement = "agreement" in allowed
    agreement_version = active_version(client) if shows_agreement else None
    consents = count_in_force(client) if "consents" in allowed else None
    overdue = due is not None and due.on < local_today()
    return Summary(due, where, overdue, agreement_version, shows_agreement, consents)


# --- peer pairings ------------------------------------------------------------------------------

def save_pairing(client: Client, *, peer: User, sections: list[str], agreed_on: date,
                 agreed_how: str, ends_on: date | None) -> PeerPairing:
    """Pair a peer supporter with a client, or change what the client lets them see."""
    from ..models.clients import STAFF_ONLY_SECTIONS

    if peer.role != Role.PEER.value:
        raise ClientRuleError("only peer supporters are paired")
    clean = [s for s in sections if s not in STAFF_ONLY_SECTIONS]
    pairing = db.session.execute(
        select(PeerPairing).where(PeerPairing.client_id == client.id,
                                  PeerPairing.peer_id == peer.id)).scalar_one_or_none()
    action = audit.Action.UPDATE
    if pairing is None:
        pairing = PeerPairing(client_id=client.id, peer_id=peer.id)
        db.session.add(pairing)
        action = audit.Action.CREATE
    pairing.sections = ",".join(dict.fromkeys(clean))
    pairing.agreed_on, pairing.agreed_how, pairing.ends_on = agreed_on, agreed_how.strip(), ends_on
    db.session.flush()
    audit.record(action, object_type="peer_pairing", object_id=pairing.id, client_id=client.id,
                 detail=f"peer={peer.id} sections={pairing.sections} ends={ends_on or '-'}")
    return pairing


def remove_pairing(pairing: PeerPairing) -> None:
    """End a pairing at once."""
    client_id, pairing_id, peer_id = pairing.client_id, pairing.id, pairing.peer_id
    db.session.delete(pairing)
    db.session.flush()
    audit.record(audit.Action.DELETE, object_type="peer_pairing", object_id=pairing_id,
                 client_id=client_id, detail=f"peer={peer_id}")


# --- ending -------------------------------------------------------------------------------------

ENDING_FIELDS = ("end_date", "reason", "final_evaluation", "continuation_plan",
                 "contact_if_difficulties", "follow_up_date", "warm_handover")
# Telling a party that the client relationship ended shares the client's general situation.
ENDING_NOTICE_SCOPES = ("general",)
TASK_CHOICES = ("close", "keep")


class EndingError(ClientRuleError):
    """An ending the rules refuse; `field` names the form field, `details` what to tell."""

    def __init__(self, code: str, field: str | None = None, **details):
        super().__init__(code)
        self.code, self.field, self.details = code, field, details


def current_ending(client: Client) -> ClientEnding | None:
    """Return the ending in force, if the client relationship has ended."""
    if client.status != ClientStatus.ENDED.value:
        return None
    return db.session.scalars(
        select(ClientEnding).where(ClientEnding.client_id == client.id,
                                   ClientEnding.reopened_at.is_(None))
        .order_by(ClientEnding.id.desc()).limit(1)).first()


@dataclass
class PartyCheck:
    """May a party on the network map be told of the ending, and if not, why."""

    member: NetworkMember
    consent: object = None
    reason: str | None = None  # none, withdrawn, expired, superseded, pending, oral, scope
    when: date | None = None   # the date the reason speaks of

    @property
    def ok(self) -> bool:
        return self.consent is not None

    @property
    def label(self) -> str:
        member = self.member
        return (member.display_name + (f", {member.subtitle}" if member.subtitle else ""))[:300]


def ending_parties(client: Client, on: date) -> list[PartyCheck]:
    """The parties of the client's network map, each with the consent that lets it be told of
    the ending on `on`, or the reason it may not be told."""
    from ..consents import services as consents
    from ..network.services import members

    checks = []
    network = members(client)
    found = consents.check_parties(client, network, ENDING_NOTICE_SCOPES, on=on,
                                   disclosure=consents.ENDING_NOTICE)
    for member, check in zip(network, found):
        if check.consent is not None:
            checks.append(PartyCheck(member, check.consent))
            continue
        reason, nearest = check.reason, check.nearest
        when = None
        if nearest is not None:
            when = {"withdrawn": nearest.withdrawn_on, "superseded": nearest.superseded_on,
                    "pending": nearest.given_on, "expired": consents.ends_on(nearest)}.get(reason)
        checks.append(PartyCheck(member, None, reason, when))
    return checks


def open_pairings(client: Client, end_date: date) -> list[PeerPairing]:
    """The peer pairings that would go on past the end date: the ending asks about each."""
    return db.session.scalars(
        select(PeerPairing).options(joinedload(PeerPairing.peer))
        .where(PeerPairing.client_id == client.id,
               or_(PeerPairing.ends_on.is_(None), PeerPairing.ends_on > end_date))
        .order_by(PeerPairing.id)).all()


def open_tasks(client: Client, actor: User) -> list[FollowUpTask]:
    """The client's open follow-up tasks as the actor (staff: all of them) sees them: the
    ending closes or keeps each."""
    from ..tasks.services import open_tasks as tasks_of

    return tasks_of(client, actor)


def end_client(client: Client, data: dict, *, actor: User,
               task_choices: dict[int, str] | None = None,
               pairing_choices: dict[int, str] | None = None,
               informed: list[int] = ()) -> ClientEnding:
    """End the client relationship and the work around it.

    The contact agreement in force ends on the end date (it stays readable as a version); each
    open follow-up task is closed (cancelled) or kept as chosen; each peer pairing that would
    go on ends on the end date or continues as chosen, the choice recorded on the ending; each
    party informed must have a consent in force on the end date, and the telling is logged as a
    disclosure. A follow-up date becomes a task for the responsible worker. Nothing changes if a
    choice is missing or a party lacks a consent.
    """
    from ..agreements.services import active_agreement
    from ..tasks.services import set_task_status

    if client.status == ClientStatus.ENDED.value:
        raise ClientRuleError("already ended")
    end_date = data.get("end_date")
    if not isinstance(end_date, date):
        raise EndingError("end_date", "end_date")
    task_choices, pairing_choices = task_choices or {}, pairing_choices or {}
    tasks = open_tasks(client, actor)
    for task in tasks:
        if task_choices.get(task.id) not in TASK_CHOICES:
            raise EndingError("task_choice", f"task_{task.id}")
    pairings = open_pairings(client, end_date)
    for pairing in pairings:
        if pairing_choices.get(pairing.id) not in PAIRING_CHOICES:
            raise EndingError("pairing_choice", f"pairing_{pairing.id}")
    parties = {check.member.id: check for check in ending_parties(client, end_date)}
    told = []
    for member_id in dict.fromkeys(informed):
        check = parties.get(member_id)
        if check is None:
            raise EndingError("party", "informed")
        if not check.ok:
            raise EndingError("no_consent", "informed", party=check.label, reason=check.reason,
                              when=check.when)
        told.append(check)

    ending = ClientEnding(client_id=client.id, recorded_by_id=actor.id,
                          **{f: (data.get(f).strip() or None) if isinstance(data.get(f), str)
                             else data.get(f) for f in ENDING_FIELDS})
    db.session.add(ending)
    client.status = ClientStatus.ENDED.value
    db.session.flush()
    details = [f"ended: {ending.reason}"]

    agreement = active_agreement(client)
    if agreement is not None:
        agreement.status, agreement.ended_on = "ended", end_date
        ending.agreement_version = agreement.version_no
        db.session.flush()
        audit.record(audit.Action.UPDATE, object_type="agreement", object_id=agreement.id,
                     client_id=client.id, detail=f"version {agreement.version_no} ended "
                     f"{end_date.isoformat()} with the client relationship")
        details.append(f"agreement version {agreement.version_no} ended")

    closed = [task for task in tasks if task_choices[task.id] == "close"]
    for task in closed:
        set_task_status(task, TaskStatus.CANCELLED.value)
    if tasks:
        details.append("tasks closed=" + (",".join(str(t.id) for t in closed) or "-") + " kept="
                       + (",".join(str(t.id) for t in tasks if t not in closed) or "-"))

    for pairing in pairings:
        choice = pairing_choices[pairing.id]
        ending.pairing_choices.append(EndingPairing(
            peer_id=pairing.peer_id, choice=choice,
            ends_on=end_date if choice == "end" else pairing.ends_on))
        if choice == "end":
            pairing.ends_on = end_date
            db.session.flush()
            audit.record(audit.Action.UPDATE, object_type="peer_pairing", object_id=pairing.id,
                         client_id=client.id,
                         detail=f"peer={pairing.peer_id} ends={end_date.isoformat()} (ending)")
    if pairings:
        details.append("pairings " + ", ".join(f"peer={p.peer_id}:{pairing_choices[p.id]}"
                                               for p in pairings))

    for check in told:
        notice = EndingNotice(member_id=check.member.id, consent_id=check.consent.id,
                              party_label=check.label)
        ending.notices.append(notice)
        db.session.flush()
        audit.record(audit.Action.DISCLOSURE, object_type="ending_notice", object_id=notice.id,
                     client_id=client.id,
                     detail=f"ending told to={check.label} consent={check.consent.id}")
    db.session.flush()
    if ending.follow_up_date:
        create_task(client, kind="ending_follow_up", due_date=ending.follow_up_date,
                    owner_id=client.responsible_id or actor.id, source="ending",
                    source_id=ending.id, created_by_id=actor.id)
    audit.record(audit.Action.UPDATE, object_type="client", object_id=client.id,
                 client_id=client.id, detail="; ".join(details))
    return ending


def reopen_client(client: Client, *, actor: User) -> ClientEnding | None:
    """Open an ended client relationship again; the ending stays in the history.

    What the ending closed stays closed: the contact agreement it ended is not in force again
    (a new version is made and signed with the client), nor are ended pairings or closed tasks.
    Returns the ending that was reopened, so that the screen can say so.
    """
    if client.status != ClientStatus.ENDED.value:
        raise ClientRuleError("not ended")
    ending = current_ending(client)
    if ending is not None:
        ending.reopened_at = utcnow()
        ending.reopened_by_id = actor.id
    client.status = ClientStatus.ACTIVE.value
    db.session.flush()
    audit.record(audit.Action.UPDATE, object_type="client", object_id=client.id,
                 client_id=client.id, detail="reopened")
    return ending


def ending_history(client: Client) -> list[ClientEnding]:
    """Return every ending recorded for the client, newest first."""
    return db.session.scalars(
        select(ClientEnding).options(joinedload(ClientEnding.recorded_by))
        .where(ClientEnding.client_id == client.id).order_by(ClientEnding.id.desc())).all()


# --- home page ----------------------------------------------------------------------------------

def my_clients(user: User, limit: int = 50) -> list:
    """Return the user's own clients: responsible or backup for staff, paired for peers.

    Rows of id, display_name and status, what the home page shows: a worker with 2,000 clients
    gets 50 rows without 50 client objects built.
    """
    query = select(Client.id, Client.display_name, Client.status)
    if user.role == Role.PEER.value:
        query = query.where(Client.status != ClientStatus.ENDED.value,
                            visible_clients_filter(user))
    else:  # the worker's own clients are those not ended
        query = query.where(among_own_clients(Client.id, user))
    return db.session.execute(query.order_by(Client.display_name).limit(limit)).all()


def reviews_due(user: User, today: date, *, days: int = 7, limit: int = 50) -> list:
    """Return open goals of the user's clients whose review is overdue or due soon.

    The first `limit` are chosen by id and date alone (from the index of a client's goals by
    status and review date, in a subquery): a worker with 2,000 clients has hundreds due. Only
    what the home page shows of those is read, as rows (id, client_id, review_date, text and
    the client's display_name), not as goal and client objects.
    """
    chosen = select(Goal.id).where(Goal.status.in_(OPEN_GOAL_STATUSES),
                                   Goal.review_date.is_not(None),
                                   Goal.review_date <= today + timedelta(days=days))
    if user.role == Role.PEER.value:
        chosen = chosen.join(Client, Goal.client_id == Client.id).where(
            Client.status != ClientStatus.ENDED.value,
            visible_clients_filter(user, section="goals"))
    else:
        # The worker's clients not ended, from the indexes of responsible and backup workers:
        # no join to the whole client table (PostgreSQL read all of it to check the status).
        chosen = chosen.where(among_own_clients(Goal.client_id, user))
    chosen = chosen.order_by(Goal.review_date, Goal.id).limit(limit).scalar_subquery()
    return db.session.execute(
        select(Goal.id, Goal.client_id, Goal.review_date, Goal.text, Client.display_name)
        .join(Client, Client.id == Goal.client_id)
        .where(Goal.id.in_(chosen)).order_by(Goal.review_date, Goal.id)).all()
