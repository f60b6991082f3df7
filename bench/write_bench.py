"""Measure two write-side bottlenecks under concurrency, each against a bare baseline in the same
run: the access log's hash chain and the client status counters.

    .venv/bin/python -m bench.write_bench                     # SQLite and PostgreSQL, 5 s each
    .venv/bin/python -m bench.write_bench --db sqlite --duration 2 --rounds 1
    .venv/bin/python -m bench.write_bench --db both > bench/results/<date>-writes.md

1. The access log. Every page view appends its entries through `audit._write`, in one write
   transaction; on PostgreSQL `_chained` takes an advisory lock, reads the newest entry's hash and
   chains the new rows onto it, so appends run one at a time until their commit; on SQLite
   `write_transaction` begins IMMEDIATE, which serialises all writers anyway. A page view here is
   one `audit._write` call as the app makes it after a page: 1 entry (a section page) or 100 (the
   home page of a worker with a large caseload). The bare baseline writes the same rows into the
   same `audit_event` table, in the same kind of write transaction, with the same concurrency,
   but with no lock, no read of the newest hash and no hashing (fixed hashes). Its rows would
   break the chain for good (the log is append-only), so it writes into a copy of the migrated
   database made before the run (a second SQLite file; on PostgreSQL a database created from the
   first as its template): same table, same indexes and triggers. That lets the chain and the
   baseline alternate, in rounds, on the same machine; `audit.verify_chain()` checks the chain at
   the end of all rounds.

2. The client status counters (migration 0010): triggers keep one row per status in
   `client_status_count` on every client insert and status change. PostgreSQL only: on SQLite
   every writer already waits for the one write lock, so a counter row cannot add contention.
   New clients, and status changes (a random one of 10,000 clients, active <-> paused), one per
   transaction, are measured with the triggers and with them disabled (`ALTER TABLE client
   DISABLE TRIGGER`, in the scratch database only), in pairs. Turning the triggers back on
   recomputes the counters from the table, so each measurement with triggers starts from exact
   counters; after it they must equal `SELECT status, count(*) FROM client GROUP BY status`.

Concurrency: N connections are N threads spread over as many forked processes as scripts/serve.py
starts gunicorn workers (one per core, at least 2), each thread in its own app context, so with
its own session and pooled connection (the pool is sized for N), looping over its writes with no
pause. That is how the app itself runs: gunicorn workers with threads. One process per connection
would put 32 interpreters and their scheduling on 2 cores beside the database, which is not how
the app runs; one process would put the Python side of all connections (rows, hashes, SQLAlchemy)
under one interpreter lock. `--processes` chooses another layout (`--processes 32`: one process
per connection, `--processes 1`: threads only). In one trial run of each layout on this machine
(3 s per measurement, one round), one process per connection gave the lowest PostgreSQL figures
(chained one-entry views, 8 connections: 158 a second against 322 with 2 processes and 237 with
1) and threads only were mostly in between; single runs vary by up to a factor of two on SQLite,
which is why every figure is the median of several rounds, with their spread.

PostgreSQL: scratch databases (default postgresql://postgres@127.0.0.1:5432/bench_write and its
copies, names containing 'bench'), dropped and created, migrated, and dropped at the end. SQLite:
files in a temporary folder, with the app's own connection settings (WAL, synchronous=FULL, a
15 s busy timeout).
"""
from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import queue
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/bench_write"
SECRET_KEY = "bench-secret-key-not-for-production"
WHO = (None, "Bench Ohjaaja <bench@bench.example.org>")  # the `who` of a page view's entries
BARE_HASH = "b" * 64  # the baseline's fixed prev_hash and hash
COUNTER_TRIGGERS = ("client_count_insert_delete", "client_count_update")
SEED_CLIENTS = 10_000  # clients whose status the status changes switch


# --- measuring ----------------------------------------------------------------------------------

def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100) of values, nearest rank."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(q / 100 * len(ordered) + 0.5)) - 1))]


