"""The service directory (organisations, units, contact persons) and each client's network."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..timeutil import utcnow

ORGANISATION_TYPES = ("sote", "kela", "employment", "municipality", "association", "parish", "other")
SECTORS = ("family", "friends", "services", "associations", "other")
RINGS = ("inner", "middle", "outer")
MEMBER_KINDS = ("person", "organisation", "private")


class Organisation(db.Model):
    """An organisation or one of its units: a sote unit, Kela, an association, a parish…"""

    __tablename__ = "organisation"
    __table_args__ = (Index("ix_organisation_archived_name", "archived", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    type: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str | None] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(String(300))
    phone: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(254))
    website: Mapped[str | None] = mapped_column(String(300))
    opening_hours: Mapped[str | None] = mapped_column(String(300))
    notes: Mapped[str | None] = mapped_column(Text)
    search_text: Mapped[str] = mapped_column(String(420), default="", index=True)
    archived: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    people: Mapped[list[ContactPerson]] = relationship(
        back_populates="organisation", order_by="ContactPerson.name")

    @property
    def label(self) -> str:
        """The name with the unit, as people say it."""
        return f"{self.name}, {self.unit}" if self.unit else self.name

    def refresh_search_text(self) -> None:
        """Keep the lower-case search column in step with the names."""
        self.search_text = " ".join(filter(None, [self.name, self.unit])).lower()


class ContactPerson(db.Model):
    """A named person at an organisation; the liaison of the two-way model is flagged."""

    __tablename__ = "contact_person"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    title: Mapped[str | None] = mapped_column(String(120))
    phone: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(254))
    is_liaison: Mapped[bool] = mapped_column(default=False)
    archived: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    organisation: Mapped[Organisation] = relationship(back_populates="people")


class NetworkMember(db.Model):
    """Someone on the client's network map: a directory person or organisation, or a private person."""

    __tablename__ = "network_member"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(12))
    contact_person_id: Mapped[int | None] = mapped_column(ForeignKey("contact_person.id"))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    name: Mapped[str | None] = mapped_column(String(120))
    relation: Mapped[str | None] = mapped_column(String(120))
    phone: Mapped[str | None] = mapped_column(String(40))
    sector: Mapped[str] = mapped_column(String(20))
    ring: Mapped[str] = mapped_column(String(10), default="middle")
    role_note: Mapped[str | None] = mapped_column(String(300))
    involved: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    contact_person: Mapped[ContactPerson | None] = relationship()
    organisation: Mapped[Organisation | None] = relationship()

    @property
    def display_name(self) -> str:
        """Who this is, as shown on the map."""
        if self.kind == "person" and self.contact_person is not None:
            return self.contact_person.name
        if self.kind == "organisation" and self.organisation is not None:
            return self.organisation.label
        return self.name or ""

    @property
    def subtitle(self) -> str:
        """The role, relation or organisation under the name."""
        if self.kind == "person" and self.contact_person is not None:
            parts = [self.contact_person.title, self.contact_person.organisation.label]
            return ", ".join(p for p in parts if p)
        return self.relation or ""
