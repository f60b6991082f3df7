"""Referrals both ways: record them, walk their path, answer the follow-up call, share observations.

The path of a referral changes only through `record_step`, which knows the allowed transitions
(`TRANSITIONS`); anything else is refused with a `ReferralError`, which the screens show as a
message. What goes to a partner (a referral letter, an observation) asks the consent service.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.attributes import flag_modified

from .. import audit
from ..consents import services as consents
from ..extensions import db
from ..forms import check_version
from ..models import Client, ContactPerson, FollowUpTask, Organisation, TaskStatus, User
from ..models.referrals import (DIRECTIONS, GOT_SERVICE, HANDOVERS, NEXT_STEPS, OBSTACLES,
                                SHARING_HOWS, SHARING_KINDS, TARGET_KINDS, Referral,
                                ReferralFollowUp, ReferralStep, SharedObservation)
from ..tasks.services import create_task, set_task_status
from ..timeutil import local_today

# The allowed steps of the path, by direction and the state the referral is in. A referral out
# starts "sent" (the partner may tell us they received it before they decide); one in starts
# "received" (the association answers: accepted or not suitable). The sender may revoke a
# referral until it has started. Declined, ended and revoked end the path.
TRANSITIONS: dict[tuple[str, str], tuple[str, ...]] = {
    ("out", "sent"): ("received", "accepted", "declined", "revoked"),
    ("out", "received"): ("accepted", "declined", "revoked"),
    ("out", "accepted"): ("started", "revoked"),
    ("out", "started"): ("ended",),
    ("in", "received"): ("accepted", "declined", "revoked"),
    ("in", "accepted"): ("started", "revoked"),
    ("in", "started"): ("ended",),
}
FIRST_STATE = {"out": "sent", "in": "received"}
# A referral out with no word from the partner for this long is a path about to break.
NO_WORD_DAYS = 14
TASK_SOURCE = "referral"
LETTER_SCOPES = {"client": "general", "reason": "general", "hopes": "general",
                 "handover": "appointments", "agreement": "general"}


class ReferralError(Exception):
    """A referral, a step or an answer that does not fit the rules; `field` names the field."""

    def __init__(self, code: str, field: str | None = None):
        super().__init__(code)
        self.code, self.field = code, field


def allowed_steps(referral: Referral) -> tuple[str, ...]:
    """The states the referral may move to next."""
    return TRANSITIONS.get((referral.direction, referral.state), ())


# --- reading ------------------------------------------------------------------------------------

def referrals_of(client: Client) -> list[Referral]:
    """The client's referrals, open ones first, newest first within each."""
    rows = db.session.scalars(
        select(Referral).options(joinedload(Referral.organisation),
                                 joinedload(Referral.contact_person),
                                 selectinload(Referral.steps), selectinload(Referral.follow_ups))
        .where(Referral.client_id == client.id)
        .order_by(Referral.sent_on.desc(), Referral.id.desc())).all()
    return sorted(rows, key=lambda r: r.is_closed)


def follow_up_task(referral: Referral) -> FollowUpTask | None:
    """The referral's open follow-up (or first meeting) task, if any."""
    return db.session.scalars(
        select(FollowUpTask).where(FollowUpTask.client_id == referral.client_id,
                                   FollowUpTask.source == TASK_SOURCE,
                                   FollowUpTask.source_id == referral.id,
                                   FollowUpTask.status == TaskStatus.OPEN.value)
        .order_by(FollowUpTask.id)).first()


def attention(referral: Referral, today: date | None = None) -> list[str]:
    """Why this path may be breaking: codes the screen explains (empty: nothing to worry about)."""
    today = today or local_today()
    reasons = []
    if referral.follow_up_on is not None and referral.follow_up_on < today \
            and referral.state != "revoked":
        reasons.append("follow_up_overdue")
    if referral.direction == "out" and referral.state in ("sent", "received") \
            and referral.state_on + timedelta(days=NO_WORD_DAYS) < today:
        reasons.append("no_word")
    if referral.state == "declined" and referral.follow_up_on is None and not referral.follow_ups:
        reasons.append("declined_no_next")
    last = referral.follow_ups[-1] if referral.follow_ups else None
    if last is not None and last.got_service in ("no", "not_yet") and last.next_step != "end" \
            and referral.follow_up_on is None:
        reasons.append("not_got_service")
    return reasons


