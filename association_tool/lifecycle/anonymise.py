"""Anonymise a client: every row that is theirs, found from the foreign keys as the export finds
them, changed column by column as `fates.py` declares. What statistics need stays (counts,
months, levels, kinds and outcomes); what leads to the person goes.

The rows are changed with plain UPDATE and DELETE statements: the guards that keep given
consents and approved minutes from being edited belong to the ORM and are meant for people's
edits, not for this.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import String, Text, and_, delete, or_, select, update

from .. import audit
from ..extensions import db
from ..models import Client
from ..timeutil import utcnow
from .fates import AGE_BAND, BLANK, CLIENT_TABLES, COUNT_UP, KEEP, MONTH

# The age a year of birth is moved to, within each band (at the start of the relationship).
_BAND_AGES = ((18, 16), (30, 24), (45, 37), (65, 55), (None, 70))


class AnonymiseError(Exception):
    """The client cannot be anonymised (already done, or not a client)."""


def client_table_names() -> list[str]:
    """Return the tables whose rows belong to a client: those that refer to the client, and
    those that refer to them, found from the foreign keys (in dependency order)."""
    found = {Client.__table__.name}
    grew = True
    while grew:
        grew = False
        for table in db.metadata.sorted_tables:
            if table.name in found:
                continue
            if any(fk.column.table.name in found for fk in table.foreign_keys):
                found.add(table.name)
                grew = True
    return [t.name for t in db.metadata.sorted_tables if t.name in found]


def client_rows(client_id: int) -> dict[str, list[dict]]:
    """Return every row of the client, by table, walking the foreign keys from the client."""
    rows: dict[str, list[dict]] = {}
    found = {Client.__table__.name: [client_id]}
    client = Client.__table__
    rows[client.name] = [dict(r._mapping) for r in db.session.execute(
        select(client).where(client.c.id == client_id))]
    if not rows[client.name]:
        return {}
    pending = True
    while pending:
        pending = False
        for table in db.metadata.sorted_tables:
            if table.name in rows:
                continue
            links = [fk for fk in table.foreign_keys if fk.column.table.name in found]
            if not links:
                continue
            condition = or_(*(fk.parent.in_(found[fk.column.table.name]) for fk in links))
            result = [dict(r._mapping) for r in db.session.execute(
                select(table).where(condition).order_by(*table.primary_key))]
            if result:
                rows[table.name] = result
                keys = list(table.primary_key.columns)
                if len(keys) == 1:
                    found[table.name] = [row[keys[0].name] for row in result]
                pending = True
    return rows


def _month(value):
    if isinstance(value, datetime):
        return datetime(value.year, value.month, 1)
    if isinstance(value, date):
        return value.replace(day=1)
    return value


def _age_band_year(birth_year: int | None, start: date | None) -> int | None:
    if birth_year is None or start is None:
        return birth_year
    age = start.year - birth_year
    for below, moved_to in _BAND_AGES:
        if below is None or age < below:
            return start.year - moved_to
    return birth_year  # not reached


def _blank(column):
    if column.nullable:
        return None
    if isinstance(column.type, (String, Text)):
        return ""
    raise TypeError(f"{column.table.name}.{column.name} cannot be emptied")


def new_values(table_name: str, row: dict) -> dict:
    """Return the row as it reads once anonymised (every column, as its fate says)."""
    table = db.metadata.tables[table_name]
    fates = CLIENT_TABLES[table_name].fates()
    values = {}
    for column in table.c:
        fate = fates[column.name]  # KeyError: a column without a fate is never guessed at
        value = row[column.name]
        if fate == KEEP:
            values[column.name] = value
        elif fate == MONTH:
            values[column.name] = _month(value)
        elif fate == BLANK:
            values[column.name] = _blank(column)
        elif fate == AGE_BAND:
            values[column.name] = _age_band_year(value, row.get("start_date"))
        elif fate == COUNT_UP:
            values[column.name] = (value or 0) + 1
        else:
            raise ValueError(f"unknown fate {fate} of {table_name}.{column.name}")
    return values


def _missing_fates() -> list[str]:
    """Return "table.column" for each column of the client's tables without a declared fate."""
    missing = []
    for name in client_table_names():
        declared = CLIENT_TABLES.get(name)
        table = db.metadata.tables[name]
        if declared is None:
            missing.append(f"{name} (the whole table)")
            continue
        fates = declared.fates()
        missing += [f"{name}.{c.name}" for c in table.c if c.name not in fates]
    return missing


def anonymise_client(client_id: int, *, reason: str) -> dict[str, int]:
    """Anonymise one client's rows in the current transaction; return rows changed per table.

    Logged as an update of the client with the reason (never a name). Flushes; the caller
    commits.
    """
    missing = _missing_fates()
    if missing:  # never anonymise half: the test names these too
        raise AnonymiseError("no fate declared for " + ", ".join(missing))
    db.session.flush()
    client = db.session.get(Client, client_id)
    if client is None:
        raise AnonymiseError(f"no client {client_id}")
    if client.anonymised_at is not None:
        raise AnonymiseError(f"client {client_id} is already anonymised")
    connection = db.session.connection()
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:  # what is deleted is overwritten in the file too, not left in free pages
        connection.exec_driver_sql("PRAGMA secure_delete=ON")
    rows = client_rows(client_id)
    changed: dict[str, int] = {}
    for name, table_rows in rows.items():
        table = db.metadata.tables[name]
        keys = list(table.primary_key.columns)
        for row in table_rows:
            values = new_values(name, row)
            if name == Client.__table__.name:
                values["anonymised_at"] = utcnow()
            values = {k: v for k, v in values.items() if v != row[k] or k == "updated_at"}
            if values:
                db.session.execute(
                    update(table).where(and_(*(k == row[k.name] for k in keys))).values(values))
        changed[name] = len(table_rows)
    # Rows removed outright (a private person on the network map); the links to them that
    # remain are SET NULL by the database.
    for name, table_rows in rows.items():
        declared = CLIENT_TABLES[name]
        if not (declared.delete_all or declared.delete_where):
            continue
        table = db.metadata.tables[name]
        keys = list(table.primary_key.columns)
        doomed = [row for row in table_rows if declared.delete_all
                  or row[declared.delete_where[0]] in declared.delete_where[1]]
        for row in doomed:
            db.session.execute(delete(table).where(and_(*(k == row[k.name] for k in keys))))
        if doomed:
            changed[f"{name} deleted"] = len(doomed)
    if sqlite:
        # The name search index (FTS5) keeps deleted terms until its segments are merged.
        connection.exec_driver_sql(
            "INSERT INTO client_search(client_search) VALUES ('optimize')")
    audit.record(audit.Action.UPDATE, object_type="anonymise", object_id=client_id,
                 client_id=client_id, detail=f"anonymised: {reason}"[:500])
    db.session.expire_all()
    return changed