def busy_ticks() -> int:
    """CPU time used by the whole machine (not idle, not waiting for I/O), in clock ticks."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return sum(fields) - fields[3] - fields[4]


TICK = os.sysconf("SC_CLK_TCK")


@dataclass
class Measurement:
    """One run of one workload: how many operations, how fast, how busy the machine was."""

    database: str
    workload: str  # "chain" / "bare" (access log); "create" / "status" (counters)
    connections: int
    entries: int = 1  # entries per page view (access log)
    triggers: bool = True  # counters only
    ops: int = 0  # all operations done (each stored what it wrote)
    in_window: int = 0  # those that ended within the measured seconds: the throughput
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list, repr=False)
    cores: float = 0.0  # the machine's busy cores meanwhile (ours, the database's and others')
    drifted: bool | None = None  # counters without triggers: did they fall behind the table?
    load_before: float | None = None  # the machine's busy cores in the quiet second before

    @property
    def per_second(self) -> float:
        return self.in_window / self.seconds if self.seconds else 0.0

    @property
    def rows(self) -> int:
        return self.ops * self.entries


def default_processes() -> int:
    """As many processes as scripts/serve.py starts gunicorn workers: one per core, 2 to 4."""
    return max(2, min(4, os.cpu_count() or 1))


def run_concurrently(connections: int, duration: float, processes: int, setup, operation,
                     teardown=None, finish=None) -> dict:
    """Run `operation(state)` in a loop on `connections` threads spread over `processes` forked
    processes, for `duration` seconds; return the operations done (`ops`), those that ended
    within `duration` (`in_window`), `seconds`, every operation's latency and the machine's busy
    cores meanwhile.

    Each thread calls `setup()` (opening its connection) before the common start and
    `teardown(state)` after; each process calls `finish()` when its threads are done. A thread
    does at least one operation and starts none after the deadline; one still running then is
    finished and stored (its latency counted) but not counted in the throughput.
    """
    ctx = multiprocessing.get_context("fork")
    ready = ctx.Barrier(connections + 1)
    go = ctx.Event()
    start_at = ctx.Value("d", 0.0)
    results = ctx.Queue()

    def work(index: int) -> None:
        try:
            state = setup()
            latencies = []
            ready.wait(timeout=120)
            go.wait(timeout=120)
            stop = start_at.value + duration
            in_window = 0
            while True:  # at least one operation, even for a thread that woke after the stop
                began = time.monotonic()
                operation(state)
                ended = time.monotonic()
                latencies.append(ended - began)
                in_window += ended <= stop
                if ended >= stop:
                    break
            if teardown:
                teardown(state)
            results.put((index, latencies, in_window, None))
        except BaseException as error:  # noqa: BLE001 - reported to the parent, which fails
            ready.abort()  # nobody waits for a thread that will never be ready
            results.put((index, [], 0, f"{type(error).__name__}: {error}"))

    def process(indexes: list[int]) -> None:
        threads = [threading.Thread(target=work, args=(i,)) for i in indexes]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if finish:
            finish()

    processes = max(1, min(processes, connections))
    workers = [ctx.Process(target=process, args=(list(range(connections))[p::processes],),
                           daemon=True) for p in range(processes)]
    for worker in workers:
        worker.start()
    try:
        ready.wait(timeout=120)
    except threading.BrokenBarrierError:
        pass  # a thread failed before it was ready: its error is in the queue
    ticks = busy_ticks()
    start_at.value = time.monotonic()
    go.set()
    collected, errors = [], []
    for _ in range(connections):
        try:
            index, latencies, in_window, error = results.get(timeout=duration + 120)
        except queue.Empty:
            errors.append("a connection did not answer")
            break
        if error:
            errors.append(f"connection {index}: {error}")
        collected.append((latencies, in_window))
    cores = (busy_ticks() - ticks) / TICK / (time.monotonic() - start_at.value)
    for worker in workers:
        worker.join(timeout=30)
    if errors:
        raise RuntimeError("; ".join(errors))
    return {"ops": sum(len(found) for found, _ in collected),
            "in_window": sum(n for _, n in collected), "seconds": duration,
            "latencies": [value for found, _ in collected for value in found],
            "cores": round(cores, 2)}


# --- scratch databases and the app --------------------------------------------------------------

def _admin_engine(url: str):
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    from association_tool.config import normalise_database_url

    return create_engine(make_url(normalise_database_url(url)).set(database="postgres"),
                         isolation_level="AUTOCOMMIT")


def _with_suffix(url: str, suffix: str) -> str:
    from sqlalchemy.engine import make_url

    target = make_url(url)
    return target.set(database=f"{target.database}_{suffix}").render_as_string(
        hide_password=False)


def scratch_databases(backend: str, workdir: Path, pg_url: str) -> dict[str, str]:
    """Create and migrate the scratch database, then copy it: {"chain": url, "bare": url} and on
    PostgreSQL also "counters". Every database starts as the same migrated, empty schema."""
    from . import run

    if backend == "sqlite":
        chain = workdir / "writes-chain.db"
        run.migrate(run.app_env(f"sqlite:///{chain}", workdir))
        shutil.copy(chain, workdir / "writes-bare.db")
        return {"chain": f"sqlite:///{chain}", "bare": f"sqlite:///{workdir / 'writes-bare.db'}"}
    urls = {"chain": pg_url, "bare": _with_suffix(pg_url, "bare"),
            "counters": _with_suffix(pg_url, "counters")}
    for url in urls.values():
        run.prepare_postgresql(url, create=False)  # refuses a name without 'bench'
    run.prepare_postgresql(pg_url)
    run.migrate(run.app_env(pg_url, workdir))
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    engine = _admin_engine(pg_url)
    with engine.connect() as conn:
        for kind in ("bare", "counters"):
            conn.execute(text(f'CREATE DATABASE "{make_url(urls[kind]).database}" '
                              f'TEMPLATE "{make_url(pg_url).database}"'))
    engine.dispose()
    return urls


def drop_databases(backend: str, urls: dict[str, str]) -> None:
    from . import run

    for url in urls.values():
        run.remove_database(backend, url)


@contextmanager
def _environment(**values):
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def build_app(database_url: str, instance: Path, connections: int = 32):
    """The app on `database_url`, built as bench/profile.py builds it (the environment is put
    back afterwards), with a connection pool that holds `connections` at once."""
    with _environment(SECRET_KEY=os.environ.get("SECRET_KEY", SECRET_KEY),
                      INSTANCE_PATH=str(instance), DATABASE_URL=database_url):
        from association_tool import create_app
        from association_tool.config import Config

        config = Config()
        config.SQLALCHEMY_ENGINE_OPTIONS = dict(config.SQLALCHEMY_ENGINE_OPTIONS,
                                                pool_size=connections + 2, max_overflow=4)
        return create_app(config)


# --- 1. the access log --------------------------------------------------------------------------

def page_view(entries: int, rng: random.Random) -> list[dict]:
    """The entries of one page view as the routes hand them to `audit._write`: with 1, a section
    page (`log_view`); with more, the home page's tasks and goals of as many clients
    (`log_views`), each naming who looked."""
    from association_tool.audit import Action

    first = rng.randint(1, 100_000)
    kinds = ("goals",) if entries == 1 else ("tasks", "goals")
    return [dict(action=Action.VIEW, object_type=kinds[i % len(kinds)], object_id=first + i,
                 client_id=first + i, detail=None, who=WHO) for i in range(entries)]


def chain_write(entries: list[dict]) -> None:
    """Append a page view's entries the way the app does after a page."""
    from association_tool import audit

    audit._write(entries)  # pylint: disable=protected-access


