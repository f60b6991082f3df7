"""Network meetings: plan, record and approve the minutes, addenda, and who may receive them.

The minutes go only to parties with a consent in force that covers them (`distribution`); the
client and the association's own users need none. Approved minutes are locked (see the model).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from .. import audit
from ..access import may_see_section_each
from ..consents import labels as _consent_labels  # noqa: F401  (the info_scope labels)
from ..consents.services import DOCUMENT, check_parties, ends_on
from ..extensions import db
from ..forms import check_version, role_choices
from ..i18n import time_of_day
from ..models import Client, ContactPerson, NetworkMember, User
from ..models.meetings import (CONTENTS, METHODS, MeetingAction, MeetingAddendum, MeetingLocked,
                               MeetingParticipant, NetworkMeeting)
from ..network.services import members as network_members
from ..timeutil import local_today, utcnow
from ..users import active_users, conveners
from . import labels as _labels  # noqa: F401  (registers the meeting label kinds)

# The information a set of minutes carries; health information is added when marked.
MINUTES_SCOPES = ("general", "progress")
# The information each part of the content carries: leaving out the joint plan leaves out the
# progress, so the minutes may go to a party whose consent covers the general situation only.
CONTENT_SCOPES = {"opening": ("general",), "discussion": ("general",), "plan": ("progress",),
                  "feedback": ("general",)}
MINUTES_LANGUAGES = ("fi", "sv", "en")
FILE_STEMS = {"fi": "muistio", "sv": "promemoria", "en": "minutes"}
MAX_ROWS = 40
TEXT_MAX = 4000

PLAN_FIELDS = ("meeting_date", "start_time", "place", "remote_link", "method", "convener_id",
               "support_person_wanted", "support_person", "client_topics")
MINUTES_FIELDS = ("client_present", "chair", "note_taker", "why_gathered", "client_view",
                  "responsible_person", "backup_person", "next_date", "next_note", "feedback",
                  "contains_health")


class MeetingError(Exception):
    """Input that does not fit the rules: a list of (code, field path) problems."""

    def __init__(self, problems: list[tuple[str, str | None]] | str, field: str | None = None):
        if isinstance(problems, str):
            problems = [(problems, field)]
        super().__init__(", ".join(code for code, _f in problems))
        self.problems = problems

    @property
    def code(self) -> str:
        """The first problem's code."""
        return self.problems[0][0]


# --- reading ------------------------------------------------------------------------------------

def meetings_of(client: Client) -> list[NetworkMeeting]:
    """Return the client's meetings, the latest first."""
    return db.session.scalars(
        select(NetworkMeeting).options(joinedload(NetworkMeeting.convener))
        .where(NetworkMeeting.client_id == client.id)
        .order_by(NetworkMeeting.meeting_date.desc(), NetworkMeeting.id.desc())).all()


# What a meeting's page shows besides the meeting: its participants, actions and addenda.
WITH_ROWS = (selectinload(NetworkMeeting.participants).joinedload(MeetingParticipant.member)
             .joinedload(NetworkMember.contact_person).joinedload(ContactPerson.organisation),
             selectinload(NetworkMeeting.participants).joinedload(MeetingParticipant.user),
             selectinload(NetworkMeeting.actions).joinedload(MeetingAction.owner),
             selectinload(NetworkMeeting.addenda).joinedload(MeetingAddendum.author),
             joinedload(NetworkMeeting.convener), joinedload(NetworkMeeting.approved_by))


def invitable_members(client: Client) -> list[NetworkMember]:
    """The people and services on the client's network map."""
    return network_members(client)


def meeting_language(client: Client) -> str:
    """The minutes' language: the client's own when the app has it, else Finnish."""
    return client.language if client.language in MINUTES_LANGUAGES else "fi"


def minutes_scopes(meeting: NetworkMeeting) -> tuple[str, ...]:
    """The information types the minutes carry: those of the chosen contents, and health if marked."""
    carried = {s for c in meeting.content_list for s in CONTENT_SCOPES[c]}
    return tuple(s for s in MINUTES_SCOPES if s in carried) + (
        ("health",) if meeting.contains_health else ())


