"""The access log service: every feature records views and changes through `record`."""
from __future__ import annotations

import enum
import hashlib
import json
import os
import re
from dataclasses import dataclass

from flask import g, has_request_context, request
from flask_login import current_user
from sqlalchemy import func, insert, select, text

from .extensions import db
from .models import AuditArchive, AuditEvent
from .timeutil import utcnow

GENESIS = "0" * 64
# Any constant works: it names the one PostgreSQL advisory lock that orders appends.
_PG_CHAIN_LOCK = 72_2025
_PENDING_VIEWS = "audit_pending_views"


class Action(str, enum.Enum):
    """What happened, as stored in the log."""

    VIEW = "view"
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    PRINT = "print"
    EXPORT = "export"
    DISCLOSURE = "disclosure"
    LOGIN = "login"
    LOGIN_FAILED = "login_failed"
    LOGIN_PENDING = "login_pending"  # password right; the second step (a code) is still due
    LOGOUT = "logout"
    DENIED = "denied"


# The fields of an entry its hash covers, after the previous entry's hash and the time.
_HASHED = ("user_id", "actor", "action", "object_type", "object_id", "client_id", "detail", "ip")


def _digest(prev_hash: str, event: AuditEvent | dict) -> str:
    """Hash an entry (a stored row, or the values of one about to be written) together with the
    hash of the entry before it."""
    if isinstance(event, dict):
        at, values = event["at"], [event[name] for name in _HASHED]
    else:
        at, values = event.at, [getattr(event, name) for name in _HASHED]
    payload = json.dumps([prev_hash, at.isoformat(timespec="microseconds"), *values],
                         ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _current_actor():
    """Return (user id, label) of whoever is acting now."""
    if has_request_context() and current_user and current_user.is_authenticated:
        return current_user.id, f"{current_user.name} <{current_user.email}>"
    return None, "anonymous" if has_request_context() else "system"


def record(
    action: Action | str,
    *,
    object_type: str | None = None,
    object_id: object = None,
    client_id: int | None = None,
    detail: str | None = None,
    user=None,
) -> AuditEvent:
    """Append an entry to the access log in the current transaction."""
    [row] = _chained([dict(action=action, object_type=object_type, object_id=object_id,
                           client_id=client_id, detail=detail)], user)
    event = AuditEvent(**row)
    db.session.add(event)
    db.session.flush()
    return event


def _chained(entries: list[dict], user=None) -> list[dict]:
    """Return the log rows of entries, each chained onto the one before, the first onto the
    log's newest entry (locked on PostgreSQL until the transaction ends).

    An entry's `who` (user id, label) names whoever acted, if not the current user.
    """
    session = db.session
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_CHAIN_LOCK})
    prev = session.execute(
        select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)
    ).scalar_one_or_none() or archive_head().hash
    if user is not None:
        acting = user.id, f"{user.name} <{user.email}>"
    elif all("who" in entry for entry in entries):
        acting = None  # page views name who looked (and the user may be expired by now)
    else:
        acting = _current_actor()
    ip = request.remote_addr if has_request_context() else None
    at = utcnow()  # the entries of one call happen together
    rows = []
    for entry in entries:
        user_id, actor = entry.get("who", acting)
        action, object_id = entry["action"], entry["object_id"]
        row = dict(at=at, user_id=user_id, actor=actor[:300],
                   action=Action(action).value if isinstance(action, Action) else str(action),
                   object_type=entry["object_type"],
                   object_id=None if object_id is None else str(object_id)[:64],
                   client_id=entry["client_id"], detail=entry["detail"], ip=ip, prev_hash=prev)
        prev = row["hash"] = _digest(row["prev_hash"], row)
        rows.append(row)
    return rows


_ANCHOR_RE = re.compile(r"(\d{1,12}):([0-9a-f]{64})")


@dataclass(frozen=True)
class Anchor:
    """The log's head: how many entries there are and the hash of the newest.

    Kept outside the server (printed with each backup, shown on the access log page), it lets a
    later check tell that no entry up to it was removed or changed, which the chain alone cannot
    tell of the newest entries: a cut tail leaves a shorter chain that is still intact.
    """

    count: int
    hash: str

    def __str__(self) -> str:
        return f"{self.count}:{self.hash}"

    @classmethod
    def parse(cls, value: str) -> "Anchor":
        """Read COUNT:HASH (as printed); ValueError when it is not one."""
        match = _ANCHOR_RE.fullmatch((value or "").strip().lower())
        if not match:
            raise ValueError("expected COUNT:HASH, a number of entries and a 64-digit hex hash")
        anchor = cls(int(match.group(1)), match.group(2))
        if anchor.count == 0 and anchor.hash != GENESIS:
            raise ValueError(f"an empty log's hash is {GENESIS}")
        return anchor


@dataclass(frozen=True)
class ArchiveHead:
    """Where the chain stood after the entries archived out of the log (none: the genesis)."""

    total: int = 0
    through_id: int = 0
    hash: str = GENESIS


