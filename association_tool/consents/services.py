"""Consents and notifications: the one place that answers "may this go to that party?".

Every feature that shares information about a client asks `active_consent` (and `why_not` for
the reason it may not) before it does, naming the kind of disclosure (`DISCLOSURES`): the
contact agreement, network meeting minutes, telling partners of an ending, anything later.
Which forms of consent cover which kind of disclosure is said once, in `FORMS_COVERING`.
A consent is active on a date from `given_on` through `valid_until` (or through the end of the
client relationship), unless it was withdrawn or superseded on or before that date.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Iterable

from sqlalchemy import and_, literal_column, or_, select, union_all
from sqlalchemy.orm import joinedload

from .. import audit
from ..extensions import db
from ..models import Client, ClientEnding, ContactPerson, NetworkMember, Organisation, User
from ..models.consents import (CLIENT_CHANNELS, CONSENT_FORMS, CONSENT_KINDS, INFO_SCOPES,
                               NOTIFICATION_PATHS, WITHDRAWAL_HOWS, Consent,
                               SocialServicesNotification)
from ..timeutil import local_today, utcnow

EXPIRING_DAYS = 30


class ConsentError(Exception):
    """A consent, withdrawal or notification that does not fit the rules; `field` names the field.

    A consent is checked whole: `problems` lists every problem found (this one first), so that a
    form can show them all at once, each next to its field.
    """

    def __init__(self, code: str, field: str | None = None, problems: list | None = None):
        super().__init__(code)
        self.code, self.field = code, field
        self.problems: list[ConsentError] = problems or [self]


# --- status -------------------------------------------------------------------------------------

def _relationship_end(consent: Consent) -> date | None:
    """The end date of the client relationship the consent was given in, if it has ended."""
    return db.session.scalar(
        select(ClientEnding.end_date)
        .where(ClientEnding.client_id == consent.client_id,
               ClientEnding.end_date >= consent.given_on)
        .order_by(ClientEnding.end_date).limit(1))


def ends_on(consent: Consent, endings: list[date] | None = None) -> date | None:
    """The last day the consent can be active, leaving withdrawal and replacement aside.

    `endings`: the end dates of the client's relationships, when already read (else asked).
    """
    if consent.until_relationship_ends:
        if endings is None:
            return _relationship_end(consent)
        return min((end for end in endings if end >= consent.given_on), default=None)
    return consent.valid_until


def status(consent: Consent, on: date | None = None, endings: list[date] | None = None) -> str:
    """Return withdrawn, superseded, pending, expired, expiring or active on a date (default today).

    `consent` may be a row of the columns the rule reads (`_STATUS_COLUMNS`); `endings` as for
    `ends_on`.
    """
    on = on or local_today()
    if consent.withdrawn_on is not None and consent.withdrawn_on <= on:
        return "withdrawn"
    if consent.superseded_on is not None and consent.superseded_on <= on:
        return "superseded"
    if consent.given_on > on:
        return "pending"
    last = ends_on(consent, endings)
    if last is not None and on > last:
        return "expired"
    if last is not None and last <= on + timedelta(days=EXPIRING_DAYS):
        return "expiring"
    return "active"


def is_active(consent: Consent, on: date | None = None) -> bool:
    """Tell whether the consent is in force on the date."""
    return status(consent, on) in ("active", "expiring")


# What `status` reads of a consent.
_STATUS_COLUMNS = (Consent.client_id, Consent.withdrawn_on, Consent.superseded_on,
                   Consent.given_on, Consent.valid_until, Consent.until_relationship_ends)


def count_in_force(client: Client, on: date | None = None) -> int:
    """How many of the client's consents are in force on the date (default today), by the rule
    of `status`: two statements, whatever the number of consents."""
    rows = db.session.execute(select(*_STATUS_COLUMNS).where(Consent.client_id == client.id)).all()
    if not rows:
        return 0
    endings = (db.session.scalars(select(ClientEnding.end_date)
                                  .where(ClientEnding.client_id == client.id)).all()
               if any(row.until_relationship_ends for row in rows) else [])
    return sum(1 for row in rows if status(row, on, endings) in ("active", "expiring"))


# --- which consents cover which disclosures --------------------------------------------------------

# The kinds of disclosure: what goes to the party, and how.
DOCUMENT = "document"              # a document given out: e.g. the minutes of a network meeting
AGREEMENT_LINE = "agreement_line"  # a line of the contact agreement: keeping in touch over time
ONE_MATTER = "one_matter"          # one phone call or message about one matter
ENDING_NOTICE = "ending_notice"    # telling a partner that the client relationship has ended
OBSERVATION = "observation"        # sharing observations of the client's progress with a partner
DISCLOSURES = (DOCUMENT, AGREEMENT_LINE, ONE_MATTER, ENDING_NOTICE, OBSERVATION)

FORMS_COVERING: dict[str, frozenset[str]] = {
    DOCUMENT: frozenset({"written", "electronic"}),
    AGREEMENT_LINE: frozenset({"written", "electronic"}),
    ONE_MATTER: frozenset({"written", "electronic", "oral"}),
    ENDING_NOTICE: frozenset({"written", "electronic", "oral"}),
    OBSERVATION: frozenset({"written", "electronic"}),
}
"""The forms of consent that cover each kind of disclosure: the one table every feature asks.