def minutes_filename(meeting: NetworkMeeting, lang: str) -> str:
    """muistio-2026-11-22.pdf, promemoria-… or minutes-…, dated by the meeting."""
    return f"{FILE_STEMS.get(lang, FILE_STEMS['fi'])}-{meeting.meeting_date.isoformat()}.pdf"


# --- checks -------------------------------------------------------------------------------------

def _clean(data: dict) -> dict:
    return {k: (v.strip() or None) if isinstance(v, str) else v for k, v in data.items()}


def _check_open(meeting: NetworkMeeting) -> None:
    if meeting.approved:
        raise MeetingLocked(f"network meeting {meeting.id} is approved")


def _check_version(meeting: NetworkMeeting, version: int) -> None:
    check_version(meeting, version)


def _too_long(value, limit: int) -> bool:
    return isinstance(value, str) and len(value) > limit


def _check_plan(client: Client, data: dict, meeting: NetworkMeeting | None = None) -> dict:
    """Check a plan; return clean values with the invitations as lists of ids.

    A convener or invited user who has since left keeps their place in an existing meeting.
    """
    clean = _clean(data)
    problems = []
    if not isinstance(clean.get("meeting_date"), date):
        problems.append(("meeting_date", "meeting_date"))
    if clean.get("method") not in METHODS:
        problems.append(("method", "method"))
    if not clean.get("place") and not clean.get("remote_link"):
        problems.append(("place_or_link", "place"))
    link = clean.get("remote_link")
    if link and not link.lower().startswith(("https://", "http://")):
        problems.append(("remote_link", "remote_link"))
    for name, limit in (("place", 300), ("remote_link", 500), ("support_person", 200),
                        ("client_topics", TEXT_MAX)):
        if _too_long(clean.get(name), limit):
            problems.append(("too_long", name))
    convener_id = clean.get("convener_id")
    kept = {meeting.convener_id} if meeting is not None else set()
    if convener_id is not None and convener_id not in {u.id for u in conveners()} | kept:
        problems.append(("convener", "convener_id"))
    member_ids = list(dict.fromkeys(clean.get("invite_members") or ()))
    known_members = {m.id for m in invitable_members(client)}
    if any(m not in known_members for m in member_ids):
        problems.append(("invitee", "invite_members"))
    user_ids = list(dict.fromkeys(clean.get("invite_users") or ()))
    known_users = {u.id for u in active_users()} | (
        {p.user_id for p in meeting.participants if p.kind == "user"} if meeting is not None else set())
    if any(u not in known_users for u in user_ids):
        problems.append(("invitee", "invite_users"))
    if problems:
        raise MeetingError(problems)
    clean["support_person_wanted"] = bool(clean.get("support_person_wanted"))
    clean.update(invite_members=member_ids, invite_users=user_ids)
    return clean


def _member_role(member: NetworkMember) -> tuple[str | None, str | None]:
    """The role and organisation of a network member, as shown in the participants table."""
    if member.kind == "person" and member.contact_person is not None:
        return (member.contact_person.title or member.role_note,
                member.contact_person.organisation.label)
    if member.kind == "organisation":
        return member.role_note, None
    return member.relation or member.role_note, None


def _sync_invitations(meeting: NetworkMeeting, member_ids: list[int], user_ids: list[int]) -> None:
    """Make the invited network members and users those chosen; others keep their rows."""
    wanted = {("member", i) for i in member_ids} | {("user", i) for i in user_ids}
    for participant in list(meeting.participants):
        key = (participant.kind, participant.member_id if participant.kind == "member"
               else participant.user_id)
        if participant.kind in ("member", "user") and key[1] is not None and key not in wanted:
            meeting.participants.remove(participant)
    have = {(p.kind, p.member_id if p.kind == "member" else p.user_id) for p in meeting.participants}
    position = max((p.position for p in meeting.participants), default=0)
    for member_id in member_ids:
        if ("member", member_id) in have:
            continue
        member = db.session.get(NetworkMember, member_id)
        role, organisation = _member_role(member)
        position += 1
        meeting.participants.append(MeetingParticipant(
            kind="member", member_id=member.id, name=member.display_name[:200],
            role=(role or None) and role[:200], organisation=(organisation or None)
            and organisation[:200], presence="invited", position=position))
    for user_id in user_ids:
        if ("user", user_id) in have:
            continue
        user = db.session.get(User, user_id)
        position += 1
        meeting.participants.append(MeetingParticipant(
            kind="user", user_id=user.id, name=user.name[:200], presence="invited",
            position=position))