def bare_write(entries: list[dict]) -> None:
    """The same rows into the same table in the same kind of transaction, without the chain:
    no lock, no read of the newest hash, no hashing."""
    from sqlalchemy import insert

    from association_tool.database import write_transaction
    from association_tool.extensions import db
    from association_tool.models import AuditEvent
    from association_tool.timeutil import utcnow

    rows = [dict(at=utcnow(), user_id=entry["who"][0], actor=entry["who"][1][:300],
                 action=entry["action"].value, object_type=entry["object_type"],
                 object_id=str(entry["object_id"]), client_id=entry["client_id"],
                 detail=entry["detail"], ip=None, prev_hash=BARE_HASH, hash=BARE_HASH)
            for entry in entries]
    with write_transaction():
        db.session.execute(insert(AuditEvent), rows)


WRITES = {"chain": chain_write, "bare": bare_write}


def warm_up(app, workload: str) -> None:
    """A page view of each size in this process before the workers are forked, so that they
    inherit compiled statements (and the first measurement pays no first-time cost)."""
    from association_tool.extensions import db

    with app.app_context():
        rng = random.Random(0)
        for entries in (1, 100):
            WRITES[workload](page_view(entries, rng))
        db.session.remove()
        db.engine.dispose()


def measure_audit(app, backend: str, workload: str, connections: int, entries: int,
                  duration: float, processes: int = 2) -> Measurement:
    """Page views of `entries` entries on `connections` connections for `duration` seconds,
    chained (`workload` "chain") or bare ("bare")."""
    from association_tool.extensions import db

    write = WRITES[workload]
    with app.app_context():
        db.engine.dispose()  # no connection of this process crosses the fork

    def setup():
        context = app.app_context()
        context.push()
        db.session.execute(db.text("SELECT 1"))  # the connection's own, open
        db.session.commit()
        return context, random.Random()

    def operation(state):
        write(page_view(entries, state[1]))

    def teardown(state):
        db.session.remove()
        state[0].pop()

    def finish():
        with app.app_context():
            db.engine.dispose()  # close this process's connections before it exits

    return Measurement(backend, workload, connections, entries, **run_concurrently(
        connections, duration, processes, setup, operation, teardown, finish))