Written and electronic consents cover every kind. An oral consent covers one matter only and
ends with it (it must name the matter and a last day, see `_check`), so it never covers a
document (the minutes are kept and passed on: more than one matter) nor a line of the contact
agreement (an ongoing arrangement). It does cover a single call or message about one matter,
and telling a partner that the client relationship has ended: that is one short message about
one matter, "anna tieto asiakkuuden päättymisestä yhteistyökumppaneille" on the ending card of
the source material (seed 002), which the client typically agrees to by word of mouth in the
final meeting; no document goes with it. The consent must still name that party, cover the
information and be in force on the day, like any other.

Sharing observations of the client's progress and changes in wellbeing with a partner (seed 004:
"jaetaan havaintoja toipujan etenemisestä ja voinnin muutoksista ... hoitotaholle") is an ongoing
arrangement, not one matter: like an agreement line it needs a written or electronic consent. A
single call or message about one matter is a ONE_MATTER disclosure. A referral letter is a
DOCUMENT.
"""


def _disclosure(disclosure: str) -> str:
    if disclosure not in FORMS_COVERING:
        raise ValueError(f"unknown kind of disclosure: {disclosure!r}")
    return disclosure


def _scopes(scope: str | Iterable[str]) -> set[str]:
    needed = {scope} if isinstance(scope, str) else set(scope)
    unknown = needed - set(INFO_SCOPES)
    if unknown:
        raise ValueError(f"unknown information types: {sorted(unknown)}")
    return needed


def covers(consent: Consent, scope: str | Iterable[str] = (), *, disclosure: str,
           kind: str = "share", on: date | None = None) -> bool:
    """Tell whether this one consent lets `scope` go out as this kind of disclosure on `on`.

    Its kind, its form (`FORMS_COVERING`), the information it covers and whether it is in force;
    the party is the caller's to match (`active_consent` finds the consents naming a party).
    """
    return (consent.kind == kind and consent.form in FORMS_COVERING[_disclosure(disclosure)]
            and _scopes(scope) <= set(consent.scopes) and is_active(consent, on))


# --- "may this go to that party?" ----------------------------------------------------------------

Party = NetworkMember | Organisation | ContactPerson


def _organisation_itself(client: Client, organisation_id: int):
    """Consents naming the organisation: directly, or as an organisation on the client's map."""
    return or_(Consent.organisation_id == organisation_id,
               Consent.member_id.in_(select(NetworkMember.id).where(
                   NetworkMember.client_id == client.id, NetworkMember.kind == "organisation",
                   NetworkMember.organisation_id == organisation_id)))