# --- writing ------------------------------------------------------------------------------------

def plan_meeting(client: Client, data: dict, *, by: User) -> NetworkMeeting:
    """Plan a network meeting with the client: when, where, how, and whom to invite."""
    clean = _check_plan(client, data)
    meeting = NetworkMeeting(client_id=client.id, status="planned", created_by_id=by.id,
                             **{f: clean.get(f) for f in PLAN_FIELDS})
    db.session.add(meeting)
    _sync_invitations(meeting, clean["invite_members"], clean["invite_users"])
    db.session.flush()
    audit.record(audit.Action.CREATE, object_type="network_meeting", object_id=meeting.id,
                 client_id=client.id, detail=f"planned for {meeting.meeting_date.isoformat()}")
    return meeting


def update_plan(meeting: NetworkMeeting, data: dict, *, version: int) -> None:
    """Change the plan of a meeting whose minutes are not approved; a stale version is refused."""
    _check_open(meeting)
    _check_version(meeting, version)
    clean = _check_plan(meeting.client, data, meeting)
    for name in PLAN_FIELDS:
        setattr(meeting, name, clean.get(name))
    _sync_invitations(meeting, clean["invite_members"], clean["invite_users"])
    meeting.updated_at = utcnow()
    db.session.flush()
    audit.record(audit.Action.UPDATE, object_type="network_meeting", object_id=meeting.id,
                 client_id=meeting.client_id, detail="plan")


def _blank(row: dict, names) -> bool:
    return not any(row.get(n) for n in names)


def _rows_to_check(rows, existing: dict, prefix: str, unknown: str, first_field: str,
                   fields: tuple, kept: list, problems: list):
    """Walk the form's rows of participants or actions; yield (where, record, row) to check.

    A row naming an id that is not this meeting's is a problem (`unknown`); an empty new row is
    skipped; a row marked `remove` is kept as (record, None) without checks.
    """
    for index, raw in enumerate(rows):
        row = _clean(raw)
        where = row.get("_where") or f"{prefix}-{index}"
        record = None
        if row.get("id"):
            record = existing.get(row["id"])
            if record is None:
                problems.append((unknown, f"{where}-{first_field}"))
                continue
        elif _blank(row, fields):
            continue
        if row.get("remove"):
            kept.append((record, None))
            continue
        yield where, record, row


def _check_participants(meeting: NetworkMeeting, rows: list[dict]) -> tuple[list, list]:
    """Return (kept rows with their participant or None, problems)."""
    kept, problems = [], []
    for where, participant, row in _rows_to_check(
            rows, {p.id: p for p in meeting.participants}, "participants", "participant", "name",
            ("name", "role", "organisation", "concerns", "resources", "feedback"), kept, problems):
        if participant is None and not row.get("name"):
            problems.append(("participant_name", f"{where}-name"))
        if row.get("presence") not in ("present", "absent"):
            problems.append(("presence", f"{where}-presence"))
        for name, limit in (("name", 200), ("role", 200), ("organisation", 200),
                            ("concerns", TEXT_MAX), ("resources", TEXT_MAX),
                            ("feedback", TEXT_MAX)):
            if _too_long(row.get(name), limit):
                problems.append(("too_long", f"{where}-{name}"))
        kept.append((participant, row))
    return kept, problems


def _check_actions(meeting: NetworkMeeting, rows: list[dict]) -> tuple[list, list]:
    users = {u.id for u in active_users()}
    kept, problems = [], []
    for where, action, row in _rows_to_check(
            rows, {a.id: a for a in meeting.actions}, "actions", "action", "what",
            ("owner_id", "owner_party", "what", "with_whom", "due_date"), kept, problems):
        if not row.get("what"):
            problems.append(("action_what", f"{where}-what"))
        owner_id, party = row.get("owner_id"), row.get("owner_party")
        if owner_id and party:
            problems.append(("action_two_owners", f"{where}-owner_party"))
        elif not owner_id and not party:
            problems.append(("action_owner", f"{where}-owner_id"))
        elif owner_id and owner_id not in users and not (action and action.owner_id == owner_id):
            problems.append(("action_owner", f"{where}-owner_id"))
        if not isinstance(row.get("due_date"), date):
            problems.append(("action_due", f"{where}-due_date"))
        for name, limit in (("what", 1000), ("owner_party", 200), ("with_whom", 200)):
            if _too_long(row.get(name), limit):
                problems.append(("too_long", f"{where}-{name}"))
        kept.append((action, row))
    return kept, problems