def organisations(keep: int | None = None) -> list[Organisation]:
    """The directory's organisations a referral can name (and the one it names, if archived)."""
    return db.session.scalars(
        select(Organisation).where(Organisation.archived.is_(False) | (Organisation.id == keep))
        .order_by(Organisation.name, Organisation.unit)).all()


def people(keep: int | None = None) -> list[ContactPerson]:
    """The directory's contact persons, with their organisations (and the one named, if archived)."""
    return db.session.scalars(
        select(ContactPerson).options(joinedload(ContactPerson.organisation))
        .where(ContactPerson.archived.is_(False) | (ContactPerson.id == keep))
        .order_by(ContactPerson.name)).all()


# --- writing ------------------------------------------------------------------------------------

REFERRAL_FIELDS = ("target_kind", "organisation_id", "contact_person_id", "reason", "hopes",
                   "handover", "handover_note", "first_contact_on", "first_contact_note",
                   "sent_on", "follow_up_on", "worker_id")


def _clean(data: dict) -> dict:
    return {k: (v.strip() or None) if isinstance(v, str) else v for k, v in data.items()}


def _party(clean: dict, keep: Referral | None = None) -> str:
    """Check the partner (an organisation and/or its contact person) and return its name."""
    organisation = person = None
    organisation_id, person_id = clean.get("organisation_id"), clean.get("contact_person_id")
    if person_id:
        person = db.session.get(ContactPerson, person_id) if 0 < person_id < 2**31 else None
        if person is None or (person.archived and (keep is None or keep.contact_person_id != person_id)):
            raise ReferralError("person", "contact_person_id")
        if organisation_id and organisation_id != person.organisation_id:
            raise ReferralError("person_elsewhere", "contact_person_id")
        organisation_id = person.organisation_id
    if organisation_id:
        organisation = db.session.get(Organisation, organisation_id) if 0 < organisation_id < 2**31 else None
        if organisation is None or (organisation.archived and (
                keep is None or keep.organisation_id != organisation.id)):
            raise ReferralError("organisation", "organisation_id")
    if organisation is None:
        raise ReferralError("party", "organisation_id")
    clean["organisation_id"] = organisation.id
    clean["contact_person_id"] = person.id if person else None
    label = organisation.label + (f" / {person.name}" if person else "")
    return label[:300]


def _normalise(direction: str, data: dict, keep: Referral | None = None) -> dict:
    clean = _clean(data)
    if direction not in DIRECTIONS:
        raise ReferralError("direction", "direction")
    clean["party_label"] = _party(clean, keep)
    if not clean.get("reason"):
        raise ReferralError("reason", "reason")
    sent_on = clean.get("sent_on")
    if not isinstance(sent_on, date):
        raise ReferralError("sent_on", "sent_on")
    if sent_on > local_today():
        raise ReferralError("in_future", "sent_on")
    follow_up_on = clean.get("follow_up_on")
    if follow_up_on is not None and follow_up_on < sent_on:
        raise ReferralError("follow_up_before_sent", "follow_up_on")
    if direction == "out":
        if clean.get("target_kind") not in TARGET_KINDS:
            raise ReferralError("target_kind", "target_kind")
        if clean.get("handover") not in HANDOVERS:
            raise ReferralError("handover", "handover")
        clean["first_contact_on"] = clean["first_contact_note"] = None
    else:
        clean["target_kind"] = clean["handover"] = clean["handover_note"] = None
        first = clean.get("first_contact_on")
        if first is not None and first < sent_on:
            raise ReferralError("first_before_sent", "first_contact_on")
    worker_id = clean.get("worker_id")
    if worker_id is not None:
        worker = db.session.get(User, worker_id) if 0 < worker_id < 2**31 else None
        if worker is None or worker.role == "peer" or (
                not worker.active and (keep is None or keep.worker_id != worker_id)):
            raise ReferralError("worker", "worker_id")
    return clean


