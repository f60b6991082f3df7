"""Errands: create, change and delete them, record what was agreed, and build the checklist."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from .. import audit
from ..access import may_see_section, may_see_section_each
from ..extensions import db
from ..forms import check_version
from ..i18n import time_of_day
from ..models import Client, FollowUpTask, Role, User
from ..models.errands import ERRAND_TYPES, Errand, lines
from ..settings import WhoToCall, setting_value, store_setting, who_to_call
from ..tasks.services import create_task
from ..timeutil import utcnow
from . import texts

ERRAND_FIELDS = ("about", "type", "on", "starts_at", "place", "address", "meet_whom",
                 "companion_id", "interpreter_needed", "things_to_bring", "questions",
                 "activity_id")
MAX_LINES = 40
LINE_MAX = 200
DEFAULTS_KEY = "errand_bring.{}"
FILE_STEMS = {"fi": "muistilista", "sv": "minneslista", "en": "checklist"}


class ErrandError(Exception):
    """An errand that does not fit the rules; `field` names the field concerned."""

    def __init__(self, code: str, field: str | None = None):
        super().__init__(code)
        self.code, self.field = code, field


# --- reading ------------------------------------------------------------------------------------

def errands_of(client: Client, today: date) -> tuple[list[Errand], list[Errand]]:
    """Return (upcoming errands, soonest first; past errands, latest first)."""
    rows = db.session.scalars(
        select(Errand).options(joinedload(Errand.companion))
        .where(Errand.client_id == client.id)
        .order_by(Errand.on, Errand.starts_at.is_(None), Errand.starts_at, Errand.id)).all()
    upcoming = [e for e in rows if e.is_upcoming(today)]
    past = [e for e in rows if not e.is_upcoming(today)]
    past.reverse()
    return upcoming, past


def next_steps(errand: Errand) -> list[FollowUpTask]:
    """Return the follow-up tasks made from the errand's next steps, in the order written."""
    return db.session.scalars(
        select(FollowUpTask).options(joinedload(FollowUpTask.owner))
        .where(FollowUpTask.client_id == errand.client_id, FollowUpTask.source == "errand",
               FollowUpTask.source_id == errand.id)
        .order_by(FollowUpTask.id)).all()


def companions(client: Client | None = None, current: User | None = None) -> list[User]:
    """Return who can accompany an errand of the client: who may be with this client.

    Active staff and admins, and the peer supporters the client has let see their errands in a
    pairing in force (access.py decides); the client's own workers first. Without a client,
    every active user. The errand's current companion stays on the list, so that saving the
    errand unchanged keeps them.
    """
    users = list(db.session.scalars(
        select(User).where(User.active.is_(True)).order_by(User.name)).all())
    if client is not None:
        users = [u for u, may in zip(users, may_see_section_each(client, users, "errands")) if may]
        own = (client.responsible_id, client.backup_id)
        users = [u for u in users if u.id in own] + [u for u in users if u.id not in own]
    if current is not None and current.id not in {u.id for u in users}:
        users = [current] + users
    return users


def may_record_outcome(user, errand: Errand) -> bool:
    """Staff record any outcome; a peer supporter only of an errand they accompanied."""
    if user.role in (Role.ADMIN.value, Role.STAFF.value):
        return True
    return errand.companion_id is not None and errand.companion_id == user.id


# --- the usual things to bring --------------------------------------------------------------

def built_in_things_to_bring(errand_type: str) -> str:
    """The built-in list for an errand type, in the user's language."""
    codes = texts.BUILT_IN_DEFAULTS.get(errand_type, ())
    return "\n".join(str(texts.BRING_ITEMS[code]) for code in codes)


def default_things_to_bring(errand_type: str) -> str:
    """The association's usual list for an errand type (built-in, in the user's language, if unset)."""
    stored = setting_value(DEFAULTS_KEY.format(errand_type))
    if stored is not None:
        return stored
    return built_in_things_to_bring(errand_type)


def all_defaults() -> dict[str, str]:
    """The usual lists of every errand type."""
    return {t: default_things_to_bring(t) for t in ERRAND_TYPES}


def set_defaults(values: dict[str, str]) -> None:
    """Store the association's usual lists (one item per line) and log the change.

    A list left as it was shown is not stored: an unset list keeps following the built-in one
    (in each user's language), and one the association wrote stays as it is.
    """
    changed = []
    for errand_type in ERRAND_TYPES:
        if errand_type not in values:
            continue
        text = clean_lines(values[errand_type])
        key = DEFAULTS_KEY.format(errand_type)
        if setting_value(key) is None and text == clean_lines(built_in_things_to_bring(errand_type)):
            continue
        if store_setting(key, text):
            changed.append(errand_type)
    db.session.flush()
    if changed:
        audit.record(audit.Action.UPDATE, object_type="settings", detail="errand things to bring")


def is_unchanged_default(text: str | None) -> bool:
    """Tell whether a list is empty or still one of the usual lists (safe to replace)."""
    mine = clean_lines(text)
    return not mine or any(mine == clean_lines(d) for d in all_defaults().values())


def clean_lines(text: str | None) -> str:
    """Trim every line and drop the empty ones."""
    return "\n".join(lines(text))


# --- writing ------------------------------------------------------------------------------------

def _check_lines(text: str | None, field: str) -> str:
    items = lines(text)
    if len(items) > MAX_LINES:
        raise ErrandError("too_many_lines", field)
    if any(len(item) > LINE_MAX for item in items):
        raise ErrandError("line_too_long", field)
    return "\n".join(items)


