"""The contact agreement: drafts, lines, activation against consents, versions and review tasks.

One agreement per client is in force at a time. Changes are made in a draft; making the draft
active (once the client has signed it) supersedes the previous version, which stays readable.
Every line must rest on a consent in force that covers what the line shares (a line naming one
of the association's own workers needs none): activation is refused otherwise, and an active agreement's lines are checked again whenever they are shown,
so a withdrawn or expired consent flags the lines it backed.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from .. import audit
from ..consents import services as consents
from ..extensions import db
from ..forms import check_version
from ..models import Client, ContactPerson, NetworkMember, Organisation, User
from ..models.consents import (DIRECTIONS, HOW_OPTIONS, INFO_SCOPES, PREFERENCE_CHANNELS,
                               WHEN_OPTIONS, AgreementLine, Consent, ContactAgreement)
from ..network import services as network
from ..tasks.services import create_task
from ..timeutil import local_today, utcnow
from ..users import WORKER_ROLES

HEADER_FIELDS = ("made_on", "review_date", "preferred_times", "messages_may_say_topic",
                 "preferences_note", "if_condition_changes", "follow_up_together")
LINE_FIELDS = ("direction", "every_weeks", "not_heard_days", "note")


class AgreementError(Exception):
    """An agreement change that does not fit the rules; `field` names the field concerned.

    A line is checked whole: `problems` lists every problem found (this one first).
    """

    def __init__(self, code: str, field: str | None = None, problems: list | None = None,
                 **details):
        super().__init__(code)
        self.code, self.field, self.details = code, field, details
        self.problems: list[AgreementError] = problems or [self]


# --- reading ------------------------------------------------------------------------------------

def _query():
    return select(ContactAgreement).options(
        selectinload(ContactAgreement.lines).joinedload(AgreementLine.member)
        .joinedload(NetworkMember.contact_person),
        selectinload(ContactAgreement.lines).joinedload(AgreementLine.consent),
        joinedload(ContactAgreement.created_by))


def versions(client: Client) -> list[ContactAgreement]:
    """Every version of the client's agreement, newest first."""
    return db.session.scalars(_query().where(ContactAgreement.client_id == client.id)
                              .order_by(ContactAgreement.version_no.desc())).unique().all()


def active_agreement(client: Client) -> ContactAgreement | None:
    return db.session.scalars(_query().where(ContactAgreement.client_id == client.id,
                                             ContactAgreement.status == "active")).unique().first()


def active_version(client: Client) -> int | None:
    """The version number of the client's agreement in force, None when there is none."""
    return db.session.scalar(select(ContactAgreement.version_no).where(
        ContactAgreement.client_id == client.id, ContactAgreement.status == "active").limit(1))


def draft_of(client: Client) -> ContactAgreement | None:
    return db.session.scalars(_query().where(ContactAgreement.client_id == client.id,
                                             ContactAgreement.status == "draft")).unique().first()


# --- consent checks ------------------------------------------------------------------------------

@dataclass
class LineCheck:
    """Whether a line rests on a consent on a date, and if not, why."""

    line: AgreementLine
    consent: Consent | None
    reason: str | None = None          # none, withdrawn, expired, superseded, pending, oral, scope, removed
    nearest: Consent | None = None
    internal: bool = False             # one of the association's own workers: no consent needed

    @property
    def ok(self) -> bool:
        return self.consent is not None or self.internal


def line_scopes(line: AgreementLine) -> list[str]:
    """What the line shares; keeping in touch at all shares at least the general situation."""
    return line.share_list or ["general"]


def check_line(client: Client, line: AgreementLine, on: date | None = None) -> LineCheck:
    """Find the consent a line rests on: the consent service decides (never an oral one).

    A line naming one of the association's own workers keeps the information inside the
    association: it needs no consent.
    """
    if line.user_id is not None:
        return LineCheck(line, None, internal=True)
    if line.member is None:
        return LineCheck(line, None, "removed")
    scopes = line_scopes(line)
    consent = consents.active_consent(client, line.member, scopes, on=on,
                                      disclosure=consents.AGREEMENT_LINE)
    if consent is not None:
        return LineCheck(line, consent)
    reason, nearest = consents.why_not(client, line.member, scopes, on=on,
                                       disclosure=consents.AGREEMENT_LINE)
    return LineCheck(line, None, reason, nearest)


def line_checks(client: Client, agreement: ContactAgreement, on: date | None = None) -> list[LineCheck]:
    """`check_line` for every line, the lines' consents asked of the consent service at once."""
    lines = list(agreement.lines)
    asked = [i for i, line in enumerate(lines) if line.user_id is None and line.member is not None]
    answers = consents.check_parties(client, [lines[i].member for i in asked], on=on,
                                     scopes_each=[line_scopes(lines[i]) for i in asked],
                                     disclosure=consents.AGREEMENT_LINE)
    found = dict(zip(asked, answers))
    checks = []
    for i, line in enumerate(lines):
        if i not in found:
            checks.append(check_line(client, line, on))  # internal or removed: no consent asked
        elif found[i].consent is not None:
            checks.append(LineCheck(line, found[i].consent))
        else:
            checks.append(LineCheck(line, None, found[i].reason, found[i].nearest))
    return checks