def _the_person(client: Client, person_id: int):
    """Consents naming the directory person: directly, or as a person on the client's map."""
    return or_(Consent.contact_person_id == person_id,
               Consent.member_id.in_(select(NetworkMember.id).where(
                   NetworkMember.client_id == client.id, NetworkMember.kind == "person",
                   NetworkMember.contact_person_id == person_id)))


def _party_condition(client: Client, party: Party):
    """Consents that name this party, the one place that says so.

    A network member is named by a consent to that member; a directory contact person (on the
    map or not) by a consent to that person, or by a consent to their organisation whose wording
    covers its people (`covers_people`); an organisation (on the map or not) by a consent to it.
    A consent to one person never covers anyone else, and a consent to organisation A never a
    person of organisation B.
    """
    if isinstance(party, NetworkMember):
        conditions = [Consent.member_id == party.id]
        if party.kind == "person" and party.contact_person is not None:
            conditions.append(_party_condition(client, party.contact_person))
        elif party.kind == "organisation" and party.organisation_id is not None:
            conditions.append(_organisation_itself(client, party.organisation_id))
        return or_(*conditions)
    if isinstance(party, ContactPerson):
        return or_(_the_person(client, party.id),
                   and_(Consent.covers_people.is_(True),
                        _organisation_itself(client, party.organisation_id)))
    if isinstance(party, Organisation):
        return _organisation_itself(client, party.id)
    raise TypeError(f"not a party: {party!r}")


def _consents_of(client: Client, parties: list[Party], kind: str) -> list[list[Consent]]:
    """Each party's consents of the kind, newest first, asked of the database in one statement
    for all the parties (each named by `_party_condition`)."""
    found: list[list[Consent]] = [[] for _ in parties]
    asked = [(i, party) for i, party in enumerate(parties) if party is not None]
    for start in range(0, len(asked), _PARTIES_PER_STATEMENT):
        chunk = asked[start:start + _PARTIES_PER_STATEMENT]
        tagged = union_all(*[
            select(Consent.id.label("consent_id"), literal_column(str(int(i))).label("party"))
            .where(Consent.client_id == client.id, Consent.kind == kind,
                   _party_condition(client, party))
            for i, party in chunk]).subquery()
        rows = db.session.execute(
            select(tagged.c.party, Consent).join(Consent, Consent.id == tagged.c.consent_id)
            .order_by(tagged.c.party, Consent.given_on.desc(), Consent.id.desc())).all()
        for i, consent in rows:
            found[i].append(consent)
    return found


# Parties asked in one statement (SQLite allows 500 parts in a compound select).
_PARTIES_PER_STATEMENT = 200


def _covering(consents: list[Consent], scope, *, kind: str, on: date,
              disclosure: str) -> Consent | None:
    """The newest of a party's consents given by `on` that covers the scope and disclosure."""
    for consent in consents:
        if consent.given_on <= on and covers(consent, scope, disclosure=disclosure, kind=kind,
                                             on=on):
            return consent
    return None


def _reason(consents: list[Consent], needed: set[str], forms, on: date
            ) -> tuple[str, Consent | None]:
    """Why none of a party's consents (newest first) lets the information go (`why_not`)."""
    for consent in consents:
        state = status(consent, on)
        if state in ("active", "expiring"):
            if consent.form not in forms:
                return ("oral" if consent.form == "oral" else "form"), consent
            if not needed <= set(consent.scopes):
                return "scope", consent
        else:
            return state, consent
    return "none", None


