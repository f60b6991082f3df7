"""Directory services: search, create, update and archive organisations and contact persons."""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from .. import audit
from ..extensions import db
from ..forms import check_version
from ..models import ORGANISATION_TYPES, ContactPerson, Organisation

ORG_FIELDS = ("type", "name", "unit", "address", "phone", "email", "website", "opening_hours", "notes")
PERSON_FIELDS = ("name", "title", "phone", "email", "is_liaison")
PER_PAGE = 30


class DirectoryError(Exception):
    """A change the directory's rules do not allow; `field` names the field concerned."""

    def __init__(self, code: str, field: str | None = None):
        super().__init__(code)
        self.code, self.field = code, field


def _clean(value):
    """Trim text; empty text becomes None."""
    if isinstance(value, str):
        return value.strip() or None
    return value


def find_duplicate(name: str, unit: str | None, *, except_id: int | None = None) -> Organisation | None:
    """Return an active organisation with the same name and unit, ignoring case."""
    query = select(Organisation).where(
        func.lower(Organisation.name) == (name or "").strip().lower(),
        func.coalesce(func.lower(Organisation.unit), "") == (unit or "").strip().lower(),
        Organisation.archived.is_(False))
    if except_id is not None:
        query = query.where(Organisation.id != except_id)
    return db.session.scalars(query.limit(1)).first()


def _apply(record, fields, data) -> list[str]:
    changed = []
    for field in fields:
        if field in data:
            value = _clean(data[field])
            if getattr(record, field) != value:
                setattr(record, field, value)
                changed.append(field)
    return changed


def create_organisation(data: dict) -> Organisation:
    """Add an organisation or unit; the same name and unit twice is refused."""
    if data.get("type") not in ORGANISATION_TYPES:
        raise DirectoryError("type", "type")
    if find_duplicate(data.get("name"), data.get("unit")):
        raise DirectoryError("duplicate", "name")
    organisation = Organisation()
    _apply(organisation, ORG_FIELDS, data)
    organisation.refresh_search_text()
    db.session.add(organisation)
    db.session.flush()
    audit.record(audit.Action.CREATE, object_type="organisation", object_id=organisation.id)
    return organisation


def update_organisation(organisation: Organisation, data: dict, *, version: int) -> list[str]:
    """Change an organisation; a stale version or a duplicate is refused."""
    check_version(organisation, version)
    if data.get("type") not in ORGANISATION_TYPES:
        raise DirectoryError("type", "type")
    if find_duplicate(data.get("name"), data.get("unit"), except_id=organisation.id):
        raise DirectoryError("duplicate", "name")
    changed = _apply(organisation, ORG_FIELDS, data)
    organisation.refresh_search_text()
    db.session.flush()
    audit.record(audit.Action.UPDATE, object_type="organisation", object_id=organisation.id,
                 detail="changed: " + ", ".join(changed) if changed else None)
    return changed


def set_organisation_archived(organisation: Organisation, archived: bool) -> None:
    """Archive an organisation (it stays readable where used) or bring it back."""
    if not archived and find_duplicate(organisation.name, organisation.unit, except_id=organisation.id):
        raise DirectoryError("duplicate", "name")
    organisation.archived = archived
    db.session.flush()
    audit.record(audit.Action.UPDATE, object_type="organisation", object_id=organisation.id,
                 detail="archived" if archived else "restored")


def create_person(organisation: Organisation, data: dict) -> ContactPerson:
    """Add a contact person to an organisation."""
    duplicate = db.session.scalars(select(ContactPerson).where(
        ContactPerson.organisation_id == organisation.id, ContactPerson.archived.is_(False),
        func.lower(ContactPerson.name) == (data.get("name") or "").strip().lower())).first()
    if duplicate is not None:
        raise DirectoryError("duplicate", "name")
    person = ContactPerson(organisation_id=organisation.id)
    _apply(person, PERSON_FIELDS, data)
    person.is_liaison = bool(data.get("is_liaison"))
    db.session.add(person)
    db.session.flush()
    audit.record(audit.Action.CREATE, object_type="contact_person", object_id=person.id,
                 detail=f"organisation={organisation.id}")
    return person


def update_person(person: ContactPerson, data: dict, *, version: int) -> list[str]:
    """Change a contact person; a stale version is refused."""
    check_version(person, version)
    changed = _apply(person, PERSON_FIELDS, data)
    person.is_liaison = bool(data.get("is_liaison"))
    db.session.flush()
    audit.record(audit.Action.UPDATE, object_type="contact_person", object_id=person.id,
                 detail="changed: " + ", ".join(changed) if changed else None)
    return changed


def set_person_archived(person: ContactPerson, archived: bool) -> None:
    """Archive a contact person who has left, or bring them back."""
    person.archived = archived
    db.session.flush()
    audit.record(audit.Action.UPDATE, object_type="contact_person", object_id=person.id,
                 detail="archived" if archived else "restored")


def search(q: str = "", type_: str = "", include_archived: bool = False, page: int = 1):
    """Return a page of organisations matching the words, with their contact persons loaded."""
    query = select(Organisation).options(selectinload(Organisation.people))
    for word in (q or "").lower().split()[:5]:
        person_match = select(ContactPerson.organisation_id).where(
            func.lower(ContactPerson.name).contains(word, autoescape=True))
        query = query.where(Organisation.search_text.contains(word, autoescape=True)
                            | Organisation.id.in_(person_match))
    if type_ in ORGANISATION_TYPES:
        query = query.where(Organisation.type == type_)
    if not include_archived:
        query = query.where(Organisation.archived.is_(False))
    query = query.order_by(Organisation.archived, Organisation.name, Organisation.unit, Organisation.id)
    return db.paginate(query, page=page, per_page=PER_PAGE, error_out=False)


def active_people() -> list[ContactPerson]:
    """Return every active contact person of active organisations, for pickers."""
    return db.session.scalars(
        select(ContactPerson).join(Organisation)
        .options(selectinload(ContactPerson.organisation))
        .where(ContactPerson.archived.is_(False), Organisation.archived.is_(False))
        .order_by(ContactPerson.name)).all()


def active_organisations() -> list[Organisation]:
    """Return every active organisation, for pickers."""
    return db.session.scalars(
        select(Organisation).where(Organisation.archived.is_(False))
        .order_by(Organisation.name, Organisation.unit)).all()