def audit_rows(app) -> int:
    """How many entries the log holds."""
    from sqlalchemy import func, select

    from association_tool.extensions import db
    from association_tool.models import AuditEvent

    with app.app_context():
        count = db.session.scalar(select(func.count(AuditEvent.id)))
        db.session.remove()
        db.engine.dispose()
        return count


def verify(app):
    """Check the whole chain; return the report (and leave no connection open)."""
    from association_tool import audit
    from association_tool.extensions import db

    with app.app_context():
        report = audit.verify_chain()
        db.session.remove()
        db.engine.dispose()
        return report


def bench_audit(backend: str, urls: dict[str, str], instance: Path, *,
                connections: tuple[int, ...], sizes: tuple[int, ...], duration: float,
                processes: int, rounds: int, log, quiet_wait: float = 10.0) -> dict:
    """The chain and the bare baseline at each concurrency and size, alternating, in rounds; the
    chain checked at the end. Every measurement's rows are counted in the database."""
    apps = {kind: build_app(urls[kind], instance, max(connections)) for kind in ("chain", "bare")}
    for kind, app in apps.items():
        warm_up(app, kind)
    found: dict[tuple, list[Measurement]] = {}
    for number in range(rounds):
        # The order turns every round, so that neither side always runs first.
        order = ("chain", "bare") if number % 2 == 0 else ("bare", "chain")
        for n in connections:
            for entries in sizes:
                for kind in order:
                    before = audit_rows(apps[kind])
                    load = quiet_sample(quiet_wait)
                    result = measure_audit(apps[kind], backend, kind, n, entries, duration,
                                           processes)
                    result.load_before = load
                    stored = audit_rows(apps[kind]) - before
                    if stored != result.rows:
                        raise RuntimeError(f"{backend} {kind}: {result.rows} entries reported, "
                                           f"{stored} stored")
                    found.setdefault((n, entries, kind), []).append(result)
                    log(f"round {number + 1}: {backend} {kind} {n} connections x {entries}: "
                        f"{result.per_second:.0f} views/s (machine before: {load} cores)")
    started = time.perf_counter()
    report = verify(apps["chain"])
    return {"found": found, "report": report, "check_seconds": time.perf_counter() - started,
            "chain_rows": sum(m.rows for (_, _, kind), ms in found.items() if kind == "chain"
                              for m in ms)}