def _log(referral: Referral, action: audit.Action, detail: str) -> None:
    audit.record(action, object_type="referral", object_id=referral.id,
                 client_id=referral.client_id, detail=detail)


def _schedule_follow_up(referral: Referral, actor: User) -> FollowUpTask | None:
    """Keep one open follow-up call task, due on the follow-up date (none without a date)."""
    task = follow_up_task(referral)
    if task is not None and task.kind != "referral_follow_up":
        task = None  # the first meeting of a referral in is a task of its own
    params = {"party": referral.party_label[:120]}
    owner_id = referral.worker_id or actor.id
    if referral.follow_up_on is None or referral.state == "revoked":
        if task is not None:
            set_task_status(task, TaskStatus.CANCELLED.value)
        return None
    if task is None:
        return create_task(referral.client, kind="referral_follow_up", params=params,
                           due_date=referral.follow_up_on, owner_id=owner_id, source=TASK_SOURCE,
                           source_id=referral.id, created_by_id=actor.id)
    if (task.due_date, task.owner_id, task.params) != (referral.follow_up_on, owner_id, params):
        task.due_date, task.owner_id, task.params = referral.follow_up_on, owner_id, params
        db.session.flush()
        audit.record(audit.Action.UPDATE, object_type="task", object_id=task.id,
                     client_id=task.client_id, detail=f"due={task.due_date.isoformat()}")
    return task


def create_referral(client: Client, direction: str, data: dict, *, actor: User,
                    told_by: str | None = None) -> Referral:
    """Record a referral out (sent) or in (received); a follow-up date makes the follow-up task."""
    clean = _normalise(direction, data)
    state = FIRST_STATE[direction]
    referral = Referral(client_id=client.id, direction=direction, state=state,
                        state_on=clean["sent_on"], party_label=clean["party_label"],
                        created_by_id=actor.id,
                        **{f: clean.get(f) for f in REFERRAL_FIELDS})
    if referral.worker_id is None:
        referral.worker_id = actor.id
    db.session.add(referral)
    db.session.flush()
    referral.steps.append(ReferralStep(state=state, on=clean["sent_on"], recorded_by_id=actor.id,
                                       told_by=(told_by or "").strip()[:200] or None))
    db.session.flush()
    _log(referral, audit.Action.CREATE, f"direction={direction} to={referral.organisation_id}")
    if direction == "out":
        _schedule_follow_up(referral, actor)
    return referral


def update_referral(referral: Referral, data: dict, *, version: int, actor: User) -> None:
    """Change a referral's details; the follow-up task moves with the follow-up date."""
    check_version(referral, version)
    clean = _normalise(referral.direction, data, keep=referral)
    changed = [f for f in REFERRAL_FIELDS + ("party_label",)
               if getattr(referral, f) != clean.get(f)]
    if clean.get("worker_id") is None:
        changed = [f for f in changed if f != "worker_id"]
    if not changed:
        return
    for name in changed:
        setattr(referral, name, clean.get(name))
    db.session.flush()
    _log(referral, audit.Action.UPDATE, "changed " + ",".join(sorted(changed)))
    if referral.direction == "out" and not referral.is_closed or "follow_up_on" in changed:
        _schedule_follow_up(referral, actor)


