"""What the retention policy says is due: clients whose relationship ended longer ago than the
policy keeps their data, and anonymous contacts whose notes are older than their period.

Nothing here changes data by itself: the review page and `flask retention due` list what is
due, and an administrator decides.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, func, select, update

from .. import audit
from ..extensions import db
from ..models import Client, ClientEnding, ClientStatus, Contact, ContactVersion
from ..settings import (RETENTION_ANONYMOUS_MONTHS, RETENTION_CLIENT_MONTHS, retention_policy)
from ..timeutil import local_today


def months_before(day: date, months: int) -> date:
    """Return the day `months` months before `day` (the last day of a shorter month)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    for last in (day.day, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)  # not reached


@dataclass(frozen=True)
class DueClient:
    """A client whose retention period has passed, and the day the relationship ended."""

    id: int
    display_name: str
    ended_on: date


def cutoff(today: date | None = None) -> date:
    """Return the last end date whose retention period has passed by `today`."""
    months = retention_policy()[RETENTION_CLIENT_MONTHS]
    return months_before(today or local_today(), months)


def due_clients(today: date | None = None) -> list[DueClient]:
    """Return the ended, not yet anonymised clients whose relationship ended on or before the
    cut-off (their last ending that was not reopened), the longest-ended first."""
    ended = func.max(ClientEnding.end_date)
    rows = db.session.execute(
        select(Client.id, Client.display_name, ended)
        .join(ClientEnding, and_(ClientEnding.client_id == Client.id,
                                 ClientEnding.reopened_at.is_(None)))
        .where(Client.status == ClientStatus.ENDED.value, Client.anonymised_at.is_(None))
        .group_by(Client.id, Client.display_name)
        .having(ended <= cutoff(today))
        .order_by(ended, Client.id)).all()
    return [DueClient(id=row[0], display_name=row[1], ended_on=row[2]) for row in rows]


def anonymous_cutoff(today: date | None = None) -> date:
    """Return the last day whose anonymous contacts' notes are past their period."""
    months = retention_policy()[RETENTION_ANONYMOUS_MONTHS]
    return months_before(today or local_today(), months)


def _anonymous_with_notes(before: date):
    return select(Contact.id).where(Contact.client_id.is_(None), Contact.on <= before,
                                    Contact.note.is_not(None))


def due_anonymous_contacts(today: date | None = None) -> int:
    """Return how many anonymous contacts still keep a note past their period."""
    query = _anonymous_with_notes(anonymous_cutoff(today)).subquery()
    return db.session.scalar(select(func.count()).select_from(query)) or 0


def clear_anonymous_notes(today: date | None = None) -> int:
    """Empty the notes of anonymous contacts past their period (and of their earlier wordings);
    the contacts stay counted. Logged; flushes; returns how many contacts."""
    ids = list(db.session.scalars(_anonymous_with_notes(anonymous_cutoff(today))))
    if not ids:
        return 0
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        db.session.execute(update(Contact.__table__).where(Contact.__table__.c.id.in_(chunk))
                           .values(note=None))
        db.session.execute(update(ContactVersion.__table__)
                           .where(ContactVersion.__table__.c.contact_id.in_(chunk))
                           .values(note=None))
    audit.record(audit.Action.UPDATE, object_type="anonymous_contacts",
                 detail=f"retention: notes of {len(ids)} anonymous contact(s) emptied")
    db.session.expire_all()
    return len(ids)