def archive_head(session=None) -> ArchiveHead:
    """Return the newest archive's head: how many entries left the log, through which id, and
    the chain's hash there (in `session`'s database, the app's own by default)."""
    row = (session if session is not None else db.session).execute(
        select(AuditArchive.total, AuditArchive.through_id, AuditArchive.head_hash)
        .order_by(AuditArchive.id.desc()).limit(1)).first()
    return ArchiveHead(*row) if row else ArchiveHead()


def head() -> Anchor:
    """Return the log's current head, read in one statement (one snapshot); the count includes
    the entries archived out of the log."""
    count = select(func.count(AuditEvent.id)).scalar_subquery()
    newest = select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1).scalar_subquery()
    archived = select(AuditArchive.total).order_by(AuditArchive.id.desc()).limit(1) \
        .scalar_subquery()
    archived_hash = select(AuditArchive.head_hash).order_by(AuditArchive.id.desc()).limit(1) \
        .scalar_subquery()
    number, last, gone, gone_hash = db.session.execute(
        select(count, newest, archived, archived_hash)).one()
    return Anchor(number + (gone or 0), last or gone_hash or GENESIS)


@dataclass
class ChainReport:
    """The result of checking the access log's hash chain (and an anchor, if one was given).

    `reason` is None when all is well; "link" or "content" names the entry `broken_id` that does
    not match; "anchor" says the entry at the anchor's position is not the anchored one;
    "missing" says the log has fewer entries than the anchor counted.
    """

    checked: int
    broken_id: int | None = None
    reason: str | None = None

    @property
    def ok(self) -> bool:
        """Tell whether every entry matched."""
        return self.reason is None


def verify_chain(batch: int = 5000, expect: Anchor | None = None, session=None) -> ChainReport:
    """Walk the whole log in order and report the first entry that does not match.

    With `expect`, the entry at the anchor's position must carry the anchor's hash, and the log
    must reach that far. Entries archived out of the log (`archive`) are counted, and the walk
    starts from the hash the archive recorded; an anchor inside the archived part is checked
    against the archive file instead. `session` reads another copy of the database (a backup)
    instead of the app's own.
    """
    session = session if session is not None else db.session
    start = archive_head(session)
    prev_hash = start.hash
    checked = start.total
    last_id = start.through_id
    if expect is not None and expect.count == 0 and expect.hash != GENESIS:
        return ChainReport(0, None, "anchor")
    if expect is not None and expect.count == start.total and expect.hash != start.hash:
        return ChainReport(checked, None, "anchor")
    while True:
        rows = session.scalars(
            select(AuditEvent).where(AuditEvent.id > last_id).order_by(AuditEvent.id).limit(batch)
            .execution_options(populate_existing=True)  # what is stored now, not what was read
        ).all()
        if not rows:
            if expect is not None and checked < expect.count:
                return ChainReport(checked, None, "missing")
            return ChainReport(checked)
        for event in rows:
            if event.prev_hash != prev_hash:
                return ChainReport(checked, event.id, "link")
            if _digest(prev_hash, event) != event.hash:
                return ChainReport(checked, event.id, "content")
            prev_hash = event.hash
            checked += 1
            last_id = event.id
            if expect is not None and checked == expect.count and event.hash != expect.hash:
                return ChainReport(checked - 1, event.id, "anchor")
        session.expunge_all()


def archive(before, target) -> tuple[int, ArchiveHead]:
    """Move the entries older than `before` (a UTC datetime) out of the log into `target` (a
    new file, one JSON entry a line, hashes included), recording where the chain stood after
    them; return how many and the new archive head. The log must verify first. Commits.

    The database deletes an entry only once an archive row covers it (migration 0022).
    """
    from pathlib import Path

    from sqlalchemy import delete

    from .database import write_transaction

    report = verify_chain()
    if not report.ok:
        raise ValueError(f"the access log does not verify ({report.reason} at entry "
                         f"{report.broken_id}); nothing was archived")
    start = archive_head()
    # The newest entry always stays, so the log's ids keep counting up (SQLite would give a
    # new entry the id of a deleted newest one).
    newest = db.session.scalar(select(func.max(AuditEvent.id))) or 0
    through = db.session.scalar(select(func.max(AuditEvent.id)).where(
        AuditEvent.id > start.through_id, AuditEvent.id < newest, AuditEvent.at < before))
    if through is None:
        return 0, start
    target = Path(target)
    rows = db.session.scalars(select(AuditEvent).where(
        AuditEvent.id > start.through_id, AuditEvent.id <= through).order_by(AuditEvent.id)).all()
    with target.open("x", encoding="utf-8") as file:  # never over an earlier archive
        for event in rows:
            file.write(json.dumps({
                "id": event.id, "at": event.at.isoformat(timespec="microseconds"),
                "user_id": event.user_id, "actor": event.actor, "action": event.action,
                "object_type": event.object_type, "object_id": event.object_id,
                "client_id": event.client_id, "detail": event.detail, "ip": event.ip,
                "prev_hash": event.prev_hash, "hash": event.hash}, ensure_ascii=False) + "\n")
        file.flush()
        os.fsync(file.fileno())
    new = ArchiveHead(total=start.total + len(rows), through_id=through, hash=rows[-1].hash)
    with write_transaction():
        db.session.add(AuditArchive(through_id=new.through_id, head_hash=new.hash,
                                    entries=len(rows), total=new.total,
                                    file_name=str(target)[:300]))
        db.session.flush()
        db.session.execute(delete(AuditEvent).where(AuditEvent.id <= through))
        record(Action.UPDATE, object_type="access_log",
               detail=f"archived {len(rows)} entries through {through} to {target.name}; "
                      f"chain head {new.total}:{new.hash}")
    return len(rows), new