# --- 2. the client status counters (PostgreSQL) -------------------------------------------------

def _engine(url: str):
    from sqlalchemy import create_engine

    from association_tool.config import normalise_database_url

    return create_engine(normalise_database_url(url), pool_size=1, max_overflow=0)


def seed_clients(url: str, count: int = SEED_CLIENTS) -> list[int]:
    """Insert `count` clients, active or paused (the counters follow by trigger); their ids."""
    from sqlalchemy import insert, select

    from association_tool.models import Client

    rng = random.Random(7)
    today = date.today()
    engine = _engine(url)
    with engine.begin() as conn:
        conn.execute(insert(Client.__table__), [
            {"display_name": f"Penkki {i}", "search_text": f"penkki {i}",
             "status": rng.choice(("active",) * 8 + ("paused",) * 2), "start_date": today}
            for i in range(count)])
        ids = list(conn.execute(select(Client.id)).scalars())
    engine.dispose()
    return ids


def counters(url: str) -> tuple[dict, dict]:
    """(the counters the triggers keep, the true counts)."""
    from sqlalchemy import text

    engine = _engine(url)
    with engine.connect() as conn:
        kept = dict(conn.execute(text("SELECT status, clients FROM client_status_count "
                                      "WHERE clients != 0")).all())
        true = dict(conn.execute(text("SELECT status, count(*) FROM client GROUP BY status")).all())
    engine.dispose()
    return kept, true


def set_counter_triggers(url: str, enabled: bool) -> None:
    """Turn the counter triggers on or off (scratch database only); turning them on recomputes
    the counters from the table, so that the next measurement starts from exact ones."""
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    if "bench" not in (make_url(url).database or ""):
        raise RuntimeError("the counter triggers are switched only in a database named *bench*")
    engine = _engine(url)
    with engine.begin() as conn:
        for trigger in COUNTER_TRIGGERS:
            conn.execute(text(f"ALTER TABLE client {'ENABLE' if enabled else 'DISABLE'} "
                              f"TRIGGER {trigger}"))
        if enabled:
            conn.execute(text("DELETE FROM client_status_count"))
            conn.execute(text("INSERT INTO client_status_count (status, clients) "
                              "SELECT status, count(*) FROM client GROUP BY status"))
    engine.dispose()


def measure_clients(url: str, workload: str, connections: int, duration: float, ids: list[int],
                    triggers: bool, processes: int = 2) -> Measurement:
    """New clients ("create") or status changes of random existing clients ("status"), one per
    transaction, on `connections` connections."""
    from sqlalchemy import insert, text

    from association_tool.models import Client
    from association_tool.timeutil import utcnow

    new_client = insert(Client.__table__)
    switch = text("UPDATE client SET status = CASE status WHEN 'active' THEN 'paused' "
                  "ELSE 'active' END, version = version + 1, updated_at = :now WHERE id = :id")
    today = date.today()

    def setup():
        engine = _engine(url)
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return engine, random.Random()

    def operation(state):
        engine, rng = state
        with engine.begin() as conn:
            if workload == "create":
                number = rng.randrange(10**6)
                conn.execute(new_client, {"display_name": f"Uusi {number}",
                                          "search_text": f"uusi {number}", "status": "active",
                                          "start_date": today})
            else:
                conn.execute(switch, {"now": utcnow(), "id": rng.choice(ids)})

    def teardown(state):
        state[0].dispose()

    return Measurement("postgresql", workload, connections, triggers=triggers,
                       **run_concurrently(connections, duration, processes, setup, operation,
                                          teardown))