# --- changing a draft ---------------------------------------------------------------------------

def last_ended(client: Client) -> ContactAgreement | None:
    """The latest version that ended with a client relationship (none is in force after it)."""
    return db.session.scalars(_query().where(ContactAgreement.client_id == client.id,
                                             ContactAgreement.status == "ended")
                              .order_by(ContactAgreement.version_no.desc())).unique().first()


def start_draft(client: Client, *, by) -> ContactAgreement:
    """Open a draft: a copy of the agreement in force (or of the one that ended with the client
    relationship, to be agreed and signed again), or an empty one. One draft at a time."""
    existing = draft_of(client)
    if existing is not None:
        return existing
    number = (db.session.scalar(select(func.max(ContactAgreement.version_no))
                                .where(ContactAgreement.client_id == client.id)) or 0) + 1
    base = active_agreement(client) or last_ended(client)
    draft = ContactAgreement(client_id=client.id, version_no=number, status="draft",
                             made_on=local_today(), created_by_id=by.id)
    if base is not None:
        for field in HEADER_FIELDS + ("preferred_channels",):
            setattr(draft, field, getattr(base, field))
        draft.made_on = local_today()
        for line in base.lines:
            draft.lines.append(AgreementLine(
                position=line.position, member_id=line.member_id, user_id=line.user_id,
                party_label=line.party_label,
                direction=line.direction, when=line.when, every_weeks=line.every_weeks,
                not_heard_days=line.not_heard_days, how=line.how, shares=line.shares,
                note=line.note))
    db.session.add(draft)
    db.session.flush()
    audit.record(audit.Action.CREATE, object_type="agreement", object_id=draft.id,
                 client_id=client.id, detail=f"version={number} draft")
    return draft


def _require_draft(agreement: ContactAgreement) -> None:
    if agreement.status != "draft":
        raise AgreementError("not_draft")


def update_header(agreement: ContactAgreement, data: dict, *, version: int) -> None:
    """Change the draft's preferences, plans and dates."""
    _require_draft(agreement)
    check_version(agreement, version)
    if not isinstance(data.get("made_on"), date):
        raise AgreementError("made_on", "made_on")
    review = data.get("review_date")
    if review is not None and review < data["made_on"]:
        raise AgreementError("review_before_made", "review_date")
    for field in HEADER_FIELDS:
        value = data.get(field)
        setattr(agreement, field, value.strip() or None if isinstance(value, str) else value)
    agreement.messages_may_say_topic = bool(data.get("messages_may_say_topic"))
    agreement.preferred_channels = ",".join(
        c for c in PREFERENCE_CHANNELS if c in (data.get("preferred_channels") or ()))
    db.session.flush()
    audit.record(audit.Action.UPDATE, object_type="agreement", object_id=agreement.id,
                 client_id=agreement.client_id)


def _party(client: Client, data: dict, keep_user_id: int | None) -> tuple[str, object] | None:
    """The party a line names: ("member" | "user" | "organisation" | "person", record), or None."""
    if data.get("member_id"):
        member = db.session.get(NetworkMember, data["member_id"])
        return ("member", member) if member is not None and member.client_id == client.id else None
    if data.get("user_id"):
        user = db.session.get(User, data["user_id"])
        usable = user is not None and user.role in WORKER_ROLES and (
            user.active or user.id == keep_user_id)
        return ("user", user) if usable else None
    if data.get("organisation_id"):
        organisation = db.session.get(Organisation, data["organisation_id"])
        return ("organisation", organisation) if organisation is not None else None
    if data.get("contact_person_id"):
        person = db.session.get(ContactPerson, data["contact_person_id"])
        return ("person", person) if person is not None else None
    return None


def _check_line(client: Client, data: dict, keep_user_id: int | None = None):
    """Check a line whole; raise one AgreementError listing every problem found."""
    problems: list[AgreementError] = []
    party = _party(client, data, keep_user_id)
    if party is None:
        problems.append(AgreementError("party", "party"))
    if data.get("direction") not in DIRECTIONS:
        problems.append(AgreementError("direction", "direction"))
    when = [w for w in WHEN_OPTIONS if w in (data.get("when") or ())]
    how = [h for h in HOW_OPTIONS if h in (data.get("how") or ())]
    shares = [s for s in INFO_SCOPES if s in (data.get("shares") or ())]
    if not when:
        problems.append(AgreementError("when", "when"))
    if not how:
        problems.append(AgreementError("how", "how"))
    every = data.get("every_weeks")
    if "regular" in when and not every:
        problems.append(AgreementError("every_weeks", "every_weeks"))
    days = data.get("not_heard_days")
    if "not_heard" in when and not days:
        problems.append(AgreementError("not_heard_days", "not_heard_days"))
    if problems:
        raise AgreementError(problems[0].code, problems[0].field, problems)
    return party, when, how, shares


def line_problems(client: Client, data: dict, keep_user_id: int | None = None) -> list[AgreementError]:
    """Every problem the line rules find in `data` (nothing is changed): for the form."""
    try:
        _check_line(client, data, keep_user_id)
    except AgreementError as error:
        return error.problems
    return []


