"""Move an association from the SQLite file to PostgreSQL when it grows:
`flask copy-database postgresql://...`.

The target gets the schema from the project's own migrations, then every table's rows in the
order of their foreign keys, in one transaction: a copy that fails half-way leaves the target as
it was. Tables the database keeps up to date by itself (the client status counters) are left to
its triggers. The copy is checked before it counts: the same number of rows in every table and
the access log's hash chain verified inside the target against the source's anchor.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Integer, func, inspect, select, text
from sqlalchemy.orm import Session

from . import audit
from .config import normalise_database_url
from .extensions import db

# Kept by the target's own triggers from the rows copied into `client`.
DERIVED_TABLES = frozenset({"client_status_count"})
BATCH = 2000


class CopyError(Exception):
    """The copy could not be made or did not check out; the target was left as it was."""


@dataclass
class CopyReport:
    rows: dict[str, int]
    anchor: audit.Anchor


def _migrated_target(app, target_url: str):
    """Bring the target's schema up to date with the project's migrations; its engine.

    The migrations run as `flask db upgrade` does, in a process of their own pointed at the
    target, so this app keeps its own database meanwhile."""
    import os
    import subprocess  # nosec B404 # runs this project's own flask command
    import sys

    from sqlalchemy import create_engine

    from .config import PROJECT_ROOT

    env = dict(os.environ, DATABASE_URL=target_url, INSTANCE_PATH=app.instance_path)
    completed = subprocess.run(  # nosec B603 # our own interpreter and command, no shell
        [sys.executable, "-m", "flask", "--app", "app", "db", "upgrade"], cwd=PROJECT_ROOT,
        env=env, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise CopyError("the migrations failed on the target: "
                        + (completed.stderr.strip().splitlines() or ["?"])[-1])
    return app, create_engine(target_url)


def copy_database(app, target_url: str) -> CopyReport:
    """Copy every row of `app`'s database into the empty database at `target_url`."""
    target_url = normalise_database_url(target_url)
    if not target_url.startswith("postgresql"):
        raise CopyError("the target must be a PostgreSQL database (postgresql://...)")
    source = db.engine
    if target_url == str(source.url.render_as_string(hide_password=False)):
        raise CopyError("the target is the database the app uses now")
    audit.record(audit.Action.EXPORT, object_type="database",
                 detail=f"copy to {_redacted(target_url)}")
    db.session.commit()
    anchor = audit.head()
    db.session.rollback()
    _app, target = _migrated_target(app, target_url)
    tables = [t for t in db.metadata.sorted_tables if t.name not in DERIVED_TABLES]
    with target.connect() as check:
        filled = [t.name for t in tables if t.name in inspect(check).get_table_names()
                  and check.execute(select(func.count()).select_from(t)).scalar()]
    if filled:
        raise CopyError("the target already holds data (" + ", ".join(filled[:5]) + "): "
                        "copy only into an empty database")
    rows: dict[str, int] = {}
    with source.connect() as reading, target.begin() as writing:
        for table in tables:
            count = 0
            order = list(table.primary_key.columns) or list(table.columns)
            result = reading.execution_options(stream_results=True).execute(
                select(table).order_by(*order))
            while True:
                batch = result.fetchmany(BATCH)
                if not batch:
                    break
                writing.execute(table.insert(), [dict(row._mapping) for row in batch])
                count += len(batch)
            rows[table.name] = count
        for table in tables:
            key = list(table.primary_key.columns)
            if len(key) == 1 and isinstance(key[0].type, Integer) and rows[table.name]:
                writing.execute(text(
                    "SELECT setval(pg_get_serial_sequence(:table, :column), "
                    f'(SELECT max("{key[0].name}") FROM "{table.name}"))'),
                    {"table": f'"{table.name}"', "column": key[0].name})
    _check(target, tables, rows, anchor)
    target.dispose()
    return CopyReport(rows=rows, anchor=anchor)


def _check(target, tables, rows: dict[str, int], anchor: audit.Anchor) -> None:
    with target.connect() as connection:
        for table in tables:
            copied = connection.execute(select(func.count()).select_from(table)).scalar()
            if copied != rows[table.name]:
                raise CopyError(f"{table.name}: {copied} rows in the target, "
                                f"{rows[table.name]} in the source")
    with Session(target) as session:
        report = audit.verify_chain(expect=anchor, session=session)
    if not report.ok:
        raise CopyError(f"the access log in the target does not verify ({report.reason})")


def _redacted(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
