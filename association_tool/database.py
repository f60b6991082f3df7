"""Connection settings that keep SQLite safe under several writers."""
import sqlite3
from contextlib import contextmanager

from flask import g, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

_WRITING = "sqlite_write_transaction"
_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Each connection's page cache, in KiB (SQLite's default is 2,000). At 100,000 clients the client
# table, its search index and its names index take about 27 MB; with the default cache, searches
# re-read those pages from the operating system on every request, and cost a third more. The
# cache fills only with pages read (so at most 32 MiB more per worker, which holds one connection
# at a time), and a write by another connection empties it, as before.
PAGE_CACHE_KIB = 32768


@event.listens_for(Engine, "connect")
def _sqlite_on_connect(dbapi_connection, _record):
    """Turn on WAL, foreign keys, full sync, a busy timeout and a larger page cache for every
    SQLite connection."""
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    # Let SQLAlchemy's "begin" event decide how a transaction starts.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.execute(f"PRAGMA cache_size=-{PAGE_CACHE_KIB}")
    cursor.close()


def _reading_only() -> bool:
    """Tell whether this transaction belongs to a page view that only reads."""
    return (has_request_context() and request.method in _READ_METHODS
            and not g.get(_WRITING, False))


@event.listens_for(Engine, "begin")
def _sqlite_begin(conn):
    """Start SQLite write transactions with BEGIN IMMEDIATE so writers queue instead of failing.

    Page views read in a plain (deferred) transaction, so readers never wait for each other;
    what a page view writes (its access-log entry) goes through `write_transaction`.
    """
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN" if _reading_only() else "BEGIN IMMEDIATE")


@contextmanager
def write_transaction():
    """End the current transaction, then run the enclosed writes in one that holds the write lock.

    Use it for the writes of a page view (GET): a read transaction may not safely turn into a
    write transaction on SQLite once another writer has committed after it began.
    """
    from .extensions import db

    db.session.commit()
    in_request = has_request_context()
    previous = g.get(_WRITING, False) if in_request else False
    if in_request:
        g.setdefault(_WRITING, False)
        setattr(g, _WRITING, True)
    try:
        yield
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    finally:
        if in_request:
            setattr(g, _WRITING, previous)


def end_read_transaction() -> None:
    """End the session's transaction before slow work that needs no database, such as making a
    PDF, unless it holds unsaved objects.

    On SQLite a POST's transaction begins IMMEDIATE and holds the write lock until it ends: left
    open during a render, it kept every other writer waiting, and under a stream of prints one
    worker could wait seconds. An open read also keeps the WAL from being checkpointed past it.
    Changes already flushed would be committed with it: save before printing, as the routes do.
    """
    from .extensions import db

    session = db.session()  # the request's session itself (the scoped proxy lacks in_transaction)
    if session.in_transaction() and not (session.new or session.dirty or session.deleted):
        session.commit()


def is_sqlite(engine) -> bool:
    """Tell whether the engine talks to SQLite."""
    return engine.dialect.name == "sqlite"


# Substring search indexes that migrations keep by hand, outside the models: SQLite's FTS5 trigram
# table `client_search` (with its shadow tables) and PostgreSQL's trigram index on client names.
SEARCH_INDEXES = ("client_search", "ix_client_search_trgm")


def managed_by_models(name, type_, parent_names) -> bool:
    """Tell autogenerate which schema objects the models describe (the search indexes are not)."""
    return not (name and name.startswith(SEARCH_INDEXES))
