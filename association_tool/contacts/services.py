"""Contacts: record a client's contacts and count anonymous ones; no request access here."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.orm import joinedload

from .. import audit
from ..extensions import db
from ..forms import check_version
from ..models import AGE_GROUPS, CONTACT_CHANNELS, LIFE_AREAS, Client, Contact, ContactVersion

PER_PAGE = 20
NOTE_MAX = 2000
MINUTES_MAX = 1440


class ContactError(ValueError):
    """A contact the rules do not allow (the forms catch these first)."""


# What a correction may change; the client and who recorded the contact stay.
CORRECTABLE = ("on", "channel", "minutes", "worker_id", "peer_id", "topics", "note",
               "activity_id")


def _clean(*, on: date, channel: str, minutes: int | None, topics: Iterable[str]) -> str:
    """Check the values every contact shares; return the topics as stored."""
    if not isinstance(on, date):
        raise ContactError("date")
    if channel not in CONTACT_CHANNELS:
        raise ContactError("channel")
    if minutes is not None and not 0 <= minutes <= MINUTES_MAX:
        raise ContactError("minutes")
    topics = list(dict.fromkeys(topics or ()))
    if any(t not in LIFE_AREAS for t in topics):
        raise ContactError("topics")
    return ",".join(topics)


def create_contact(client: Client, *, on: date, channel: str, minutes: int | None = None,
                   worker_id: int | None = None, peer_id: int | None = None,
                   topics: Iterable[str] = (), note: str | None = None,
                   activity_id: int | None = None, created_by_id: int | None = None) -> Contact:
    """Record a contact with a client and log it."""
    stored_topics = _clean(on=on, channel=channel, minutes=minutes, topics=topics)
    note = (note or "").strip() or None
    if note and len(note) > NOTE_MAX:
        raise ContactError("note")
    contact = Contact(client_id=client.id, on=on, channel=channel, minutes=minutes,
                      worker_id=worker_id, peer_id=peer_id, topics=stored_topics, note=note,
                      activity_id=activity_id, created_by_id=created_by_id)
    db.session.add(contact)
    db.session.flush()
    audit.record(audit.Action.CREATE, object_type="contact", object_id=contact.id,
                 client_id=client.id, detail=f"channel={channel}")
    return contact


def update_contact(contact: Contact, *, on: date, channel: str, minutes: int | None,
                   worker_id: int | None, peer_id: int | None, topics: Iterable[str],
                   note: str | None, version: int, by, activity_id: int | None = None
                   ) -> list[str]:
    """Correct a contact; the earlier wording is kept as a version and the change logged.

    A save over someone else's newer correction raises StaleEdit. Saving without a change
    writes nothing. Return the names of the fields that changed.
    """
    check_version(contact, version)
    stored_topics = _clean(on=on, channel=channel, minutes=minutes, topics=topics)
    note = (note or "").strip() or None
    if note and len(note) > NOTE_MAX:
        raise ContactError("note")
    new = dict(on=on, channel=channel, minutes=minutes, worker_id=worker_id, peer_id=peer_id,
               topics=stored_topics, note=note, activity_id=activity_id)
    changed = [field for field in CORRECTABLE if getattr(contact, field) != new[field]]
    if not changed:
        return []
    db.session.add(ContactVersion(
        contact_id=contact.id, version_no=contact.row_version, replaced_by_id=by.id,
        **{field: getattr(contact, field) for field in CORRECTABLE}))
    for field in changed:
        setattr(contact, field, new[field])
    db.session.flush()
    audit.record(audit.Action.UPDATE, object_type="contact", object_id=contact.id,
                 client_id=contact.client_id, detail="changed: " + ", ".join(changed))
    return changed


def versions(contact: Contact) -> list[ContactVersion]:
    """The contact's earlier wordings, the latest first, with the people loaded."""
    return db.session.scalars(
        select(ContactVersion).options(joinedload(ContactVersion.worker),
                                       joinedload(ContactVersion.peer),
                                       joinedload(ContactVersion.replaced_by))
        .where(ContactVersion.contact_id == contact.id)
        .order_by(ContactVersion.version_no.desc())).all()


def corrected_ids(contacts) -> set[int]:
    """Which of the contacts have been corrected."""
    ids = [c.id for c in contacts]
    if not ids:
        return set()
    return set(db.session.scalars(select(ContactVersion.contact_id)
                                  .where(ContactVersion.contact_id.in_(ids)).distinct()))


def create_anonymous_contact(*, on: date, channel: str, minutes: int | None = None,
                             age_group: str | None = None, topics: Iterable[str] = (),
                             activity_id: int | None = None,
                             created_by_id: int | None = None) -> Contact:
    """Count a contact without identity: no client, no name, no note."""
    stored_topics = _clean(on=on, channel=channel, minutes=minutes, topics=topics)
    if age_group is not None and age_group not in AGE_GROUPS:
        raise ContactError("age_group")
    contact = Contact(client_id=None, on=on, channel=channel, minutes=minutes,
                      age_group=age_group or "unknown", topics=stored_topics,
                      activity_id=activity_id, created_by_id=created_by_id)
    db.session.add(contact)
    db.session.flush()
    audit.record(audit.Action.CREATE, object_type="anonymous_contact", object_id=contact.id,
                 detail=f"channel={channel}")
    return contact


def list_contacts(client: Client, page: int = 1, per_page: int = PER_PAGE):
    """Return one page of the client's contacts, newest first, with the people loaded."""
    query = (select(Contact).options(joinedload(Contact.worker), joinedload(Contact.peer))
             .where(Contact.client_id == client.id)
             .order_by(Contact.on.desc(), Contact.id.desc()))
    return db.paginate(query, page=max(page, 1), per_page=per_page, error_out=False)


def anonymous_count(date_from: date | None = None, date_to: date | None = None) -> int:
    """Count the anonymous contacts between two dates (both included)."""
    query = select(func.count(Contact.id)).where(Contact.client_id.is_(None))
    if date_from is not None:
        query = query.where(Contact.on >= date_from)
    if date_to is not None:
        query = query.where(Contact.on <= date_to)
    return db.session.execute(query).scalar_one()


@dataclass(frozen=True)
class AnonymousCounts:
    """How many anonymous contacts were counted this week (from Monday) and this month."""

    week: int
    month: int


def anonymous_counts(today: date) -> AnonymousCounts:
    """Count the anonymous contacts dated this week and this month up to `today`, in one query."""
    week_start = today - timedelta(days=today.weekday())
    month_start = today.replace(day=1)
    week, month = db.session.execute(
        select(func.coalesce(func.sum(case((Contact.on >= week_start, 1), else_=0)), 0),
               func.coalesce(func.sum(case((Contact.on >= month_start, 1), else_=0)), 0))
        .where(Contact.client_id.is_(None), Contact.on >= min(week_start, month_start),
               Contact.on <= today)).one()
    return AnonymousCounts(int(week), int(month))


def anonymous_counts_for(user, today: date) -> AnonymousCounts | None:
    """This week's and this month's anonymous contacts for staff, shown with the form; None for
    peer supporters (the association's figures are staff work)."""
    from ..access import sees_all_clients

    return anonymous_counts(today) if sees_all_clients(user) else None