def _clean_line(client: Client, data: dict, keep_user_id: int | None = None) -> dict:
    """The line's columns; a directory party not yet on the client's network map is put there
    (`network.on_map`) once the line is otherwise in order."""
    (kind, record), when, how, shares = _check_line(client, data, keep_user_id)
    every, days = data.get("every_weeks"), data.get("not_heard_days")
    member, user = None, None
    if kind == "user":
        user = record
        label = user.name
    else:
        if kind == "member":
            member = record
        elif kind == "organisation":
            member = network.on_map(client, organisation=record)
        else:
            member = network.on_map(client, person=record)
        label = member.display_name + (f", {member.subtitle}" if member.subtitle else "")
    return dict(member_id=member.id if member else None, user_id=user.id if user else None,
                party_label=label[:300], direction=data["direction"],
                when=",".join(when), how=",".join(how), shares=",".join(shares),
                every_weeks=every if "regular" in when else None,
                not_heard_days=days if "not_heard" in when else None,
                note=(data.get("note") or "").strip() or None)


def add_line(client: Client, agreement: ContactAgreement, data: dict) -> AgreementLine:
    _require_draft(agreement)
    clean = _clean_line(client, data)
    line = AgreementLine(position=len(agreement.lines) + 1, **clean)
    agreement.lines.append(line)
    db.session.flush()
    audit.record(audit.Action.UPDATE, object_type="agreement", object_id=agreement.id,
                 client_id=client.id, detail=f"line added {line.id}")
    return line


def update_line(client: Client, agreement: ContactAgreement, line: AgreementLine, data: dict) -> None:
    _require_draft(agreement)
    for field, value in _clean_line(client, data, keep_user_id=line.user_id).items():
        setattr(line, field, value)
    db.session.flush()
    audit.record(audit.Action.UPDATE, object_type="agreement", object_id=agreement.id,
                 client_id=client.id, detail=f"line changed {line.id}")


def remove_line(agreement: ContactAgreement, line: AgreementLine) -> None:
    _require_draft(agreement)
    agreement.lines.remove(line)
    db.session.flush()
    audit.record(audit.Action.UPDATE, object_type="agreement", object_id=agreement.id,
                 client_id=agreement.client_id, detail=f"line removed {line.id}")


def discard_draft(agreement: ContactAgreement) -> None:
    _require_draft(agreement)
    client_id, agreement_id = agreement.client_id, agreement.id
    db.session.delete(agreement)
    db.session.flush()
    audit.record(audit.Action.DELETE, object_type="agreement", object_id=agreement_id,
                 client_id=client_id, detail="draft discarded")


def activation_checks(client: Client, agreement: ContactAgreement, *,
                      signed_on: date | None) -> list[LineCheck]:
    """Check, changing nothing, that the draft can come into force signed on that date.

    Raises AgreementError for a missing or impossible date, an ended client or no lines;
    returns the line checks (some may fail for lack of a consent).
    """
    if client.status == "ended":  # the ending ended the agreement in force; none comes back
        raise AgreementError("client_ended")
    if not isinstance(signed_on, date):
        raise AgreementError("signed_on", "signed_on")
    if signed_on > local_today():
        raise AgreementError("signed_in_future", "signed_on")
    if signed_on < agreement.made_on:
        raise AgreementError("signed_before_made", "signed_on")
    if not agreement.lines:
        raise AgreementError("no_lines")
    return line_checks(client, agreement, local_today())


def activate(client: Client, agreement: ContactAgreement, *, signed_on: date | None, by,
             version: int) -> list[LineCheck]:
    """Make the signed draft the agreement in force; refuse while a line lacks a consent.

    Returns the failing line checks (nothing changes then), or an empty list on success.
    """
    _require_draft(agreement)
    check_version(agreement, version)
    checks = activation_checks(client, agreement, signed_on=signed_on)
    failing = [c for c in checks if not c.ok]
    if failing:
        return failing
    previous = active_agreement(client)
    if previous is not None:
        previous.status, previous.superseded_at = "superseded", utcnow()
        db.session.flush()
        audit.record(audit.Action.UPDATE, object_type="agreement", object_id=previous.id,
                     client_id=client.id, detail=f"superseded by version {agreement.version_no}")
    for check in checks:
        check.line.consent_id = check.consent.id if check.consent is not None else None
    agreement.status, agreement.signed_on, agreement.activated_at = "active", signed_on, utcnow()
    db.session.flush()
    audit.record(audit.Action.UPDATE, object_type="agreement", object_id=agreement.id,
                 client_id=client.id, detail=f"version {agreement.version_no} active, "
                 f"signed {signed_on.isoformat()}, consents "
                 + ",".join(str(c.consent.id) for c in checks if c.consent is not None))
    if agreement.review_date is not None:
        owner_id = client.responsible_id or by.id
        create_task(client, kind="agreement_review", due_date=agreement.review_date,
                    owner_id=owner_id,
                    source="agreement", source_id=agreement.id, created_by_id=by.id)
    return []