def filtered_events(*, user_id: int | None = None, action: str | None = None,
                    client_id: int | None = None, client_name: str | None = None,
                    date_from=None, date_to=None, text_query: str | None = None):
    """Return a query of the log entries matching the filters, newest first.

    `client_name` matches the client rows of the moment (the log stores no names).
    """
    from datetime import datetime, time, timedelta

    from .models import Client
    from .timeutil import HELSINKI
    from zoneinfo import ZoneInfo

    def pattern(value: str) -> str:
        return f"%{value.replace('%', '').replace('_', '')}%"

    query = select(AuditEvent)
    if user_id:
        query = query.where(AuditEvent.user_id == user_id)
    if action:
        query = query.where(AuditEvent.action == action)
    if client_id:
        query = query.where(AuditEvent.client_id == client_id)
    if client_name:
        query = query.where(AuditEvent.client_id.in_(
            select(Client.id).where(Client.search_text.like(pattern(client_name.lower())))))

    def utc_midnight(day):
        local = datetime.combine(day, time.min, tzinfo=HELSINKI)
        return local.astimezone(ZoneInfo("UTC")).replace(tzinfo=None)

    if date_from:
        query = query.where(AuditEvent.at >= utc_midnight(date_from))
    if date_to:
        query = query.where(AuditEvent.at < utc_midnight(date_to + timedelta(days=1)))
    if text_query:
        query = query.where(
            AuditEvent.actor.ilike(pattern(text_query)) | AuditEvent.detail.ilike(pattern(text_query))
            | AuditEvent.object_type.ilike(pattern(text_query))
        )
    return query.order_by(AuditEvent.id.desc())


def search_events(*, page: int = 1, per_page: int = 50, **filters):
    """Return one page of log entries, newest first, matching the filters (`filtered_events`)."""
    return db.paginate(filtered_events(**filters), page=page, per_page=per_page, error_out=False,
                       max_per_page=200)


def log_view(client_id: int, what: str, object_id: object = None) -> None:
    """Record that the current user looked at part of a client's record (see `_view`)."""
    _view([dict(action=Action.VIEW, object_type=what,
                object_id=object_id if object_id is not None else client_id,
                client_id=client_id, detail=None)])


def log_views(client_ids, what: str) -> None:
    """Record that the current user looked at part of several clients' records (see `_view`)."""
    _view([dict(action=Action.VIEW, object_type=what, object_id=client_id, client_id=client_id,
                detail=None) for client_id in dict.fromkeys(client_ids)])


def _view(entries: list[dict]) -> None:
    """Keep page views until the request's response is built, or write them at once outside one.

    A commit in the middle of a page would expire what the page had loaded; kept in `g`, the
    views are written by `_write_views` in one transaction of their own after the page.
    """
    if not entries:
        return
    if not has_request_context():
        _write(entries)
        return
    who = _current_actor()  # whoever looked, even should the request sign them out
    g.setdefault(_PENDING_VIEWS, []).extend(dict(entry, who=who) for entry in entries)


def _write_views(response):
    """Write the request's page views after its response (after_request), unless it failed.

    What the request left uncommitted is thrown away first, as at its end: a view never
    commits someone else's changes.
    """
    entries = g.pop(_PENDING_VIEWS, None)
    if entries and response.status_code < 500:
        db.session.rollback()
        _write(entries)
    return response


def _forget_views(_exc=None) -> None:
    """Drop the views of a request that ended without a response of its own (teardown)."""
    g.pop(_PENDING_VIEWS, None)


def _write(entries: list[dict]) -> None:
    """Append entries to the log in one write transaction (one statement, in order)."""
    from .database import write_transaction

    with write_transaction():
        # One statement for all (executemany, in order: the chain follows the entries), straight
        # to the table: the ORM's bulk insert would only pass the rows through.
        db.session.connection().execute(insert(AuditEvent.__table__), _chained(entries))


def init_app(app) -> None:
    """Write page views once, at the end of each request."""
    app.after_request(_write_views)
    app.teardown_request(_forget_views)