def bench_counters(url: str, *, connections: tuple[int, ...], duration: float, processes: int,
                   rounds: int, log, quiet_wait: float = 10.0) -> dict:
    """Each workload with and without the counter triggers, in pairs, in rounds; the counters
    are checked after every measurement with triggers."""
    ids = seed_clients(url)
    found: dict[tuple, list[Measurement]] = {}
    checks = []
    try:
        for number in range(rounds):
            order = (True, False) if number % 2 == 0 else (False, True)
            for n in connections:
                for workload in ("create", "status"):
                    for triggers in order:
                        set_counter_triggers(url, triggers)
                        load = quiet_sample(quiet_wait)
                        result = measure_clients(url, workload, n, duration, ids, triggers,
                                                 processes)
                        result.load_before = load
                        kept, true = counters(url)
                        if triggers:
                            checks.append((f"{workload}, {n} connections, round {number + 1}",
                                           kept == true, kept, true))
                        else:  # the triggers really were off: new clients leave them behind
                            result.drifted = kept != true
                        found.setdefault((workload, n, triggers), []).append(result)
                        log(f"round {number + 1}: counters {workload} {n} connections, triggers "
                            f"{'on' if triggers else 'off'}: {result.per_second:.0f}/s (machine "
                            f"before: {load} cores)")
    finally:
        set_counter_triggers(url, True)
    return {"found": found, "checks": checks}


# --- the report ---------------------------------------------------------------------------------

def quiet_sample(limit: float) -> float | None:
    """Wait (at most `limit` s) for a quiet second; return the cores busy in the last one (None
    with no limit: no wait, no sample)."""
    from .run import wait_quiet

    return wait_quiet(limit) if limit > 0 else None


BUSY = 0.3  # cores busy in the second before a measurement that make its figures unsure


def _rate(ms: list[Measurement], scale: int = 1) -> str:
    """The median rate over the rounds, with the lowest and highest when there are several; †
    when the machine was busy with other work before one of them."""
    rates = [m.per_second * scale for m in ms]
    text = f"{statistics.median(rates):,.0f}"
    busy = any((m.load_before or 0) > BUSY for m in ms)
    return text + (f" ({min(rates):,.0f}–{max(rates):,.0f})" if len(rates) > 1 else "") + \
        (" †" if busy else "")


def _ms(ms: list[Measurement], q: float) -> str:
    return f"{percentile([v for m in ms for v in m.latencies], q) * 1000:.1f}"


def _ratio(ons: list[Measurement], offs: list[Measurement]) -> float:
    """The median over the rounds of one side's rate over the other's, measured side by side."""
    return statistics.median(a.per_second / max(b.per_second, 1e-9) for a, b in zip(ons, offs))


def _cores(ms: list[Measurement]) -> str:
    return f"{statistics.median(m.cores for m in ms):.2f}"


def render_audit(backend: str, result: dict, connections, sizes) -> list[str]:
    found = result["found"]
    lines = [f"### {'SQLite' if backend == 'sqlite' else 'PostgreSQL'}", "",
             "| connections | entries / view | chain: views/s | entries/s | p50 ms | p95 ms "
             "| busy cores | bare: views/s | entries/s | p50 ms | p95 ms | busy cores "
             "| chain / bare |",
             "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: "
             "| ---: |"]
    for n in connections:
        for entries in sizes:
            chain, bare = found[(n, entries, "chain")], found[(n, entries, "bare")]
            cells = [f"{_rate(side)} | {_rate(side, entries)} | {_ms(side, 50)} | "
                     f"{_ms(side, 95)} | {_cores(side)}" for side in (chain, bare)]
            lines.append(f"| {n} | {entries} | {cells[0]} | {cells[1]} | "
                         f"{_ratio(chain, bare):.2f} |")
    report = result["report"]
    lines += ["", f"- `audit.verify_chain()` at the end: **{'intact' if report.ok else 'BROKEN'}**"
                  f", {report.checked:,} entries checked, {result['chain_rows']:,} of them "
                  f"written by the concurrent measurements (every measurement's rows counted in "
                  f"the table: as many as reported), in {result['check_seconds']:.1f} s"
                  + ("" if report.ok else f" — {report.reason} at entry {report.broken_id}") + ".",
              ""]
    return lines