def active_consent(client: Client, party: Party, scope: str | Iterable[str] = (), *,
                   kind: str = "share", on: date | None = None,
                   disclosure: str = DOCUMENT) -> Consent | None:
    """Return a consent in force on `on` that lets `scope` go to `party` (None: it may not).

    `scope` is one information type or several (general, progress, appointments, health); every
    one must be covered by the same consent. A consent to an organisation covers its people on
    the client's network and in the directory when its wording says so (`covers_people`); a
    consent to one person does not cover the rest of the organisation (`_party_condition`).
    `disclosure` is the kind of disclosure (`DISCLOSURES`); only consents whose form covers it
    count (`FORMS_COVERING`). Left out, it is a document, the strictest: a caller that forgets
    to say never lets a one-matter oral consent through.
    """
    return check_parties(client, [party], scope, kind=kind, on=on,
                         disclosure=disclosure)[0].consent


def why_not(client: Client, party: Party, scope: str | Iterable[str], *, kind: str = "share",
            on: date | None = None, disclosure: str = DOCUMENT) -> tuple[str, Consent | None]:
    """Explain a missing consent: (reason code, the nearest consent) for messages on screen.

    Codes: none, withdrawn, expired, superseded, pending, scope (covers less than needed), oral
    (only an oral consent, which does not cover this kind of disclosure), form (likewise, for
    another form). Ask it with the same `disclosure` as `active_consent`.
    """
    forms = FORMS_COVERING[_disclosure(disclosure)]
    needed = _scopes(scope)
    if party is None:
        return "none", None
    return _reason(_consents_of(client, [party], kind)[0], needed, forms, on or local_today())


@dataclass(frozen=True)
class PartyCheck:
    """The answer for one party: the consent that lets the information go, or why none does
    (`reason`, as `why_not` gives it, with the nearest consent)."""

    consent: Consent | None
    reason: str | None = None
    nearest: Consent | None = None


def check_parties(client: Client, parties: list[Party], scope: str | Iterable[str] = (), *,
                  kind: str = "share", on: date | None = None, disclosure: str = DOCUMENT,
                  scopes_each: list | None = None) -> list[PartyCheck]:
    """`active_consent`, and `why_not` where it gives none, for each party, in order: the same
    rules, with the parties' consents read in one statement for a page that checks many.

    `scopes_each`, when given, names the information for each party in turn instead of `scope`.
    """
    forms = FORMS_COVERING[_disclosure(disclosure)]
    scopes = list(scopes_each) if scopes_each is not None else [scope] * len(parties)
    on = on or local_today()
    checks = []
    for party, wanted, consents in zip(parties, scopes, _consents_of(client, list(parties), kind)):
        needed = _scopes(wanted)
        if party is None:
            checks.append(PartyCheck(None, "none"))
            continue
        consent = _covering(consents, wanted, kind=kind, on=on, disclosure=disclosure)
        if consent is not None:
            checks.append(PartyCheck(consent))
        else:
            checks.append(PartyCheck(None, *_reason(consents, needed, forms, on)))
    return checks


# --- reading ------------------------------------------------------------------------------------

def client_consents(client: Client) -> list[Consent]:
    """Return all of the client's consents, newest first, with recipients loaded."""
    return db.session.scalars(
        select(Consent)
        .options(joinedload(Consent.member).joinedload(NetworkMember.contact_person),
                 joinedload(Consent.organisation), joinedload(Consent.recorded_by),
                 joinedload(Consent.withdrawn_heard_by))
        .where(Consent.client_id == client.id)
        .order_by(Consent.given_on.desc(), Consent.id.desc())).unique().all()


def consent_for_client(client: Client, consent_id: int) -> Consent | None:
    """Return the consent only if it belongs to this client."""
    consent = db.session.get(Consent, consent_id) if 0 < consent_id < 2**31 else None
    return consent if consent is not None and consent.client_id == client.id else None


def history(consent: Consent) -> list[Consent]:
    """The chain of consents this one replaced, oldest first, ending with this one."""
    chain = [consent]
    seen = {consent.id}
    while True:
        older = db.session.scalar(select(Consent).where(Consent.superseded_by_id == chain[0].id))
        if older is None or older.id in seen:
            return chain
        seen.add(older.id)
        chain.insert(0, older)


