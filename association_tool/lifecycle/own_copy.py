"""The client's own copy of their data, readable: everything recorded about them and who has
handled it (GDPR, article 15), as a PDF in the client's language. The JSON export
(clients/export.py) is the machine-readable copy of the same."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..models import AuditEvent, Client, ClientEnding, Contact, FollowUpTask, Goal, User
from ..models.consents import Consent, ContactAgreement, SocialServicesNotification
from ..models.directory import NetworkMember
from ..models.errands import Errand
from ..models.meetings import NetworkMeeting
from ..extensions import db
from ..settings import copy_includes_staff_only
from ..timeutil import local_date

COPY_LANGUAGES = ("fi", "sv", "en")

# What was done, in plain words.
ACTION_WORDS = {
    "view": _l("looked at"), "create": _l("wrote down"), "update": _l("changed"),
    "delete": _l("removed"), "print": _l("printed"), "export": _l("made a copy of"),
    "disclosure": _l("gave information to others"), "denied": _l("tried to open, and was refused"),
}
# Which part of the record, in plain words (the log stores the part's code).
WHAT_WORDS = {
    "client": _l("your details"), "client_form": _l("your details"),
    "goal": _l("goals"), "goals": _l("goals"), "goal_progress": _l("goals"),
    "goal_review": _l("goals"), "contact": _l("meetings and calls"),
    "contacts": _l("meetings and calls"), "task": _l("things to do"), "tasks": _l("things to do"),
    "consent": _l("consents"), "consents": _l("consents"), "agreement": _l("contact agreement"),
    "errand": _l("errands"), "errands": _l("errands"), "errand_checklist": _l("errands"),
    "network_meeting": _l("network meetings"), "network_meetings": _l("network meetings"),
    "meeting_minutes": _l("network meetings"), "meeting_addendum": _l("network meetings"),
    "network": _l("people and services around you"),
    "network_map": _l("people and services around you"),
    "network_member": _l("people and services around you"),
    "peer_pairing": _l("peer supporters"), "peers": _l("peer supporters"),
    "notification": _l("notifications to social services"),
    "notifications": _l("notifications to social services"),
    "ending": _l("the end of our work together"), "ending_notice": _l("the end of our work together"),
    "retention review": _l("how long your data is kept"),
    "anonymise": _l("your details"),
}
ROLE_WORDS = {"admin": _l("administrator"), "staff": _l("worker"), "peer": _l("peer supporter")}


@dataclass
class LogLine:
    """Who handled the client's data on one day, and how, with how many times."""

    day: date
    who: str
    role: str
    action: str
    what: str
    to: str
    times: int


def copy_language(client: Client) -> str:
    """The language of the client's copy: theirs when the app has it, else Finnish."""
    return client.language if client.language in COPY_LANGUAGES else "fi"


def _to_whom(detail: str | None) -> str:
    if not detail or "to=" not in detail:
        return ""
    return detail.split("to=", 1)[1].strip()


def access_log_extract(client_id: int) -> list[LogLine]:
    """The access log's entries about the client, one line per day, person, action and part of
    the record (repeated views counted), oldest first."""
    rows = db.session.execute(
        select(AuditEvent.at, AuditEvent.user_id, AuditEvent.actor, AuditEvent.action,
               AuditEvent.object_type, AuditEvent.detail, User.name, User.role)
        .outerjoin(User, User.id == AuditEvent.user_id)
        .where(AuditEvent.client_id == client_id).order_by(AuditEvent.id)).all()
    lines: dict[tuple, LogLine] = {}
    for at, user_id, actor, action, what, detail, name, role in rows:
        to = _to_whom(detail) if action == "disclosure" else ""
        key = (local_date(at), user_id, actor if user_id is None else "", action, what or "", to)
        line = lines.get(key)
        if line is None:
            who = name if name else ("" if actor in ("system", "anonymous") else actor)
            lines[key] = LogLine(day=key[0], who=who, role=role or "", action=action,
                                 what=what or "", to=to, times=1)
        else:
            line.times += 1
    return list(lines.values())


def copy_context(client: Client) -> dict:
    """Everything recorded about the client, as the template shows it.

    Staff-only notes and social services notifications are included when the association's
    policy says so (the default).
    """
    include = copy_includes_staff_only()

    def of(model, *order):
        return db.session.scalars(select(model).where(model.client_id == client.id)
                                  .order_by(*order)).all()

    return dict(
        client=client,
        include_staff_only=include,
        goals=of(Goal, Goal.id),
        contacts=of(Contact, Contact.on, Contact.id),
        tasks=of(FollowUpTask, FollowUpTask.id),
        consents=of(Consent, Consent.given_on, Consent.id),
        agreements=of(ContactAgreement, ContactAgreement.version_no),
        errands=of(Errand, Errand.on, Errand.id),
        meetings=of(NetworkMeeting, NetworkMeeting.meeting_date, NetworkMeeting.id),
        network=of(NetworkMember, NetworkMember.id),
        endings=of(ClientEnding, ClientEnding.end_date, ClientEnding.id),
        notifications=(of(SocialServicesNotification, SocialServicesNotification.made_on)
                       if include else []),
        log=access_log_extract(client.id),
        action_words=ACTION_WORDS, role_words=ROLE_WORDS, what_words=WHAT_WORDS,
    )
