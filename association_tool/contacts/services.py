"""Contacts: record a client's contacts and count anonymous ones; no request access here."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from .. import audit
from ..extensions import db
from ..models import AGE_GROUPS, CONTACT_CHANNELS, LIFE_AREAS, Client, Contact

PER_PAGE = 20
NOTE_MAX = 2000
MINUTES_MAX = 1440


class ContactError(ValueError):
    """A contact the rules do not allow (the forms catch these first)."""


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
                   created_by_id: int | None = None) -> Contact:
    """Record a contact with a client and log it."""
    stored_topics = _clean(on=on, channel=channel, minutes=minutes, topics=topics)
    note = (note or "").strip() or None
    if note and len(note) > NOTE_MAX:
        raise ContactError("note")
    contact = Contact(client_id=client.id, on=on, channel=channel, minutes=minutes,
                      worker_id=worker_id, peer_id=peer_id, topics=stored_topics, note=note,
                      created_by_id=created_by_id)
    db.session.add(contact)
    db.session.flush()
    audit.record(audit.Action.CREATE, object_type="contact", object_id=contact.id,
                 client_id=client.id, detail=f"channel={channel}")
    return contact


def create_anonymous_contact(*, on: date, channel: str, minutes: int | None = None,
                             age_group: str | None = None, topics: Iterable[str] = (),
                             created_by_id: int | None = None) -> Contact:
    """Count a contact without identity: no client, no name, no note."""
    stored_topics = _clean(on=on, channel=channel, minutes=minutes, topics=topics)
    if age_group is not None and age_group not in AGE_GROUPS:
        raise ContactError("age_group")
    contact = Contact(client_id=None, on=on, channel=channel, minutes=minutes,
                      age_group=age_group or "unknown", topics=stored_topics,
                      created_by_id=created_by_id)
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