def _check_companion(client: Client, companion_id: int | None, keep: int | None) -> int | None:
    """A companion is an active user; a peer supporter must be paired with the client for errands."""
    if companion_id is None:
        return None
    user = db.session.get(User, companion_id) if 0 < companion_id < 2**31 else None
    if user is None or (not user.active and companion_id != keep):
        raise ErrandError("companion", "companion_id")
    if user.role == Role.PEER.value and companion_id != keep \
            and not may_see_section(client, user, "errands"):
        raise ErrandError("companion_not_paired", "companion_id")
    return companion_id


def _normalise(client: Client, data: dict, keep_companion: int | None = None,
               keep_activity: int | None = None) -> dict:
    clean = {k: (v.strip() or None) if isinstance(v, str) else v for k, v in data.items()}
    clean.setdefault("activity_id", keep_activity)  # not asked: the errand keeps its own
    if not clean.get("about"):
        raise ErrandError("about", "about")
    if clean.get("type") not in ERRAND_TYPES:
        raise ErrandError("type", "type")
    if not isinstance(clean.get("on"), date):
        raise ErrandError("on", "on")
    clean["companion_id"] = _check_companion(client, clean.get("companion_id"), keep_companion)
    clean["interpreter_needed"] = bool(clean.get("interpreter_needed"))
    clean["things_to_bring"] = _check_lines(clean.get("things_to_bring"), "things_to_bring")
    clean["questions"] = _check_lines(clean.get("questions"), "questions")
    return clean


def create_errand(client: Client, data: dict, *, actor: User) -> Errand:
    """Add an errand; with no things to bring given, the usual list for its type is used."""
    clean = _normalise(client, data)
    if not clean["things_to_bring"]:
        clean["things_to_bring"] = clean_lines(default_things_to_bring(clean["type"]))
    errand = Errand(client_id=client.id, created_by_id=actor.id,
                    **{f: clean.get(f) for f in ERRAND_FIELDS})
    db.session.add(errand)
    db.session.flush()
    audit.record(audit.Action.CREATE, object_type="errand", object_id=errand.id,
                 client_id=client.id, detail=f"type={errand.type}")
    return errand


def update_errand(errand: Errand, data: dict, *, version: int) -> None:
    """Change an errand; a stale version is refused."""
    check_version(errand, version)
    clean = _normalise(errand.client, data, keep_companion=errand.companion_id,
                       keep_activity=errand.activity_id)
    for field in ERRAND_FIELDS:
        setattr(errand, field, clean.get(field))
    db.session.flush()
    audit.record(audit.Action.UPDATE, object_type="errand", object_id=errand.id,
                 client_id=errand.client_id)


def delete_errand(errand: Errand) -> None:
    """Remove an errand (its follow-up tasks stay: they are the client's tasks now)."""
    client_id, errand_id = errand.client_id, errand.id
    db.session.delete(errand)
    db.session.flush()
    audit.record(audit.Action.DELETE, object_type="errand", object_id=errand_id,
                 client_id=client_id)


@dataclass
class Step:
    """A next step agreed at the errand: what, who (a user or an outside party), by when."""

    what: str
    owner_id: int | None = None
    owner_party: str | None = None
    due_date: date | None = None


def record_outcome(errand: Errand, *, agreed: str | None, steps: list[Step], version: int,
                   actor: User) -> list[FollowUpTask]:
    """Save what was agreed and turn the next steps into follow-up tasks.

    Saved with what was agreed as it was and no new step, nothing is written: the outcome keeps
    who recorded it and when (an errand without an outcome stays without one).
    """
    check_version(errand, version)
    agreed = (agreed or "").strip() or None
    if agreed == errand.agreed and not steps:
        return []
    errand.agreed = agreed
    errand.outcome_recorded_at = utcnow()
    errand.outcome_by_id = actor.id
    db.session.flush()
    audit.record(audit.Action.UPDATE, object_type="errand", object_id=errand.id,
                 client_id=errand.client_id, detail=f"outcome, {len(steps)} next step(s)")
    client = errand.client
    return [create_task(client, title=step.what, due_date=step.due_date, owner_id=step.owner_id,
                        owner_party=step.owner_party, source="errand", source_id=errand.id,
                        created_by_id=actor.id) for step in steps]


# --- the checklist --------------------------------------------------------------------------

def contact_person(errand: Errand) -> User | None:
    """Whom the client calls about the errand: the companion, else the responsible worker."""
    return errand.companion or errand.client.responsible


def whom_to_call(errand: Errand) -> WhoToCall:
    """The checklist's contact box: the contact person and the association."""
    return who_to_call(contact_person(errand))


def checklist_context(errand: Errand, client: Client, lang: str, steps=()) -> dict:
    """The plain values the checklist template shows, in the checklist's language."""
    return {
        "errand": errand,
        "client_name": client.display_name,
        "time_text": time_of_day(errand.starts_at, lang),
        "bring": texts.localise_items(errand.bring_list, lang),
        "questions": errand.question_list,
        "agreed": errand.agreed or "",
        "steps": [{"what": s.title, "who": s.owner.name if s.owner else (s.owner_party or ""),
                   "due": s.due_date} for s in steps],
        "companion_name": errand.companion.name if errand.companion else "",
        "call": whom_to_call(errand),
    }


def checklist_filename(errand: Errand, lang: str) -> str:
    """muistilista-2026-11-22.pdf, minneslista-… or checklist-…, dated by the errand."""
    return f"{FILE_STEMS.get(lang, FILE_STEMS['fi'])}-{errand.on.isoformat()}.pdf"


def print_logged(errand: Errand, lang: str, large_print: bool) -> None:
    """Write the print to the access log (in the caller's write transaction)."""
    audit.record(audit.Action.PRINT, object_type="errand_checklist", object_id=errand.id,
                 client_id=errand.client_id, detail=f"lang={lang} large_print={int(large_print)}")

