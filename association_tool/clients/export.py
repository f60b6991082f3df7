"""A client's own data as one document, for a request to see one's data (GDPR, article 15)."""
from __future__ import annotations

import enum
from datetime import date, datetime, time

from sqlalchemy import or_, select

from ..extensions import db
from ..models import AuditEvent, Client, User
from ..timeutil import HELSINKI


def _plain(value):
    if isinstance(value, (date, datetime, time)):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    return value


def _rows(table, condition) -> list[dict]:
    result = db.session.execute(select(table).where(condition).order_by(*table.primary_key))
    return [{key: _plain(value) for key, value in row._mapping.items()} for row in result]


def client_data(client: Client) -> dict:
    """Every row that is the client's: the client's own, then the rows of every table that
    refers to those (goals, their progress and reviews, contacts, consents, the agreement and
    its lines, the network, meetings with their participants and actions, errands, tasks,
    endings, pairings), found from the foreign keys so that a table added later is included
    too. Shared records they refer to (the directory's organisations, the users) are not the
    client's; the users' names are listed so that the ids can be read. The access log's entries
    about the client close the document: who viewed, changed, printed or shared what, and when.
    """
    tables = {}
    found = {Client.__table__.name: [client.id]}
    tables[Client.__table__.name] = _rows(Client.__table__, Client.id == client.id)
    pending = True
    while pending:
        pending = False
        for table in db.metadata.sorted_tables:
            if table.name in tables:
                continue
            links = [fk for fk in table.foreign_keys if fk.column.table.name in found]
            if not links:
                continue
            condition = or_(*(fk.parent.in_(found[fk.column.table.name]) for fk in links))
            rows = _rows(table, condition)
            if rows:
                tables[table.name] = rows
                keys = list(table.primary_key.columns)
                if len(keys) == 1:  # rows that other tables may refer to
                    found[table.name] = [row[keys[0].name] for row in rows]
                pending = True
    user_ids = {row[fk.parent.name] for name, rows in tables.items()
                for fk in db.metadata.tables[name].foreign_keys if fk.column.table is User.__table__
                for row in rows if row.get(fk.parent.name) is not None}
    # The log's own chaining and the workers' addresses are not the client's data.
    access_log = [{k: v for k, v in row.items() if k not in ("prev_hash", "hash", "ip", "actor")}
                  for row in _rows(AuditEvent.__table__, AuditEvent.client_id == client.id)]
    user_ids |= {row["user_id"] for row in access_log if row.get("user_id")}
    users = (db.session.execute(select(User.id, User.name, User.role).where(User.id.in_(user_ids))
                                .order_by(User.id)).all() if user_ids else [])
    return {"client_id": client.id,
            "exported_at": datetime.now(HELSINKI).isoformat(timespec="seconds"),
            "records": tables,
            "users": [{"id": u.id, "name": u.name, "role": u.role} for u in users],
            "access_log": access_log}