def record_minutes(meeting: NetworkMeeting, data: dict, *, participants: list[dict],
                   actions: list[dict], version: int) -> None:
    """Write the minutes: the meeting's sections, participants and agreed actions.

    Rows are dicts from the form in its order; an empty new row is skipped and `remove` drops
    a row; `_where` (optional) names the row's fields in problems. A stale version or approved
    minutes are refused.
    """
    _check_open(meeting)
    _check_version(meeting, version)
    clean = _clean(data)
    problems = []
    for name, limit in (("chair", 120), ("note_taker", 120), ("responsible_person", 200),
                        ("backup_person", 200), ("next_note", 300), ("why_gathered", TEXT_MAX),
                        ("client_view", TEXT_MAX), ("feedback", TEXT_MAX)):
        if _too_long(clean.get(name), limit):
            problems.append(("too_long", name))
    next_date = clean.get("next_date")
    if next_date is not None and not isinstance(next_date, date):
        problems.append(("next_date", "next_date"))
    elif next_date is not None and next_date < meeting.meeting_date:
        problems.append(("next_before_meeting", "next_date"))
    contents = clean.get("contents")
    contents = list(CONTENTS) if contents is None else contents
    if not contents or not set(contents) <= set(CONTENTS):
        problems.append(("contents", "contents"))
    people, people_problems = _check_participants(meeting, participants)
    todo, action_problems = _check_actions(meeting, actions)
    problems += people_problems + action_problems
    if problems:
        raise MeetingError(problems)
    for name in MINUTES_FIELDS:
        setattr(meeting, name, clean.get(name))
    meeting.client_present = bool(clean.get("client_present"))
    meeting.contains_health = bool(clean.get("contains_health"))
    chosen = [c for c in CONTENTS if c in contents]
    meeting.contents = None if chosen == list(CONTENTS) else ",".join(chosen)
    position = 0
    for participant, row in people:
        if row is None:
            if participant is not None:
                meeting.participants.remove(participant)
            continue
        position += 1
        if participant is None:
            participant = MeetingParticipant(kind="other", name=row["name"])
            meeting.participants.append(participant)
        elif participant.kind == "other" and row.get("name"):
            participant.name = row["name"]
        participant.position = position
        participant.role, participant.organisation = row.get("role"), row.get("organisation")
        participant.presence = row["presence"]
        participant.concerns, participant.resources = row.get("concerns"), row.get("resources")
        participant.feedback = row.get("feedback")
    position = 0
    for action, row in todo:
        if row is None:
            if action is not None:
                meeting.actions.remove(action)
            continue
        position += 1
        if action is None:
            action = MeetingAction(what=row["what"])
            meeting.actions.append(action)
        action.position = position
        action.what, action.with_whom, action.due_date = row["what"], row.get("with_whom"), row["due_date"]
        action.owner_id = row.get("owner_id") or None
        action.owner_party = None if action.owner_id else row.get("owner_party")
    meeting.status = "recorded"
    meeting.updated_at = utcnow()
    db.session.flush()
    audit.record(audit.Action.UPDATE, object_type="network_meeting", object_id=meeting.id,
                 client_id=meeting.client_id, detail="minutes")


def check_approvable(meeting: NetworkMeeting) -> None:
    """Refuse, changing nothing, minutes that cannot be approved yet."""
    if meeting.status != "recorded":
        raise MeetingError("not_recorded")
    if meeting.meeting_date > local_today():
        raise MeetingError("approve_before_meeting")