@dataclass
class Expiring:
    """A consent that ends soon, for the home page: a row of what the page shows of it (id,
    client_id, recipient_label, channel, the client's display_name) and the columns its status
    is read from."""

    consent: object
    ends_on: date


def expiring_for(user: User, today: date | None = None, *, days: int = EXPIRING_DAYS,
                 limit: int = 30) -> list[Expiring]:
    """Consents in force that end within `days`, for clients the user is responsible for or backs up.

    Admins and staff see their own clients' consents; peer supporters none (consents are staff work).
    """
    from ..access import among_own_clients, sees_all_clients

    if not sees_all_clients(user):
        return []

    today = today or local_today()
    rows = db.session.execute(
        select(Consent.id, Consent.recipient_label, Consent.channel, *_STATUS_COLUMNS,
               Client.display_name)
        .join(Client, Client.id == Consent.client_id)
        .where(among_own_clients(Consent.client_id, user),
               Consent.withdrawn_on.is_(None), Consent.superseded_on.is_(None),
               Consent.valid_until.is_not(None), Consent.valid_until >= today,
               Consent.valid_until <= today + timedelta(days=days))
        .order_by(Consent.valid_until, Consent.id).limit(limit)).all()
    return [Expiring(c, c.valid_until) for c in rows if is_active(c, today)]


# --- recording ----------------------------------------------------------------------------------

CONSENT_FIELDS = ("kind", "member_id", "organisation_id", "contact_person_id", "covers_people",
                  "channel", "purpose", "form", "matter", "given_on", "valid_until",
                  "until_relationship_ends", "wording")


def _recipient(client: Client, data: dict) -> dict:
    """Check the recipient: a member of this client's network, or a directory organisation or
    contact person. Returns the recipient's columns and the label kept with the consent."""
    none = dict(member_id=None, organisation_id=None, contact_person_id=None, covers_people=False,
                recipient_label="")
    if data.get("kind") == "client_channel":
        return none
    member_id, organisation_id = data.get("member_id"), data.get("organisation_id")
    person_id = data.get("contact_person_id")
    if sum(1 for i in (member_id, organisation_id, person_id) if i) > 1:
        raise ConsentError("recipient", "consent_to")
    if member_id:
        member = db.session.get(NetworkMember, member_id)
        if member is None or member.client_id != client.id:
            raise ConsentError("recipient", "consent_to")
        label = member.display_name + (f", {member.subtitle}" if member.subtitle else "")
        return none | dict(member_id=member.id, recipient_label=label[:300],
                           covers_people=member.kind == "organisation"
                           and bool(data.get("covers_people", True)))
    if organisation_id:
        organisation = db.session.get(Organisation, organisation_id)
        if organisation is None:
            raise ConsentError("recipient", "consent_to")
        return none | dict(organisation_id=organisation.id, recipient_label=organisation.label[:300],
                           covers_people=bool(data.get("covers_people", True)))
    if person_id:
        person = db.session.get(ContactPerson, person_id)
        if person is None:
            raise ConsentError("recipient", "consent_to")
        label = ", ".join(p for p in (person.name, person.title, person.organisation.label) if p)
        return none | dict(contact_person_id=person.id, recipient_label=label[:300])
    raise ConsentError("recipient", "consent_to")


def valid_until_needed(form: str | None, until_relationship_ends: bool) -> bool:
    """The one rule for "valid until": a last day is needed unless the consent is valid until the
    client relationship ends, which an oral consent never is (it ends with its one matter)."""
    return form == "oral" or not until_relationship_ends