def record_step(referral: Referral, state: str, *, on: date | None, told_by: str | None,
                note: str | None = None, reason: str | None = None, elsewhere: str | None = None,
                version: int, actor: User, first_meeting_on: date | None = None) -> ReferralStep:
    """Move the referral one step along its path, as the partner (or the client) told us.

    Declining needs a reason (and for a referral in, where else the client could go); a referral
    in that is accepted gets its first meeting as a task; a revoked one loses its open tasks.
    """
    check_version(referral, version)
    if state not in allowed_steps(referral):
        raise ReferralError("transition", "state")
    if not isinstance(on, date):
        raise ReferralError("on", "on")
    if on > local_today():
        raise ReferralError("in_future", "on")
    if on < referral.state_on:
        raise ReferralError("before_previous", "on")
    told_by = (told_by or "").strip() or None
    if state != "revoked" and referral.direction == "out" and not told_by:
        raise ReferralError("told_by", "told_by")
    reason, elsewhere = (reason or "").strip() or None, (elsewhere or "").strip() or None
    if state == "declined":
        if not reason:
            raise ReferralError("decline_reason", "reason")
        if referral.direction == "in" and not elsewhere:
            raise ReferralError("elsewhere", "elsewhere")
        referral.decline_reason, referral.elsewhere = reason, elsewhere
    step = ReferralStep(state=state, on=on, told_by=told_by and told_by[:200],
                        note=(note or "").strip() or None, recorded_by_id=actor.id)
    referral.steps.append(step)
    previous = referral.state
    referral.state, referral.state_on = state, on
    db.session.flush()
    _log(referral, audit.Action.UPDATE, f"step {previous}->{state} on={on.isoformat()}")
    if state == "revoked":
        task = follow_up_task(referral)
        while task is not None:
            set_task_status(task, TaskStatus.CANCELLED.value)
            task = follow_up_task(referral)
    elif referral.direction == "in" and state == "accepted":
        create_task(referral.client, kind="referral_first_meeting",
                    params={"party": referral.party_label[:120]},
                    due_date=first_meeting_on or referral.first_contact_on or on,
                    owner_id=referral.worker_id or actor.id, source=TASK_SOURCE,
                    source_id=referral.id, created_by_id=actor.id)
    elif referral.direction == "in" and state in ("started", "declined"):
        task = follow_up_task(referral)
        if task is not None and task.kind == "referral_first_meeting":
            set_task_status(task, TaskStatus.DONE.value if state == "started"
                            else TaskStatus.CANCELLED.value)
    return step


@dataclass
class FollowUpAnswer:
    """What the client said in the follow-up call."""

    got_service: str
    next_step: str
    answered_on: date | None = None
    rating: int | None = None
    client_words: str | None = None
    obstacles: list[str] = field(default_factory=list)
    obstacle_note: str | None = None
    next_follow_up_on: date | None = None


def answer_follow_up(referral: Referral, answer: FollowUpAnswer, *, version: int,
                     actor: User) -> ReferralFollowUp:
    """Record the follow-up call; its task is done, and "continue" with a date asks again then."""
    check_version(referral, version)
    if referral.direction != "out" or referral.state == "revoked":
        raise ReferralError("no_follow_up")
    if answer.got_service not in GOT_SERVICE:
        raise ReferralError("got_service", "got_service")
    if answer.next_step not in NEXT_STEPS:
        raise ReferralError("next_step", "next_step")
    on = answer.answered_on or local_today()
    if on > local_today():
        raise ReferralError("in_future", "answered_on")
    if answer.rating is not None and not 1 <= answer.rating <= 5:
        raise ReferralError("rating", "rating")
    obstacles = [o for o in OBSTACLES if o in (answer.obstacles or ())]
    if set(answer.obstacles or ()) - set(obstacles):
        raise ReferralError("obstacles", "obstacles")
    next_on = answer.next_follow_up_on
    if answer.next_step == "continue" and next_on is None:
        raise ReferralError("next_follow_up_on", "next_follow_up_on")
    if next_on is not None and next_on <= on:
        raise ReferralError("next_follow_up_on_past", "next_follow_up_on")
    if answer.next_step != "continue":
        next_on = None
    follow_up = ReferralFollowUp(
        answered_on=on, got_service=answer.got_service, rating=answer.rating,
        client_words=(answer.client_words or "").strip() or None, obstacles=",".join(obstacles),
        obstacle_note=(answer.obstacle_note or "").strip() or None, next_step=answer.next_step,
        recorded_by_id=actor.id)
    referral.follow_ups.append(follow_up)
    task = follow_up_task(referral)
    if task is not None and task.kind == "referral_follow_up":
        set_task_status(task, TaskStatus.DONE.value)
    referral.follow_up_on = next_on
    # The answer changes the referral even when the date stays empty: a second answer made on
    # the same page is then seen as stale.
    flag_modified(referral, "follow_up_on")
    db.session.flush()
    _log(referral, audit.Action.UPDATE,
         f"follow-up got={answer.got_service} next={answer.next_step}")
    if next_on is not None:
        _schedule_follow_up(referral, actor)
    return follow_up