def approve(meeting: NetworkMeeting, *, by: User, version: int) -> None:
    """Approve the minutes: their actions become follow-up tasks and nothing can change after."""
    from ..tasks.services import create_task

    _check_open(meeting)
    _check_version(meeting, version)
    check_approvable(meeting)
    client = meeting.client
    for action in meeting.actions:
        params = {"with_whom": action.with_whom} if action.with_whom else None
        task = create_task(client, title=action.what, params=params, due_date=action.due_date,
                           owner_id=action.owner_id, owner_party=action.owner_party,
                           source="meeting", source_id=meeting.id, created_by_id=by.id)
        action.task_id = task.id
    if meeting.next_date is not None:
        # The convener's own note is their words; without one, the app's text in each reader's.
        what = dict(title=meeting.next_note) if meeting.next_note else dict(kind="next_meeting")
        create_task(client, **what, due_date=meeting.next_date,
                    owner_id=meeting.convener_id or by.id, source="meeting",
                    source_id=meeting.id, created_by_id=by.id)
    db.session.flush()  # the actions are written while the minutes are still open
    meeting.status = "approved"
    meeting.approved_at = utcnow()
    meeting.approved_by_id = by.id
    db.session.flush()
    audit.record(audit.Action.UPDATE, object_type="network_meeting", object_id=meeting.id,
                 client_id=meeting.client_id, detail=f"approved, {len(meeting.actions)} action(s)")


def add_addendum(meeting: NetworkMeeting, *, text: str | None, on: date | None,
                 by: User) -> MeetingAddendum:
    """Add a correction or addition to approved minutes; the minutes themselves stay as approved."""
    if not meeting.approved:
        raise MeetingError("addendum_not_approved")
    text = (text or "").strip()
    problems = []
    if not text:
        problems.append(("addendum_text", "text"))
    elif len(text) > TEXT_MAX:
        problems.append(("too_long", "text"))
    if not isinstance(on, date):
        problems.append(("addendum_on", "on"))
    elif on > local_today():
        problems.append(("in_future", "on"))
    elif on < meeting.meeting_date:
        problems.append(("addendum_before_meeting", "on"))
    elif meeting.approved_on is not None and on < meeting.approved_on:
        # An addendum is written after the approval (the minutes print it as such).
        problems.append(("addendum_before_approval", "on"))
    if problems:
        raise MeetingError(problems)
    addendum = MeetingAddendum(meeting_id=meeting.id, text=text, on=on, author_id=by.id)
    db.session.add(addendum)
    db.session.flush()
    audit.record(audit.Action.CREATE, object_type="meeting_addendum", object_id=addendum.id,
                 client_id=meeting.client_id, detail=f"meeting={meeting.id}")
    return addendum


# --- who receives the minutes -------------------------------------------------------------------

@dataclass
class Recipient:
    """A party on the distribution list."""

    name: str
    detail: Any = ""
    kind: str = "member"


@dataclass
class LeftOut:
    """An invited party left out of the distribution, and why (staff only: consent information)."""

    name: str
    detail: str
    reason: str
    consent: Any = None
    missing: list[str] = field(default_factory=list)
    when: date | None = None


def _user_role_label(user: User | None):
    return dict(role_choices()).get(user.role, "") if user is not None else ""