def _check(client: Client, data: dict) -> dict:
    """Check a consent whole; raise one ConsentError listing every problem found."""
    clean = {k: (v.strip() or None) if isinstance(v, str) else v for k, v in data.items()}
    problems: list[ConsentError] = []

    def problem(code: str, field: str) -> None:
        problems.append(ConsentError(code, field))

    kind, form = clean.get("kind"), clean.get("form")
    if kind not in CONSENT_KINDS:
        problem("kind", "kind")
    if form not in CONSENT_FORMS:
        problem("form", "form")
    scopes = [s for s in INFO_SCOPES if s in (clean.get("information") or ())]
    if kind == "share" and not scopes:
        problem("information", "information")
    if kind == "client_channel":
        if clean.get("channel") not in CLIENT_CHANNELS:
            problem("channel", "channel")
    else:
        clean["channel"] = None
    try:
        clean.update(_recipient(client, clean))
    except ConsentError as error:
        problems.append(error)
    if not clean.get("purpose"):
        problem("purpose", "purpose")
    given_on = clean.get("given_on")
    if not isinstance(given_on, date):
        problem("given_on", "given_on")
        given_on = None
    elif given_on > local_today():
        problem("given_in_future", "given_on")
    until_end = clean["until_relationship_ends"] = bool(clean.get("until_relationship_ends"))
    if form == "oral":
        # Oral consent covers one matter only and ends with it: a matter and a last day.
        if not clean.get("matter"):
            problem("oral_matter", "matter")
    else:
        clean["matter"] = None
    valid_until = clean.get("valid_until")
    if form == "oral" and until_end:
        problem("oral_open_ended", "until_relationship_ends")
    elif until_end and valid_until is not None:
        problem("valid_until_and_end", "valid_until")
    if valid_until_needed(form, until_end) and not isinstance(valid_until, date):
        problem("valid_until", "valid_until")
    elif isinstance(valid_until, date) and given_on is not None and valid_until < given_on:
        problem("valid_before_given", "valid_until")
    if until_end:
        clean["valid_until"] = None
    if not clean.get("wording"):
        problem("wording", "wording")
    if problems:
        raise ConsentError(problems[0].code, problems[0].field, problems)
    clean["information"] = ",".join(scopes)
    return clean


def consent_problems(client: Client, data: dict) -> list[ConsentError]:
    """Every problem the consent rules find in `data` (nothing is recorded): for the form."""
    try:
        _check(client, data)
    except ConsentError as error:
        return error.problems
    return []


def record_consent(client: Client, data: dict, *, by: User) -> Consent:
    """Record a consent the client has given; it is never edited afterwards."""
    clean = _check(client, data)
    consent = Consent(client_id=client.id, recorded_by_id=by.id,
                      information=clean["information"], recipient_label=clean["recipient_label"],
                      **{f: clean.get(f) for f in CONSENT_FIELDS})
    db.session.add(consent)
    db.session.flush()
    audit.record(audit.Action.CREATE, object_type="consent", object_id=consent.id,
                 client_id=client.id,
                 detail=f"kind={consent.kind} form={consent.form} information={consent.information}")
    return consent


def withdraw(consent: Consent, *, on: date, how: str, heard_by: User,
             note: str | None = None) -> None:
    """Record that the client withdrew the consent; from `on` it no longer covers anything."""
    if consent.withdrawn_on is not None:
        raise ConsentError("already_withdrawn")
    if consent.superseded_on is not None:
        raise ConsentError("already_superseded")
    if how not in WITHDRAWAL_HOWS:
        raise ConsentError("how", "how")
    if not isinstance(on, date):
        raise ConsentError("withdrawn_on", "withdrawn_on")
    if on < consent.given_on:
        raise ConsentError("withdrawn_before_given", "withdrawn_on")
    if on > local_today():
        raise ConsentError("withdrawn_in_future", "withdrawn_on")
    consent.withdrawn_on, consent.withdrawn_how = on, how
    consent.withdrawn_heard_by_id = heard_by.id
    consent.withdrawal_note = (note or "").strip() or None
    consent.withdrawal_recorded_at = utcnow()
    db.session.flush()
    audit.record(audit.Action.UPDATE, object_type="consent", object_id=consent.id,
                 client_id=consent.client_id, detail=f"withdrawn on={on.isoformat()} how={how}")