# --- per partner --------------------------------------------------------------------------------

@dataclass
class PartnerFigures:
    """What happened to the association's referrals to one organisation."""

    organisation: Organisation
    sent: int = 0
    accepted: int = 0
    started: int = 0
    declined: int = 0
    answers: dict[str, int] = field(default_factory=lambda: dict.fromkeys(GOT_SERVICE, 0))


def partner_figures() -> list[PartnerFigures]:
    """For each organisation referred to: referrals sent, accepted, started, and follow-up answers.

    A referral counts as accepted (started) if its path ever reached that step, so one that has
    since ended still counts. Figures only, no names of clients.
    """
    reached = {}
    for referral_id, state in db.session.execute(
            select(ReferralStep.referral_id, ReferralStep.state).join(Referral)
            .where(Referral.direction == "out")).all():
        reached.setdefault(referral_id, set()).add(state)
    rows = db.session.execute(
        select(Referral.id, Referral.organisation_id).where(Referral.direction == "out",
                                                            Referral.organisation_id.is_not(None))
    ).all()
    figures: dict[int, PartnerFigures] = {}
    by_referral = {}
    for referral_id, organisation_id in rows:
        if organisation_id not in figures:
            figures[organisation_id] = PartnerFigures(db.session.get(Organisation, organisation_id))
        f = figures[organisation_id]
        by_referral[referral_id] = f
        states = reached.get(referral_id, set())
        f.sent += 1
        f.accepted += bool(states & {"accepted", "started", "ended"})
        f.started += bool(states & {"started", "ended"})
        f.declined += "declined" in states
    for referral_id, got in db.session.execute(
            select(ReferralFollowUp.referral_id, ReferralFollowUp.got_service)).all():
        if referral_id in by_referral:
            by_referral[referral_id].answers[got] += 1
    return sorted(figures.values(), key=lambda f: (-f.sent, f.organisation.label))


# --- what goes to the partner -------------------------------------------------------------------

@dataclass
class LetterPart:
    """A part of the referral letter: in it, or left out with the reason code."""

    name: str
    scope: str
    included: bool
    reason: str | None = None


def letter_parts(referral: Referral, on: date | None = None) -> tuple[list[LetterPart], object]:
    """Which parts of the letter the consent to the recipient covers today; and that consent.

    The letter is a document (DOCUMENT): an oral consent never covers it. A part whose
    information the consent does not cover is left out, with why_not's reason.
    """
    client = referral.client
    party = referral.organisation
    parts, consent = [], None
    for name, scope in LETTER_SCOPES.items():
        found = consents.active_consent(client, party, scope, disclosure=consents.DOCUMENT, on=on)
        if found is not None:
            consent = consent or found
            parts.append(LetterPart(name, scope, True))
        else:
            reason, _ = consents.why_not(client, party, [scope], disclosure=consents.DOCUMENT, on=on)
            parts.append(LetterPart(name, scope, False, reason))
    return parts, consent