def distribution(meeting: NetworkMeeting, on: date | None = None) -> tuple[list[Recipient], list[LeftOut]]:
    """Return who may receive the minutes on a date, and who is left out with the reason.

    The client always; the association's users only if they may see the client's meetings on
    `on` (access.py: staff do, a peer supporter only with the meetings section in a pairing in
    force); a network member only with a share consent in force on `on` that covers a document
    and every information type of the minutes (MINUTES_SCOPES, + health): the consent service
    decides, so a one-matter oral consent is never enough.
    """
    on = on or local_today()
    client = meeting.client
    scopes = minutes_scopes(meeting)
    listed = [Recipient(client.display_name, "", "client")]
    left_out: list[LeftOut] = []
    # The network members' consents, asked of the consent service for all of them at once.
    members = [p.member if p.kind == "member" and p.member is not None
               and p.member.client_id == client.id else None for p in meeting.participants]
    answers = iter(check_parties(client, [m for m in members if m is not None], scopes, on=on,
                                 disclosure=DOCUMENT))
    checks = [next(answers) if m is not None else None for m in members]
    # And whether each of the association's own people may see the meetings (access.py).
    people = [p.user for p in meeting.participants if p.kind == "user" and p.user_id is not None]
    may_see = dict(zip((u.id for u in people),
                       may_see_section_each(client, people, "meetings", on)))
    for participant, check in zip(meeting.participants, checks):
        if participant.kind == "user" and participant.user_id is not None:
            user = participant.user
            detail = participant.role or _user_role_label(user)
            if may_see[user.id]:
                listed.append(Recipient(participant.name, detail, "user"))
            else:
                left_out.append(LeftOut(participant.name, detail,
                                        "no_access" if user.is_active else "inactive_user"))
            continue
        detail = ", ".join(filter(None, [participant.role, participant.organisation]))
        member = participant.member if participant.kind == "member" else None
        if member is None or member.client_id != client.id:
            left_out.append(LeftOut(participant.name, detail, "unlinked"))
            continue
        if check.consent is not None:
            listed.append(Recipient(participant.name, detail, "member"))
            continue
        reason, consent = check.reason, check.nearest
        missing = [s for s in scopes if consent is None or s not in consent.scopes]
        when = None
        if consent is not None:
            when = {"withdrawn": consent.withdrawn_on, "superseded": consent.superseded_on,
                    "pending": consent.given_on, "expired": ends_on(consent)}.get(reason)
        left_out.append(LeftOut(participant.name, detail, reason, consent,
                                missing if reason == "scope" else [], when))
    return listed, left_out


# --- the minutes as a document ------------------------------------------------------------------

def minutes_document(meeting: NetworkMeeting, *, lang: str, on: date | None = None,
                     with_distribution: bool = True, association: str = "") -> dict:
    """The plain values the minutes template shows (no database access while rendering)."""
    on = on or local_today()
    recipients = distribution(meeting, on)[0] if with_distribution else None
    participants = []
    for p in meeting.participants:
        role = p.role or (_user_role_label(p.user) if p.kind == "user" else "")
        organisation = p.organisation or (association if p.kind == "user" else "")
        participants.append({"name": p.name, "role": role, "organisation": organisation,
                             "presence": p.presence, "concerns": p.concerns,
                             "resources": p.resources, "feedback": p.feedback})
    return {
        "client_name": meeting.client.display_name,
        "status": meeting.status,
        "meeting_date": meeting.meeting_date,
        "time_text": time_of_day(meeting.start_time, lang),
        "place": meeting.place,
        "remote_link": meeting.remote_link,
        "method": meeting.method,
        "convener": meeting.convener.name if meeting.convener else "",
        "chair": meeting.chair,
        "note_taker": meeting.note_taker,
        "support_person_wanted": meeting.support_person_wanted,
        "support_person": meeting.support_person,
        "client_topics": meeting.client_topics,
        "client_present": meeting.client_present,
        "participants": participants,
        "voices": [p for p in participants if p["concerns"] or p["resources"]],
        "feedback_voices": [p for p in participants if p["feedback"]],
        "why_gathered": meeting.why_gathered,
        "client_view": meeting.client_view,
        "actions": [{"who": a.who, "what": a.what, "with_whom": a.with_whom,
                     "due_date": a.due_date} for a in meeting.actions],
        "responsible_person": meeting.responsible_person,
        "backup_person": meeting.backup_person,
        "next_date": meeting.next_date,
        "next_note": meeting.next_note,
        "feedback": meeting.feedback,
        "contents": meeting.content_list,
        "approved_on": meeting.approved_on,
        "approved_by": meeting.approved_by.name if meeting.approved_by else "",
        "addenda": [{"on": a.on, "author": a.author.name if a.author else "", "text": a.text}
                    for a in meeting.addenda],
        "distribution": recipients,
        "printed_on": on,
    }


def log_print(client_id: int, meeting_id: int, *, lang: str, recipients: list[str] | None) -> None:
    """Log a print of the minutes; a print for distribution also logs the disclosure and to whom."""
    audit.record(audit.Action.PRINT, object_type="meeting_minutes", object_id=meeting_id,
                 client_id=client_id,
                 detail=f"lang={lang} distribution={int(recipients is not None)}")
    if recipients is not None:
        audit.record(audit.Action.DISCLOSURE, object_type="meeting_minutes", object_id=meeting_id,
                     client_id=client_id, detail="to=" + "; ".join(recipients))
