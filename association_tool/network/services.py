"""The client's network: members from the directory or private persons, and the map layout."""
from __future__ import annotations

import math
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from .. import audit
from ..extensions import db
from ..forms import check_version
from ..models import (MEMBER_KINDS, RINGS, SECTORS, Client, ContactPerson, NetworkMember,
                      Organisation)

MEMBER_FIELDS = ("kind", "contact_person_id", "organisation_id", "name", "relation", "phone",
                 "sector", "ring", "role_note", "involved")


class NetworkError(Exception):
    """A member that does not fit the rules; `field` names the field concerned."""

    def __init__(self, code: str, field: str | None = None):
        super().__init__(code)
        self.code, self.field = code, field


def members(client: Client) -> list[NetworkMember]:
    """Return the client's network, by sector and closeness, with directory entries loaded."""
    return db.session.scalars(
        select(NetworkMember)
        .options(joinedload(NetworkMember.contact_person).joinedload(ContactPerson.organisation),
                 joinedload(NetworkMember.organisation))
        .where(NetworkMember.client_id == client.id)
        .order_by(NetworkMember.sector, NetworkMember.ring, NetworkMember.id)).unique().all()


def _normalise(data: dict) -> dict:
    """Check the member's kind and keep only the fields that kind uses."""
    clean = {k: (v.strip() or None) if isinstance(v, str) else v for k, v in data.items()}
    kind = clean.get("kind")
    if kind not in MEMBER_KINDS:
        raise NetworkError("kind", "kind")
    if clean.get("sector") not in SECTORS:
        raise NetworkError("sector", "sector")
    if clean.get("ring") not in RINGS:
        raise NetworkError("ring", "ring")
    if kind == "person":
        person = db.session.get(ContactPerson, clean.get("contact_person_id") or 0)
        if person is None:
            raise NetworkError("missing_person", "contact_person_id")
        clean.update(organisation_id=None, name=None, phone=None)
    elif kind == "organisation":
        if db.session.get(Organisation, clean.get("organisation_id") or 0) is None:
            raise NetworkError("missing_organisation", "organisation_id")
        clean.update(contact_person_id=None, name=None, phone=None)
    else:
        if not clean.get("name"):
            raise NetworkError("missing_name", "name")
        clean.update(contact_person_id=None, organisation_id=None)
    clean["involved"] = bool(clean.get("involved"))
    return clean


def add_member(client: Client, data: dict) -> NetworkMember:
    """Add someone to the client's network map."""
    clean = _normalise(data)
    member = NetworkMember(client_id=client.id, **{f: clean.get(f) for f in MEMBER_FIELDS})
    db.session.add(member)
    db.session.flush()
    audit.record(audit.Action.CREATE, object_type="network_member", object_id=member.id,
                 client_id=client.id, detail=f"kind={member.kind} sector={member.sector}")
    return member


def update_member(member: NetworkMember, data: dict, *, version: int) -> None:
    """Change a member; a stale version is refused."""
    check_version(member, version)
    clean = _normalise(data)
    for field in MEMBER_FIELDS:
        setattr(member, field, clean.get(field))
    db.session.flush()
    audit.record(audit.Action.UPDATE, object_type="network_member", object_id=member.id,
                 client_id=member.client_id)


# Where a directory entry sits on the map, by the type of its organisation: public services are
# professionals, associations and parishes are together, and no one from the directory is ever
# put among the client's family or friends.
SECTOR_BY_ORGANISATION_TYPE: dict[str, str] = {
    "sote": "services", "kela": "services", "employment": "services", "municipality": "services",
    "association": "associations", "parish": "associations", "other": "other",
}


def sector_for(organisation: Organisation) -> str:
    """The map sector of an organisation, or of a contact person working there."""
    return SECTOR_BY_ORGANISATION_TYPE.get(organisation.type, "other")


def on_map(client: Client, *, organisation: Organisation | None = None,
           person: ContactPerson | None = None) -> NetworkMember:
    """The client's map entry for a directory organisation or contact person; added when missing.

    A party named for the client (a line of the contact agreement) belongs on the map: it is
    added in the sector its organisation's type says, in the middle ring, involved.
    """
    if person is not None:
        existing = db.session.scalars(select(NetworkMember).where(
            NetworkMember.client_id == client.id, NetworkMember.kind == "person",
            NetworkMember.contact_person_id == person.id).order_by(NetworkMember.id)).first()
        data = dict(kind="person", contact_person_id=person.id,
                    sector=sector_for(person.organisation))
    elif organisation is not None:
        existing = db.session.scalars(select(NetworkMember).where(
            NetworkMember.client_id == client.id, NetworkMember.kind == "organisation",
            NetworkMember.organisation_id == organisation.id).order_by(NetworkMember.id)).first()
        data = dict(kind="organisation", organisation_id=organisation.id,
                    sector=sector_for(organisation))
    else:
        raise TypeError("on_map needs an organisation or a contact person")
    if existing is not None:
        return existing
    return add_member(client, dict(data, ring="middle", involved=True))


def remove_member(member: NetworkMember) -> None:
    """Take someone off the map (the client decides who is on it)."""
    client_id, member_id = member.client_id, member.id
    db.session.delete(member)
    db.session.flush()
    audit.record(audit.Action.DELETE, object_type="network_member", object_id=member_id,
                 client_id=client_id)


# --- the map ------------------------------------------------------------------------------------

SIZE = 760
CENTRE = SIZE / 2
RING_RADII = {"inner": 120, "middle": 220, "outer": 320}  # outer edge of each ring
RING_MIDDLES = {"inner": 85, "middle": 175, "outer": 275}


@dataclass
class Node:
    """A member placed on the map."""

    member: NetworkMember
    x: float
    y: float
    label_x: float
    anchor: str
    name: str
    subtitle: str


@dataclass
class SectorLine:
    """A dividing line and a heading for one sector."""

    sector: str
    x2: float
    y2: float
    label_x: float
    label_y: float


def _point(angle_deg: float, radius: float) -> tuple[float, float]:
    angle = math.radians(angle_deg - 90)  # 0 degrees points up
    return CENTRE + radius * math.cos(angle), CENTRE + radius * math.sin(angle)


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def layout(network: list[NetworkMember]) -> tuple[list[Node], list[SectorLine]]:
    """Place members in their sector slice and ring; return nodes and the sector dividers."""
    span = 360 / len(SECTORS)
    lines = []
    for index, sector in enumerate(SECTORS):
        x2, y2 = _point(index * span, RING_RADII["outer"])
        lx, ly = _point(index * span + span / 2, RING_RADII["outer"] + 22)
        lines.append(SectorLine(sector, round(x2, 1), round(y2, 1), round(lx, 1), round(ly, 1)))
    cells: dict[tuple[str, str], list[NetworkMember]] = {}
    for member in network:
        cells.setdefault((member.sector, member.ring), []).append(member)
    nodes = []
    for (sector, ring), cell in cells.items():
        start = SECTORS.index(sector) * span
        for i, member in enumerate(cell):
            # Spread a crowded cell over two radii so labels do not sit on each other.
            angle = start + span * (i + 1) / (len(cell) + 1)
            radius = RING_MIDDLES[ring] + (12 if i % 2 and len(cell) > 3 else 0)
            x, y = _point(angle, radius)
            right = x >= CENTRE
            nodes.append(Node(member, round(x, 1), round(y, 1), round(x + (9 if right else -9), 1),
                              "start" if right else "end", _short(member.display_name, 26),
                              _short(member.subtitle, 30)))
    return nodes, lines