def render_counters(result: dict, connections) -> list[str]:
    found = result["found"]
    lines = ["| operation | connections | triggers on: clients/s | p50 ms | p95 ms | busy cores "
             "| triggers off: clients/s | p50 ms | p95 ms | busy cores | on / off |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for workload in ("create", "status"):
        for n in connections:
            on, off = found[(workload, n, True)], found[(workload, n, False)]
            cells = [f"{_rate(side)} | {_ms(side, 50)} | {_ms(side, 95)} | {_cores(side)}"
                     for side in (on, off)]
            lines.append(f"| {'create a client' if workload == 'create' else 'change a status'} "
                         f"| {n} | {cells[0]} | {cells[1]} | {_ratio(on, off):.2f} |")
    checks = result["checks"]
    exact = [name for name, ok, _, _ in checks if ok]
    lines += ["", f"- `client_status_count` against `SELECT status, count(*) FROM client GROUP BY "
                  f"status` after each measurement with triggers (recomputed before it): "
                  f"**exact in {len(exact)} of {len(checks)}**."]
    lines += [f"  - WRONG after {name}: kept {kept}, true {true}"
              for name, ok, kept, true in checks if not ok]
    offs = [m for (workload, _, on), ms in found.items() if workload == "create" and not on
            for m in ms]
    lines += [f"- Without triggers the counters fell behind the new clients, as they should "
              f"(so the triggers really were off): "
              f"{'yes' if all(m.drifted for m in offs) else 'NO'}.", ""]
    return lines


def machine(pg_url: str | None) -> str:
    mem_kb = next((line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal")), "0")
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text()
                .splitlines() if line.startswith("model name")), platform.machine())
    parts = [f"{len(os.sched_getaffinity(0))} CPUs ({cpu})", f"{int(mem_kb) / 1024 ** 2:.1f} GiB",
             f"{platform.system()} {platform.release()}", f"Python {platform.python_version()}",
             f"SQLite {sqlite3.sqlite_version}"]
    if pg_url:
        from sqlalchemy import text

        engine = _admin_engine(pg_url)
        with engine.connect() as conn:
            parts.append(f"PostgreSQL {conn.execute(text('SHOW server_version')).scalar_one()} "
                         f"(synchronous_commit "
                         f"{conn.execute(text('SHOW synchronous_commit')).scalar_one()})")
        engine.dispose()
    return ", ".join(parts)


# --- main ---------------------------------------------------------------------------------------

def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m bench.write_bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--duration", type=float, default=5.0,
                        help="seconds per measurement (default 5)")
    parser.add_argument("--rounds", type=int, default=3,
                        help="rounds of every measurement, side by side (default 3)")
    parser.add_argument("--connections", default="8,32",
                        help="concurrent connections to measure, comma-separated (default 8,32)")
    parser.add_argument("--entries", default="1,100",
                        help="access-log entries per page view, comma-separated (default 1,100)")
    parser.add_argument("--processes", type=int, default=default_processes(),
                        help="processes the connections are spread over, as threads (default: "
                             "as many as scripts/serve.py starts gunicorn workers, here "
                             f"{default_processes()})")
    parser.add_argument("--quiet-wait", type=float, default=10.0,
                        help="before each round wait up to this many seconds for the machine to "
                             "be quiet (0: do not wait)")
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_WRITE_DATABASE_URL",
                                                           DEFAULT_PG_URL),
                        help="PostgreSQL scratch database, dropped and created with copies "
                             "named <name>_bare and <name>_counters (must contain 'bench')")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    from . import run

    connections = tuple(int(v) for v in args.connections.split(","))
    sizes = tuple(int(v) for v in args.entries.split(","))
    backends = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    skipped = ""
    if "postgresql" in backends and not run.pg_answers(args.pg_url):
        backends.remove("postgresql")
        skipped = f"PostgreSQL does not answer at {args.pg_url}: not measured."
        print(f"write_bench: {skipped}", file=sys.stderr)
    if not backends:
        return 2

    def log(message: str) -> None:
        print(f"write_bench: {message}", file=sys.stderr, flush=True)

    started = time.perf_counter()
    audit_found, counter_found = {}, None
    for backend in backends:
        workdir = Path(tempfile.mkdtemp(prefix="assoc-write-bench-"))
        urls = {}
        try:
            urls = scratch_databases(backend, workdir, args.pg_url)
            audit_found[backend] = bench_audit(
                backend, urls, workdir, connections=connections, sizes=sizes,
                duration=args.duration, processes=args.processes, rounds=args.rounds, log=log,
                quiet_wait=args.quiet_wait)
            if backend == "postgresql":
                counter_found = bench_counters(
                    urls["counters"], connections=connections, duration=args.duration,
                    processes=args.processes, rounds=args.rounds, log=log,
                    quiet_wait=args.quiet_wait)
        finally:
            drop_databases(backend, urls)
            shutil.rmtree(workdir, ignore_errors=True)

    loads = [m.load_before for found in [*audit_found.values(), counter_found or {}]
             for ms in found.get("found", {}).values() for m in ms if m.load_before is not None]
    busy = sum(load > BUSY for load in loads)
    out = ["# Write-side bottlenecks: the access log's hash chain and the client status counters",
           "", f"{date.today().isoformat()}, "
               f"{machine(args.pg_url if 'postgresql' in backends else None)}.", "",
           f"`python -m bench.write_bench --db {args.db} --duration {args.duration:g} --rounds "
           f"{args.rounds} --processes {args.processes}`: {args.duration:g} s per measurement, "
           f"{args.rounds} round{'' if args.rounds == 1 else 's'} side by side (figures: median "
           f"of the rounds, lowest–highest in brackets; latencies over all rounds). The "
           f"connections are threads spread over "
           f"{args.processes} forked processes, as gunicorn workers, each with its own "
           f"connection, writing again as soon as its write ends (a closed loop). Busy cores: "
           f"the whole machine's (of {len(os.sched_getaffinity(0))}) during the measurement, "
           f"this program's and the database's included"
           + "." + (f" Before each measurement the program waited (up to {args.quiet_wait:g} s) "
                    f"for a quiet second: the machine then used {statistics.median(loads):.2f} "
                    f"cores (median), {max(loads):.2f} at most; "
                    + (f"**{busy} of {len(loads)} measurements began on a busy machine** (over "
                       f"{BUSY} cores), marked †: their figures are unsure."
                       if busy else "none began on a busy machine.") if loads else ""), ""]
    if skipped:
        out += [skipped, ""]
    out += ["## 1. Access log: page views through the hash chain vs. a bare insert", "",
            "A page view = one `audit._write` call (one write transaction), as after a page: 1 "
            "entry (a section page) or 100 (the home page of a worker with a large caseload). "
            "Bare: the same rows into the same `audit_event` table (in a copy of the migrated "
            "database, since they would break the chain) in the same kind of transaction, "
            "without the advisory lock, the read of the newest hash and the hashing. p50/p95: "
            "the latency of one write transaction. Chain / bare: views per second, median of the "
            "rounds' ratios.", ""]
    for backend, found in audit_found.items():
        out += render_audit(backend, found, connections, sizes)
    out += ["## 2. Client status counters (PostgreSQL)", ""]
    if counter_found is None:
        out += ["Not measured in this run" + (": PostgreSQL did not answer." if skipped
                                              else " (SQLite only)."), ""]
    else:
        out += [f"One client per transaction, autocommit: a new client (the insert trigger adds "
                f"one to 'active'), or a random one of {SEED_CLIENTS:,} clients switched between "
                f"'active' and 'paused' (the update trigger takes one from one counter row and "
                f"adds one to the other). Triggers off: `ALTER TABLE client DISABLE TRIGGER` for "
                f"both counter triggers, in the scratch database only; on and off are measured "
                f"in pairs. On / off: clients per second, median of the rounds' ratios. SQLite "
                f"is not measured: its writers already queue for the one write lock, so a "
                f"counter row cannot add contention there.", ""]
        out += render_counters(counter_found, connections)
    out += [f"Whole run: {time.perf_counter() - started:.0f} s.", ""]
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