def supersede(old: Consent, data: dict, *, by: User) -> Consent:
    """Record a new consent that replaces `old` from its given date; the old one stays as history."""
    if old.withdrawn_on is not None:
        raise ConsentError("already_withdrawn")
    if old.superseded_on is not None:
        raise ConsentError("already_superseded")
    client = db.session.get(Client, old.client_id)
    new = record_consent(client, data, by=by)
    if new.given_on < old.given_on:
        raise ConsentError("superseded_before_given", "given_on")
    old.superseded_by_id, old.superseded_on = new.id, new.given_on
    db.session.flush()
    audit.record(audit.Action.UPDATE, object_type="consent", object_id=old.id,
                 client_id=old.client_id, detail=f"superseded by={new.id}")
    return new


# --- social services notifications ---------------------------------------------------------------

def client_notifications(client: Client) -> list[SocialServicesNotification]:
    """The client's notifications, newest first."""
    return db.session.scalars(
        select(SocialServicesNotification)
        .options(joinedload(SocialServicesNotification.made_by),
                 joinedload(SocialServicesNotification.consent))
        .where(SocialServicesNotification.client_id == client.id)
        .order_by(SocialServicesNotification.made_on.desc(),
                  SocialServicesNotification.id.desc())).unique().all()


def _carries_notification(consent: Consent, on: date | None = None) -> bool:
    """Contacting social services about one concern is a disclosure about one matter."""
    return covers(consent, disclosure=ONE_MATTER, on=on)


def notification_consents(client: Client, on: date | None = None) -> list[Consent]:
    """The client's consents that can carry a contact with social services on a date (today)."""
    return [c for c in client_consents(client) if _carries_notification(c, on)]


def record_notification(client: Client, data: dict, *, by: User) -> SocialServicesNotification:
    """Record the path taken with a concern; contacting social services is logged as a disclosure."""
    clean = {k: (v.strip() or None) if isinstance(v, str) else v for k, v in data.items()}
    path = clean.get("path")
    if path not in NOTIFICATION_PATHS:
        raise ConsentError("path", "path")
    if not clean.get("concern"):
        raise ConsentError("concern", "concern")
    made_on = clean.get("made_on")
    if not isinstance(made_on, date):
        raise ConsentError("made_on", "made_on")
    if made_on > local_today():
        raise ConsentError("made_in_future", "made_on")
    consent = None
    if path == "with_consent":
        consent = consent_for_client(client, clean.get("consent_id") or 0)
        if consent is None:
            raise ConsentError("consent_missing", "consent_id")
        if not _carries_notification(consent, made_on):
            raise ConsentError("consent_inactive", "consent_id")
    if path == "without_consent" and not clean.get("reason_without_consent"):
        raise ConsentError("reason", "reason_without_consent")
    if path != "guided" and not clean.get("recipient"):
        raise ConsentError("recipient_text", "recipient")
    notification = SocialServicesNotification(
        client_id=client.id, path=path, concern=clean["concern"], made_on=made_on,
        recipient=clean.get("recipient"), made_by_id=by.id, note=clean.get("note"),
        consent_id=consent.id if consent is not None else None,
        reason_without_consent=clean.get("reason_without_consent") if path == "without_consent" else None)
    db.session.add(notification)
    db.session.flush()
    action = audit.Action.CREATE if path == "guided" else audit.Action.DISCLOSURE
    audit.record(action, object_type="notification", object_id=notification.id,
                 client_id=client.id,
                 detail=f"path={path}" + (f" to={notification.recipient}" if notification.recipient else "")
                 + (f" consent={consent.id}" if consent is not None else ""))
    return notification
