"""The directory as a spreadsheet file: its columns, and the export.

The import (csv_import.py) reads back the same columns and undoes the formula protection.
"""
from __future__ import annotations

import csv
import io
import re

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import Organisation

COLUMNS = ("type", "name", "unit", "address", "phone", "email", "website", "opening_hours", "notes",
           "archived", "person_name", "person_title", "person_phone", "person_email",
           "person_liaison", "person_archived")
ORG_FIELDS = ("type", "name", "unit", "address", "phone", "email", "website", "opening_hours", "notes")
DELIMITER = ";"

# A cell that a spreadsheet could read as a formula. Apostrophes in front are counted too, so
# that protecting on export and unprotecting on import give back exactly the stored text.
_FORMULA = re.compile(r"^'*[=+\-@\t\r]")


def protect(value: str) -> str:
    """Put an apostrophe in front of a cell a spreadsheet would run as a formula."""
    return "'" + value if _FORMULA.match(value) else value


def unprotect(value: str) -> str:
    """Take off the apostrophe that `protect` added."""
    return value[1:] if value.startswith("'") and _FORMULA.match(value) else value


def _flag(value: bool) -> str:
    return "yes" if value else "no"


def export_rows() -> list[list[str]]:
    """Return the directory as rows: one per contact person, one per organisation without any."""
    organisations = db.session.scalars(
        select(Organisation).options(selectinload(Organisation.people))
        .order_by(Organisation.name, Organisation.unit, Organisation.id)).all()
    rows = []
    for organisation in organisations:
        org_cells = [getattr(organisation, name) or "" for name in ORG_FIELDS] + [_flag(organisation.archived)]
        people = sorted(organisation.people, key=lambda p: (p.name.lower(), p.id))
        for person in people:
            rows.append(org_cells + [person.name or "", person.title or "", person.phone or "",
                                     person.email or "", _flag(person.is_liaison), _flag(person.archived)])
        if not people:
            rows.append(org_cells + ["", "", "", "", "", ""])
    return [[protect(cell) for cell in row] for row in rows]


def export_csv() -> tuple[bytes, int]:
    """Return the directory as a CSV file Excel opens right (UTF-8 with BOM, `;`), and its row count."""
    rows = export_rows()
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=DELIMITER, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8"), len(rows)