def agreement_lines_for(referral: Referral) -> list:
    """The lines of the client's contact agreement in force that concern the referral's partner."""
    from ..agreements.services import active_agreement

    agreement = active_agreement(referral.client)
    if agreement is None or referral.organisation_id is None:
        return []
    lines = []
    for line in agreement.lines:
        member = line.member
        organisation_ids = {getattr(member, "organisation_id", None)}
        if member is not None and member.contact_person is not None:
            organisation_ids.add(member.contact_person.organisation_id)
        if referral.organisation_id in organisation_ids:
            lines.append(line)
    return lines


def letter_printed(referral: Referral, parts: list[LetterPart], consent) -> None:
    """Write the letter's print to the access log: a disclosure when any part went in."""
    included = [p.name for p in parts if p.included]
    action = audit.Action.DISCLOSURE if included else audit.Action.PRINT
    audit.record(action, object_type="referral_letter", object_id=referral.id,
                 client_id=referral.client_id,
                 detail=f"to={referral.organisation_id} parts={','.join(included) or '-'}"
                 + (f" consent={consent.id}" if consent is not None else ""))


def observations_of(client: Client) -> list[SharedObservation]:
    """What has been shared with partners about the client, newest first."""
    return db.session.scalars(
        select(SharedObservation).options(joinedload(SharedObservation.recorded_by))
        .where(SharedObservation.client_id == client.id)
        .order_by(SharedObservation.on.desc(), SharedObservation.id.desc())).all()


def share_observation(client: Client, data: dict, *, actor: User) -> SharedObservation:
    """Record an observation, call or message shared with a partner, under the consent that allows it.

    An observation of progress is an ongoing sharing (OBSERVATION); a call or a message is about
    one matter (ONE_MATTER). Without an active consent covering it, it is refused.
    """
    clean = _clean(data)
    kind = clean.get("kind")
    if kind not in SHARING_KINDS:
        raise ReferralError("kind", "kind")
    organisation_id = clean.get("organisation_id")
    organisation = (db.session.get(Organisation, organisation_id)
                    if organisation_id and 0 < organisation_id < 2**31 else None)
    if organisation is None:
        raise ReferralError("organisation", "organisation_id")
    if not clean.get("what"):
        raise ReferralError("what", "what")
    if clean.get("how") not in SHARING_HOWS:
        raise ReferralError("how", "how")
    if not clean.get("client_knows"):
        raise ReferralError("client_knows", "client_knows")
    scopes = [s for s in ("general", "progress", "appointments", "health")
              if s in (clean.get("information") or ())]
    if not scopes:
        raise ReferralError("information", "information")
    on = clean.get("on")
    if not isinstance(on, date):
        raise ReferralError("on", "on")
    if on > local_today():
        raise ReferralError("in_future", "on")
    referral_id = clean.get("referral_id")
    if referral_id:
        referral = db.session.get(Referral, referral_id) if 0 < referral_id < 2**31 else None
        if referral is None or referral.client_id != client.id:
            raise ReferralError("referral", "referral_id")
    disclosure = consents.OBSERVATION if kind == "observation" else consents.ONE_MATTER
    consent = consents.active_consent(client, organisation, scopes, disclosure=disclosure, on=on)
    if consent is None:
        reason, _ = consents.why_not(client, organisation, scopes, disclosure=disclosure, on=on)
        raise ReferralError(f"consent_{reason}", "organisation_id")
    observation = SharedObservation(
        client_id=client.id, referral_id=referral_id or None, kind=kind,
        organisation_id=organisation.id, party_label=organisation.label[:300], what=clean["what"],
        information=",".join(scopes), how=clean["how"], client_knows=True, on=on,
        consent_id=consent.id, recorded_by_id=actor.id)
    db.session.add(observation)
    db.session.flush()
    audit.record(audit.Action.DISCLOSURE, object_type="shared_observation",
                 object_id=observation.id, client_id=client.id,
                 detail=f"kind={kind} to={organisation.id} how={observation.how} "
                        f"info={observation.information} consent={consent.id}")
    return observation
