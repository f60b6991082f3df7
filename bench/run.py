"""Run the benchmark: seed, serve with gunicorn, load with wrk, compare with a bare baseline.

    python -m bench.run                      # 10,000 clients on SQLite and (when it answers) PostgreSQL
    python -m bench.run --large              # 10,000 and 100,000 clients on SQLite: the growth, also
                                             # measured side by side in alternating rounds
    python -m bench.run --db postgresql      # one database only (sqlite, postgresql or both)
    python -m bench.run --smoke --out DIR    # tiny and quick: what tests/bench runs
    python -m bench.run --only checklist,minutes   # some scenarios only (see scenarios())

Results go to bench/results/<YYYY-MM-DD>-<sqlite|postgresql>[-large].md (and .json beside it).
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import re
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
RESULTS = BENCH / "results"
LUA = BENCH / "report.lua"
DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/bench"
SECRET_KEY = "bench-secret-key-not-for-production"

TARGETS = {
    "p95_ms": 50.0,           # client list and search, 10,000 clients, 8 connections
    "throughput_ratio": 0.5,  # of the bare baseline
    "growth": 1.5,            # list and search p95, 10,000 -> 100,000 clients
    "cold_start_s": 2.0,
    "rss_mb": 150.0,
    "stats_p95_ms": 1000.0,   # a year's statistics page, and one activity's, at every scale measured
    "home_heavy_p95_ms": 150.0,  # the home page of a worker with 2,000 clients
    "cpu_ratio": 3.0,         # every page's server CPU per request / the bare baseline list's
}
# The sections of the client page a worker opens, each measured as the page asks for it (htmx).
# The seed records no contact agreements and no referrals: those two sections are measured as a
# client without one sees them (the empty section and its form).
SECTIONS = ("contacts", "tasks", "consents", "agreement", "errands", "network", "referrals")
# Pages measured for throughput only, not held to the CPU ratio: the documents (their own targets
# in bench.pdf_bench) and the statistics (a report, one request per worker at a time).
NOT_PAGES = ("checklist", "minutes", "stats", "stats_activity")


class BenchError(RuntimeError):
    """The benchmark could not run or a page did not answer as it should."""


# --- scenarios ----------------------------------------------------------------------------------

@dataclass
class Scenario:
    """One URL (or a rotation of similar URLs) measured with wrk."""

    name: str
    label: str
    paths: list[str]
    hx_target: str = ""  # "" = plain request; "-" = HX-Request only; else also HX-Target
    baseline: bool = False  # also measured on the bare baseline
    method: str = "GET"
    form: dict = field(default_factory=dict)  # POST body (urlencoded); the CSRF token is added
    content_type: str = "text/html"  # what every answer must be (else counted as non-200)
    pdf: bool = False  # rendered by the PDF engine: measured with fewer connections
    user: str = ""  # signed in as this user (an e-mail address) instead of the usual one
    # A report made by one request: measured, as the PDFs, with one request per worker at a time,
    # so that its latency is the making of one report, not a queue of eight.
    one_at_a_time: bool = False


def scenarios(client_ids: list[int], terms: list[str], *, meeting_clients: list[int] = (),
              approved_meetings: list[tuple[int, int]] = (),
              errands: list[tuple[int, int]] = (), heavy_user: str = "") -> list[Scenario]:
    """The pages a worker uses all day, and the two documents printed for clients."""
    ids = client_ids[:20] or [1]
    plan = [
        Scenario("home", "home page `/` (a worker with about 60 clients)", ["/"]),
        Scenario("due", "all that is due `/due` (the same worker: every task, goal review and "
                 "ending consent due, up to 200 of each; logs the views)", ["/due"]),
        Scenario("list", "client list `/clients/`", ["/clients/"], baseline=True),
        Scenario("search", "search as you type `/clients/?q=<3 letters>` (htmx)",
                 [f"/clients/?{urlencode({'q': t})}" for t in terms], "client-results", baseline=True),
        Scenario("client", "client page `/clients/<id>` (writes an access-log row)",
                 [f"/clients/{i}" for i in ids]),
        Scenario("goals", "goals fragment `/clients/<id>/goals` (htmx, writes an access-log row)",
                 [f"/clients/{i}/goals" for i in ids], "-"),
        *(Scenario(name, f"{name} fragment `/clients/<id>/{name}` (htmx, writes an access-log row)",
                   [f"/clients/{i}/{name}" for i in ids], "-") for name in SECTIONS),
    ]
    if heavy_user:
        plan.append(Scenario(
            "home_heavy", "home page `/` of the worker with 2,000 clients (the extreme case)",
            ["/"], user=heavy_user))
    if meeting_clients:
        plan.append(Scenario(
            "meetings", "network meetings fragment `/clients/<id>/meetings` (htmx, writes an "
            "access-log row)", [f"/clients/{i}/meetings" for i in meeting_clients[:20]], "-"))
    if approved_meetings:
        plan.append(Scenario(
            "meeting", "approved meeting page `/clients/<id>/meetings/<id>` (distribution check, "
            "writes an access-log row)",
            [f"/clients/{c}/meetings/{m}" for c, m in approved_meetings[:20]]))
    if errands:
        plan.append(Scenario(
            "checklist", "errand checklist PDF `GET /clients/<id>/errands/<id>/checklist.pdf` "
            "(logs the print)",
            [f"/clients/{c}/errands/{e}/checklist.pdf" for c, e in errands[:20]],
            content_type="application/pdf", pdf=True))
    year_ago = date.today() - timedelta(days=364)
    year = {"start": year_ago.isoformat(), "end": date.today().isoformat()}
    plan.append(Scenario(
        "stats", "statistics of the last year `/stats?start=…&end=…` (counted in the database, "
        "suppressed, with SVG charts; logs the view; one request per worker at a time)",
        [f"/stats?{urlencode(year)}"], one_at_a_time=True))
    plan.append(Scenario(
        "stats_activity", "statistics of the last year for one funded activity "
        "`/stats?start=…&end=…&activity=1` (its own clients' events and whatever was tagged to it)",
        [f"/stats?{urlencode(year | {'activity': 1})}"], one_at_a_time=True))
    if approved_meetings:
        plan.append(Scenario(
            "minutes", "meeting minutes PDF `POST /clients/<id>/meetings/<id>/minutes.pdf` "
            "(approved, Finnish, for distribution; logs the print and the disclosure)",
            [f"/clients/{c}/meetings/{m}/minutes.pdf" for c, m in approved_meetings[:20]],
            method="POST", form={"lang": "fi", "purpose": "distribution"},
            content_type="application/pdf", pdf=True))
    return plan


def body_of(scenario: Scenario, csrf_token: str | None) -> str | None:
    """The urlencoded body a POST scenario sends, with the CSRF token as a form field."""
    if scenario.method != "POST":
        return None
    return urlencode(dict(scenario.form, **({"csrf_token": csrf_token} if csrf_token else {})))


# --- HTTP helpers -------------------------------------------------------------------------------

def request(port: int, method: str, path: str, *, headers: dict | None = None,
            body: str | None = None, timeout: float = 10.0) -> tuple[int, dict, str]:
    """Send one request to 127.0.0.1 and return status, headers (lower-case) and body."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        data = response.read().decode("utf-8", "replace")
        found: dict[str, list[str]] = {}
        for key, value in response.getheaders():
            found.setdefault(key.lower(), []).append(value)
        return response.status, found, data
    finally:
        conn.close()


def _cookie(headers: dict, name: str = "assoc_session") -> str | None:
    for value in headers.get("set-cookie", []):
        match = re.match(rf"{name}=([^;]*)", value)
        if match:
            return f"{name}={match.group(1)}"
    return None


def sign_in(port: int, email: str, password: str) -> str:
    """Sign in as a browser does; return the Cookie header value of the signed-in session."""
    status, headers, html = request(port, "GET", "/login")
    if status != 200:
        raise BenchError(f"GET /login answered {status}")
    match = re.search(r'<meta name="csrf-token" content="([^"]+)"', html)
    cookie = _cookie(headers)
    if not match or not cookie:
        raise BenchError("the sign-in page gave no CSRF token or no session cookie")
    form = urlencode({"email": email, "password": password, "csrf_token": match.group(1)})
    status, headers, _ = request(port, "POST", "/login", body=form, headers={
        "Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded",
        "Referer": f"http://127.0.0.1:{port}/login"})
    cookie = _cookie(headers)
    if status not in (302, 303) or not cookie:
        raise BenchError(f"sign-in failed: POST /login answered {status}")
    return cookie


def csrf_session(port: int, cookie: str) -> tuple[str, str]:
    """Open a page as the signed-in user; return its CSRF token and the session cookie holding it.

    Flask-WTF keeps the token's secret in the (signed cookie) session, so a POST must send the
    cookie the page set along with the token.
    """
    status, headers, html = request(port, "GET", "/", headers={"Cookie": cookie})
    match = re.search(r'<meta name="csrf-token" content="([^"]+)"', html)
    if status != 200 or not match:
        raise BenchError(f"GET / answered {status} without a CSRF token")
    return match.group(1), _cookie(headers) or cookie


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


# --- CPU accounting: how busy the machine was with work that is not ours -----------------------

TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def busy_ticks() -> int:
    """CPU time spent by the whole machine (not idle, not waiting for I/O), in clock ticks."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return sum(fields) - fields[3] - fields[4]


def process_ticks(pids) -> int:
    total = 0
    for pid in pids:
        try:
            parts = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(parts[11]) + int(parts[12])  # utime, stime
    return total


def postgres_pids() -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() in ("postgres", "postmaster"):
                    found.append(int(entry.name))
            except OSError:
                pass
    return found


def wait_quiet(limit: float, threshold: float = 0.3) -> float:
    """Wait (at most `limit` s) for a second in which the machine uses under `threshold` cores.

    Return the cores in use in the last second sampled: other people's work on a shared machine
    makes the numbers worse, so the report says how busy it was.
    """
    deadline = time.monotonic() + limit
    while True:
        before = busy_ticks()
        time.sleep(1.0)
        cores = (busy_ticks() - before) / TICK
        if cores < threshold or time.monotonic() >= deadline:
            return round(cores, 2)


# --- gunicorn -----------------------------------------------------------------------------------

def _children_of(parents: set[int]) -> list[int]:
    """The ids of the running processes whose parent is one of these (from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) in parents:
            found.append(int(entry.name))
    return sorted(found)


class Server:
    """A gunicorn master with its workers, started in its own process group."""

    def __init__(self, module: str, port: int, env: dict, workers: int, log: Path):
        self.port = port
        self.log = log
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", str(workers),
             "--bind", f"127.0.0.1:{port}", "--log-level", "warning", module],
            cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
            start_new_session=True)

    def wait_ready(self, path: str = "/login", limit: float = 60.0) -> float:
        """Return the seconds from starting gunicorn until `path` first answered 200."""
        deadline = self.started + limit
        while time.perf_counter() < deadline:
            if self.process.poll() is not None:
                raise BenchError(f"gunicorn exited: {self.log.read_text()[-2000:]}")
            try:
                status, _, _ = request(self.port, "GET", path, timeout=5)
                if status == 200:
                    return time.perf_counter() - self.started
            except OSError:
                pass
            time.sleep(0.01)
        raise BenchError(f"gunicorn did not answer on {path} in {limit} s")

    def worker_pids(self) -> list[int]:
        return _children_of({self.process.pid})

    def all_pids(self) -> list[int]:
        """The master, its workers and their children (the PDF render processes)."""
        return [self.process.pid] + self.worker_pids() + self.render_pids()

    def render_pids(self) -> list[int]:
        """Children of the workers: the app's PDF render processes (started on first use)."""
        return _children_of(set(self.worker_pids()))

    def memory(self, pids: list[int] | None = None) -> list[dict]:
        """VmRSS and VmHWM (peak) of each worker (or of `pids`), in MB, from /proc/<pid>/status."""
        found = []
        for pid in self.worker_pids() if pids is None else pids:
            values = {}
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    key, _, rest = line.partition(":")
                    if key in ("VmRSS", "VmHWM"):
                        values[key] = int(rest.split()[0]) / 1024
            except OSError:
                continue
            found.append({"pid": pid, "rss_mb": round(values.get("VmRSS", 0), 1),
                          "hwm_mb": round(values.get("VmHWM", 0), 1)})
        return found

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(5)


# --- wrk ----------------------------------------------------------------------------------------

def run_wrk(port: int, scenario: Scenario, *, cookie: str | None, duration: int,
            connections: int, threads: int = 2, server: "Server | None" = None,
            csrf_token: str | None = None) -> dict:
    """Load one scenario; return wrk's numbers (latencies in ms) and the machine's other load."""
    env = dict(os.environ, BENCH_PATHS="|".join(scenario.paths),
               BENCH_HX_TARGET=scenario.hx_target, BENCH_COOKIE=cookie or "",
               BENCH_METHOD=scenario.method, BENCH_BODY=body_of(scenario, csrf_token) or "",
               BENCH_CSRF=csrf_token if scenario.method == "POST" and csrf_token else "",
               BENCH_EXPECT_TYPE=scenario.content_type)
    command = ["wrk", "-t", str(min(threads, connections)), "-c", str(connections),
               "-d", f"{duration}s", "--timeout", "10s", "-s", str(LUA), f"http://127.0.0.1:{port}"]
    ours = (server.all_pids() if server else []) + postgres_pids()
    import resource

    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    busy, mine, clock = busy_ticks(), process_ticks(ours), time.monotonic()
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=duration + 60)
    elapsed = time.monotonic() - clock
    wrk_usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    wrk_ticks = ((wrk_usage.ru_utime - children.ru_utime) + (wrk_usage.ru_stime - children.ru_stime)) * TICK
    ours_ticks = process_ticks(ours) - mine + wrk_ticks
    total_ticks = busy_ticks() - busy
    other_cores = max(0.0, (total_ticks - ours_ticks) / TICK / elapsed)
    app_cores = (process_ticks(ours) - mine) / TICK / elapsed
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("BENCH_JSON ")), None)
    if done.returncode != 0 or line is None:
        raise BenchError(f"wrk failed ({done.returncode}): {done.stdout[-1500:]} {done.stderr[-1500:]}")
    raw = json.loads(line[len("BENCH_JSON "):])
    seconds = raw["duration_us"] / 1e6
    latency = {k: round(v / 1000, 2) for k, v in raw["latency_us"].items()}
    errors = sum(raw["errors"].values())
    return {"requests": raw["requests"], "rps": round(raw["requests"] / seconds, 1),
            "p50_ms": latency["p50"], "p90_ms": latency["p90"], "p95_ms": latency["p95"],
            "p99_ms": latency["p99"], "max_ms": latency["max"], "mean_ms": latency["mean"],
            "non200": raw["non200"], "codes": raw["codes"].strip(), "socket_errors": errors,
            "kb_per_response": round(raw["bytes"] / max(1, raw["requests"]) / 1024, 1),
            "server_cores": round(app_cores, 2), "other_cores": round(other_cores, 2),
            "cpu_ms_per_request": round(app_cores * elapsed * 1000 / max(1, raw["requests"]), 1),
            "connections": connections}


def check_answers(port: int, scenario: Scenario, cookie: str | None,
                  csrf_token: str | None = None) -> int:
    """Send each request once before the load: every one must answer 200, of the right type."""
    headers = {"Cookie": cookie} if cookie else {}
    if scenario.hx_target:
        headers["HX-Request"] = "true"
        if scenario.hx_target != "-":
            headers["HX-Target"] = scenario.hx_target
    if scenario.method == "POST":
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        if csrf_token:
            headers["X-CSRFToken"] = csrf_token
    status = 0
    for path in scenario.paths:
        # The first PDF of a worker also starts its render process: give it time.
        status, found, body = request(port, scenario.method, path, headers=headers,
                                      body=body_of(scenario, csrf_token),
                                      timeout=60 if scenario.pdf else 10)
        if status != 200:
            raise BenchError(f"{scenario.method} {path} answered {status} "
                             f"{found.get('location', '')} {body[:300] if status != 302 else ''}")
        kind = (found.get("content-type") or [""])[0]
        if not kind.startswith(scenario.content_type):
            raise BenchError(f"{scenario.method} {path} answered {kind!r}, not {scenario.content_type}")
    return status


# --- machine ------------------------------------------------------------------------------------

def _first(path: str, key: str) -> str:
    try:
        for line in Path(path).read_text().splitlines():
            if line.lower().startswith(key.lower()):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


def _version(command: list[str]) -> str:
    try:
        out = subprocess.run(command, capture_output=True, text=True, timeout=10)
        return (out.stdout or out.stderr).strip().splitlines()[0]
    except (OSError, IndexError, subprocess.TimeoutExpired):
        return "unknown"


def machine(pg_url: str | None) -> dict:
    """Describe the machine the numbers came from."""
    mem_kb = _first("/proc/meminfo", "MemTotal").split()[0]
    info = {
        "nproc": len(os.sched_getaffinity(0)),
        "memory": f"{int(mem_kb) / 1024 / 1024:.1f} GiB" if mem_kb.isdigit() else "unknown",
        "cpu": _first("/proc/cpuinfo", "model name"),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "postgresql": "not used",
        "wrk": _version(["wrk", "--version"]).split(" [")[0],
        "gunicorn": _gunicorn_version(),
    }
    if pg_url:
        from sqlalchemy import create_engine, text
        from sqlalchemy.engine import make_url

        from association_tool.config import normalise_database_url

        engine = create_engine(make_url(normalise_database_url(pg_url)).set(database="postgres"))
        with engine.connect() as conn:
            info["postgresql"] = conn.execute(text("SHOW server_version")).scalar_one()
        engine.dispose()
    return info


def _gunicorn_version() -> str:
    try:
        import gunicorn

        return gunicorn.__version__
    except ImportError:
        return "missing"


# --- databases ----------------------------------------------------------------------------------

def prepare_postgresql(url: str, *, create: bool = True) -> None:
    """Drop and create the benchmark's own PostgreSQL database (its name must contain 'bench');
    with create=False only drop it."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from association_tool.config import normalise_database_url

    target = make_url(normalise_database_url(url))
    name = target.database or ""
    if "bench" not in name or name == "test":
        raise BenchError(f"refusing to drop database {name!r}: its name must contain 'bench'")
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        if create:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()


def scale_url(backend: str, pg_url: str, workdir: Path, clients: int, several: bool) -> str:
    """The database of one scale: a SQLite file in the work folder, or on PostgreSQL the
    benchmark's database, one of its own for each scale when there are several (all are kept
    until the growth is measured side by side)."""
    if backend == "sqlite":
        return f"sqlite:///{workdir / f'bench-{clients}.db'}"
    if not several:
        return pg_url
    from sqlalchemy.engine import make_url

    from association_tool.config import normalise_database_url

    url = make_url(normalise_database_url(pg_url))
    return url.set(database=f"{url.database}_{clients}").render_as_string(hide_password=False)


def remove_database(backend: str, url: str) -> None:
    """Delete a scale's database once it has been measured (SQLite's file, or PostgreSQL's)."""
    if backend == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(url.removeprefix("sqlite:///") + suffix).unlink(missing_ok=True)
    else:
        prepare_postgresql(url, create=False)


def add_indexes(database_url: str, specs) -> None:
    """Create indexes by hand, to measure one before it becomes a migration.

    "table:col1,col2" is a plain index; "table:col:trgm" a trigram GIN index (PostgreSQL's
    pg_trgm), which serves LIKE '%abc%'.
    """
    from sqlalchemy import create_engine, text

    from association_tool.config import normalise_database_url

    engine = create_engine(normalise_database_url(database_url))
    with engine.begin() as conn:
        for spec in specs:
            table, _, rest = spec.partition(":")
            columns, _, kind = rest.partition(":")
            cols = [c.strip() for c in columns.split(",") if c.strip()]
            if (not table.isidentifier() or not cols or not all(c.isidentifier() for c in cols)
                    or kind not in ("", "trgm")):
                raise BenchError(f"bad index spec {spec!r}: use table:col1,col2 or table:col:trgm")
            name = f"ix_bench_{table}_{'_'.join(cols)}{'_trgm' if kind else ''}"
            quoted = ", ".join(f'"{c}"' for c in cols)
            if kind == "trgm":
                if engine.dialect.name != "postgresql":
                    raise BenchError("trigram indexes are for PostgreSQL")
                conn.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
                conn.execute(text(f'CREATE INDEX {name} ON "{table}" USING gin ({quoted} gin_trgm_ops)'))
            else:
                conn.execute(text(f'CREATE INDEX {name} ON "{table}" ({quoted})'))
        if engine.dialect.name == "postgresql":
            conn.execute(text("ANALYZE"))
    engine.dispose()


def app_env(database_url: str, instance: Path) -> dict:
    env = {k: v for k, v in os.environ.items()
           if k not in ("TEST_DATABASE_URL", "FLASK_APP", "FLASK_DEBUG")}
    env.update(DATABASE_URL=database_url, INSTANCE_PATH=str(instance), SECRET_KEY=SECRET_KEY,
               PYTHONDONTWRITEBYTECODE="1")
    return env


def migrate(env: dict) -> float:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "app", "db", "upgrade"],
                          cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise BenchError(f"db upgrade failed: {done.stderr[-2000:]}")
    return time.perf_counter() - started


# --- one measurement ----------------------------------------------------------------------------

@dataclass
class Options:
    duration: int = 10
    warmup: int = 1
    connections: int = 8
    pdf_connections: int = 2  # for the PDF scenarios: one request per worker at a time
    pdf_duration: int = 0  # seconds of load per PDF scenario (0: `duration`)
    workers: int = 2
    port: int = 8765
    quiet_wait: float = 10.0  # seconds to wait for a quiet machine before each measurement
    app_module: str = "app:app"
    only: tuple = ()  # scenario names; empty = all
    extra_indexes: tuple = ()  # "table:col1,col2" created by hand after seeding (experiments)
    smoke: bool = False  # tiny data, short load: proves the benchmark runs
    log: object = print


@dataclass
class ScaleResult:
    """Everything measured at one scale on one database."""

    clients: int
    rows: dict
    seed_seconds: float
    migrate_seconds: float
    app: dict = field(default_factory=dict)       # scenario name -> wrk numbers
    baseline: dict = field(default_factory=dict)
    app_cold_start_s: float = 0.0
    baseline_cold_start_s: float = 0.0
    app_memory: list = field(default_factory=list)
    baseline_memory: list = field(default_factory=list)
    labels: dict = field(default_factory=dict)
    render_memory: list = field(default_factory=list)  # the app's PDF render processes
    search_terms: list = field(default_factory=list)


def load_once(server: "Server", port: int, scenario: Scenario, cookie: str | None,
              opts: Options, duration: int, csrf_token: str | None = None) -> dict:
    """Warm up, wait for a quiet machine, then load one scenario and return wrk's numbers."""
    connections = (opts.pdf_connections if scenario.pdf or scenario.one_at_a_time
                   else opts.connections)
    if opts.warmup:
        run_wrk(port, scenario, cookie=cookie, duration=opts.warmup, connections=connections,
                csrf_token=csrf_token)
    quiet = wait_quiet(opts.quiet_wait) if opts.quiet_wait else None
    numbers = run_wrk(port, scenario, cookie=cookie, duration=duration, connections=connections,
                      server=server, csrf_token=csrf_token)
    numbers["busy_before_cores"] = quiet
    return numbers


def measure(backend: str, database_url: str, clients: int, workdir: Path, opts: Options) -> ScaleResult:
    """Create, migrate and seed a database, then measure the app and the baseline on it."""
    from .seed import Scale, seed

    log = opts.log
    instance = workdir / f"instance-{backend}-{clients}"
    instance.mkdir(parents=True, exist_ok=True)
    if backend == "postgresql":
        prepare_postgresql(database_url)
    env = app_env(database_url, instance)
    log(f"[{backend} {clients:,}] migrating")
    migrate_seconds = migrate(env)
    log(f"[{backend} {clients:,}] seeding")
    seeded = seed(database_url, Scale(clients=clients))
    log(f"[{backend} {clients:,}] seeded in {seeded.seconds:.1f} s: {seeded.rows}")
    if opts.extra_indexes:
        add_indexes(database_url, opts.extra_indexes)
        log(f"[{backend} {clients:,}] added by hand: {', '.join(opts.extra_indexes)}")
    result = ScaleResult(clients=clients, rows=seeded.rows, seed_seconds=round(seeded.seconds, 1),
                         migrate_seconds=round(migrate_seconds, 2),
                         search_terms=list(seeded.search_terms))
    plan = [s for s in scenarios(seeded.client_ids, seeded.search_terms,
                                 meeting_clients=seeded.meeting_clients,
                                 approved_meetings=seeded.approved_meetings,
                                 errands=seeded.errands, heavy_user=seeded.heavy_email)
            if not opts.only or s.name in opts.only]
    result.labels = {s.name: s.label for s in plan}

    def load(server: Server, port: int, cookie: str | None, scenario: Scenario, into: dict,
             who: str, csrf_token: str | None = None) -> None:
        check_answers(port, scenario, cookie, csrf_token)
        duration = (opts.pdf_duration or opts.duration) if scenario.pdf else opts.duration
        numbers = load_once(server, port, scenario, cookie, opts, duration, csrf_token)
        into[scenario.name] = numbers
        log(f"[{backend} {clients:,}] {who} {scenario.name}: p50 {numbers['p50_ms']} ms, "
            f"p95 {numbers['p95_ms']} ms, {numbers['rps']} req/s, non-200 {numbers['non200']}, "
            f"server {numbers['server_cores']} cores, others {numbers['other_cores']} cores")

    # Both servers run side by side (the idle one costs nothing), and each page the baseline
    # also serves is measured on the app and then at once on the baseline, so that both see
    # the same machine: it may be shared with other people's work.
    if opts.quiet_wait:
        wait_quiet(opts.quiet_wait)
    app_port = opts.port if opts.port and port_free(opts.port) else free_port()
    app = Server(opts.app_module, app_port, env, opts.workers, workdir / f"app-{backend}-{clients}.log")
    base = None
    try:
        result.app_cold_start_s = round(app.wait_ready("/login"), 3)
        log(f"[{backend} {clients:,}] app up in {result.app_cold_start_s:.2f} s on :{app_port}")
        # After the first page the browser holds the session cookie with the CSRF token in it;
        # every scenario sends that one (a POST also needs the token).
        csrf_token, cookie = csrf_session(app_port, sign_in(app_port, seeded.login_email,
                                                              seeded.password))
        if opts.quiet_wait:
            wait_quiet(opts.quiet_wait)
        base_port = (opts.port + 1 if opts.port and port_free(opts.port + 1) else free_port())
        base = Server("bench.baseline_app:app", base_port, env, opts.workers,
                      workdir / f"baseline-{backend}-{clients}.log")
        result.baseline_cold_start_s = round(base.wait_ready("/login"), 3)
        others = {}  # the sessions of the scenarios signed in as someone else
        for scenario in plan:
            if scenario.user and scenario.user not in others:
                others[scenario.user] = csrf_session(
                    app_port, sign_in(app_port, scenario.user, seeded.password))[1]
            load(app, app_port, others.get(scenario.user, cookie), scenario, result.app, "app",
                 csrf_token if scenario.method == "POST" else None)
            if scenario.baseline:
                load(base, base_port, None, scenario, result.baseline, "baseline")
        result.app_memory = app.memory()
        result.render_memory = app.memory(app.render_pids())
        result.baseline_memory = base.memory()
    finally:
        app.stop()
        if base is not None:
            base.stop()
    return result


# Rounds of the growth measurement (below); each page on each scale once per round.
GROWTH_ROUNDS = 6


def measure_growth(backend: str, urls: dict, terms: list[str], workdir: Path,
                   opts: Options) -> dict:
    """The list and the search on every scale in alternating rounds, all the servers up.

    Measured one scale after the other, minutes apart, a growth also held whatever the machine
    did meanwhile: on a shared 2-core machine the same code ran up to twice as fast in one
    minute as in the next. Here every round measures each page on each scale back to back, the
    order of the scales turned every round; the growth is the median of the rounds' ratios. The
    idle servers cost nothing while another is measured.
    """
    from .seed import LOGIN_EMAIL, PASSWORD

    log = opts.log
    plan = [s for s in scenarios([], terms)
            if s.name in ("list", "search") and (not opts.only or s.name in opts.only)]
    rounds_total = 2 if opts.smoke else GROWTH_ROUNDS
    duration = max(2, opts.duration // 2)
    servers, cookies, rounds = {}, {}, []
    try:
        for clients, url in urls.items():
            port = free_port()
            servers[clients] = Server(opts.app_module, port,
                                      app_env(url, workdir / f"instance-{backend}-{clients}"),
                                      opts.workers, workdir / f"growth-{backend}-{clients}.log")
            servers[clients].wait_ready("/login")
            cookies[clients] = csrf_session(port, sign_in(port, LOGIN_EMAIL, PASSWORD))[1]
        scales = list(urls)
        for number in range(rounds_total):
            measured = {}
            for scenario in plan:
                for clients in (scales if number % 2 == 0 else scales[::-1]):
                    server = servers[clients]
                    numbers = load_once(server, server.port, scenario, cookies[clients], opts,
                                        duration)
                    measured.setdefault(scenario.name, {})[str(clients)] = numbers
                    log(f"[{backend} growth, round {number + 1}] {clients:,} clients "
                        f"{scenario.name}: p95 {numbers['p95_ms']} ms, {numbers['rps']} req/s, "
                        f"non-200 {numbers['non200']}")
                    if numbers["non200"] or numbers["socket_errors"]:
                        raise BenchError(f"{scenario.name} at {clients:,} clients: answers other "
                                         f"than 200 ({numbers['codes']})")
            rounds.append(measured)
    finally:
        for server in servers.values():
            server.stop()
    return {"scales": scales, "seconds": duration, "rounds": rounds,
            "labels": {s.name: s.label for s in plan}}


def growth_ratios(growth: dict, name: str) -> list[float]:
    """Each round's p95 at the last scale over the p95 at the first, for one page."""
    first, last = (str(c) for c in (growth["scales"][0], growth["scales"][-1]))
    return [r[name][last]["p95_ms"] / max(0.01, r[name][first]["p95_ms"])
            for r in growth["rounds"] if name in r]


# --- targets and report -------------------------------------------------------------------------

def check_targets(results: list[ScaleResult], growth: dict | None = None) -> list[dict]:
    """Compare the first (10,000-client) scale, and the growth to the last, with the targets.

    The growth is the median of the side-by-side rounds (measure_growth) when they were run;
    else (results written before them) the ratio of the scales' own measurements.
    """
    first = results[0]
    checks = []

    def add(what, value, limit, ok, unit="", busy=0.0):
        checks.append({"target": what, "measured": value, "limit": limit, "pass": bool(ok),
                       "unit": unit, "others_cores": round(busy, 2)})

    def busy(*numbers):
        return max((n.get("other_cores", 0.0) for n in numbers), default=0.0)

    measured = [n for n in ("list", "search") if n in first.app]
    for name in measured:
        p95 = first.app[name]["p95_ms"]
        add(f"{name}: p95 at {first.clients:,} clients", p95, f"≤ {TARGETS['p95_ms']:g} ms",
            p95 <= TARGETS["p95_ms"], "ms", busy(first.app[name]))
    for name in [n for n in measured if n in first.baseline]:
        ratio = first.app[name]["rps"] / max(0.1, first.baseline[name]["rps"])
        add(f"{name}: throughput / bare baseline", round(ratio, 2),
            f"≥ {TARGETS['throughput_ratio']:g}", ratio >= TARGETS["throughput_ratio"], "",
            busy(first.app[name], first.baseline[name]))
    if len(results) > 1:
        last = results[-1]
        for name in measured:
            ratios = growth_ratios(growth, name) if growth else []
            if ratios:
                ratio = statistics.median(ratios)
                numbers = [r[name][str(c)] for r in growth["rounds"] for c in growth["scales"]]
                what = f"{name}: p95 growth {first.clients:,} → {last.clients:,} clients " \
                       f"(median of {len(ratios)} rounds side by side)"
            else:
                ratio = last.app[name]["p95_ms"] / max(0.01, first.app[name]["p95_ms"])
                numbers = [first.app[name], last.app[name]]
                what = f"{name}: p95 growth {first.clients:,} → {last.clients:,} clients"
            add(what, round(ratio, 2), f"≤ {TARGETS['growth']:g}×", ratio <= TARGETS["growth"],
                "×", busy(*numbers))
    if "list" in first.baseline:
        bare = _cpu_ms(first.baseline["list"])
        for name, numbers in first.app.items():
            if name in NOT_PAGES:
                continue
            ratio = _cpu_ms(numbers) / max(0.1, bare)
            add(f"{name}: server CPU per request / bare baseline list's ({bare:g} ms)",
                round(ratio, 1), f"≤ {TARGETS['cpu_ratio']:g}×", ratio <= TARGETS["cpu_ratio"],
                "×", busy(numbers, first.baseline["list"]))
    for result in results:
        for name, what in (("stats", "a year's report"),
                           ("stats_activity", "a year's report for one funded activity")):
            if name in result.app:
                p95 = result.app[name]["p95_ms"]
                add(f"{name}: p95 of {what} at {result.clients:,} clients", p95,
                    f"≤ {TARGETS['stats_p95_ms']:g} ms", p95 <= TARGETS["stats_p95_ms"], "ms",
                    busy(result.app[name]))
    for result in results:
        if "home_heavy" in result.app:
            p95 = result.app["home_heavy"]["p95_ms"]
            add(f"home_heavy: p95 of the home page of a worker with 2,000 clients at "
                f"{result.clients:,} clients", p95, f"≤ {TARGETS['home_heavy_p95_ms']:g} ms",
                p95 <= TARGETS["home_heavy_p95_ms"], "ms", busy(result.app["home_heavy"]))
    for result in results:
        add(f"cold start at {result.clients:,} clients", result.app_cold_start_s,
            f"≤ {TARGETS['cold_start_s']:g} s", result.app_cold_start_s <= TARGETS["cold_start_s"], "s")
        worst = max((w["rss_mb"] for w in result.app_memory), default=0.0)
        add(f"RSS per worker at {result.clients:,} clients (largest)", worst,
            f"≤ {TARGETS['rss_mb']:g} MB", 0 < worst <= TARGETS["rss_mb"], "MB")
    return checks


def _cpu_ms(numbers: dict) -> float:
    """Server CPU per request: gunicorn's (and PostgreSQL's) CPU time over the requests served."""
    if "cpu_ms_per_request" in numbers:
        return numbers["cpu_ms_per_request"]
    seconds = numbers.get("seconds", 10)
    return round(numbers["server_cores"] * seconds * 1000 / max(1, numbers["requests"]), 1)


def render(backend: str, info: dict, results: list[ScaleResult], checks: list[dict],
           opts: Options, *, smoke: bool, total_seconds: float, growth: dict | None = None) -> str:
    """The results file, in Markdown."""
    today = date.today().isoformat()
    lines = [f"# Benchmark results: {backend}, {today}", ""]
    if smoke:
        lines += ["**Smoke run** (tiny data, short load): the numbers mean nothing; the run only "
                  "proves that the benchmark works.", ""]
    lines += [
        "Produced by `make bench` (`python -m bench.run`); see README.md, Benchmarks.",
        "",
    ]
    if opts.app_module != "app:app" or opts.extra_indexes:
        lines += [f"**Experiment**: app `{opts.app_module}`"
                  + (f", indexes added by hand: {', '.join(opts.extra_indexes)}" if opts.extra_indexes else "")
                  + ". Not the app as shipped.", ""]
    lines += [
        "## Machine",
        "",
        "| | |", "| --- | --- |",
        f"| CPU | {info['cpu']} |",
        f"| nproc | {info['nproc']} |",
        f"| memory | {info['memory']} |",
        f"| OS | {info['os']} |",
        f"| Python | {info['python']} |",
        f"| SQLite (Python's sqlite3) | {info['sqlite']} |",
        f"| PostgreSQL server | {info['postgresql']} |",
        f"| gunicorn | {info['gunicorn']} (sync workers) |",
        f"| wrk | {info['wrk']} |",
        "",
        "## Method",
        "",
        f"- gunicorn on 127.0.0.1 with {opts.workers} sync workers; wrk with {opts.connections} "
        f"connections (PDFs: {opts.pdf_connections}) and 2 threads, {opts.warmup} s warm-up "
        f"then {opts.duration} s per URL. "
        "Latencies include the wait for a free worker.",
        "- The app is signed in as a staff member (sees every client); the session cookie (as a "
        "browser keeps it after the first page, holding the CSRF token) is sent by wrk's Lua "
        "script (`bench/report.lua`), which also counts any answer other than 200.",
        "- Bare baseline: `bench/baseline_app.py`, plain Flask + SQLAlchemy Core over the same "
        "database, same queries (count, 25 by display name with the responsible worker, next due "
        "task or review, the workers for the filter), same page (layout, filter form with the same "
        "choices, table; in fixed Finnish); no sign-in, session, access log, Babel, forms or CSRF. "
        "Until 2026-11-24 it rendered only a heading, a search box and the table.",
        "- Memory: VmRSS (and the peak, VmHWM) of each gunicorn worker from /proc/<pid>/status "
        "after the load. Cold start: from starting gunicorn until `/login` first answered 200.",
        "- Server CPU ms/request: CPU time of gunicorn (and PostgreSQL) over the requests served, "
        "which depends little on how busy the machine is. Server cores: the same CPU per second "
        "of load; others' cores: "
        "CPU used meanwhile by anything else on the machine (other people's work; not wrk). "
        "Before each measurement the run waits (up to a limit) for a quiet second.",
    ]
    measured = {name for result in results for name in result.app}
    if measured & {"meetings", "meeting", "checklist", "minutes"}:
        lines += [
            "- Network meetings: the seed has one for every second client (about a fifth planned, "
            "the rest with minutes, most of those approved, with participants from the client's "
            "network map, consents, agreed actions and the follow-up tasks approval makes) and "
            "errands with things to bring. The meetings fragment and the page of an approved "
            "meeting (which checks each party's consent for the distribution list) are measured "
            "like the other pages.",
            f"- PDFs, {opts.pdf_connections} connections (one per worker: a latency is the making "
            f"of one document, not a queue), {opts.pdf_duration or opts.duration} s each after "
            "the same warm-up: the **errand checklist** "
            "(`GET`, upcoming errands of active clients, in the client's language) and the "
            "**minutes** of approved meetings (`POST` as the browser's form sends it: lang=fi, "
            "purpose=distribution and the CSRF token as a form field, also as `X-CSRFToken`, "
            "with the session cookie that holds the token; wrk's Lua script sends the body). "
            "Each document is made by WeasyPrint in the app's render process (one per worker, "
            "time limit PDF_TIMEOUT_SECONDS, 20 s by default) and each print is written to the "
            "access log (the minutes also log the disclosure). An answer that is not "
            "`application/pdf` counts as non-200. Server CPU includes the render processes. "
            "The engine alone, without HTTP: `python -m bench.pdf_bench`.",
        ]
    else:
        lines += ["- Not measured in this run: network meetings and PDFs (errand checklist, "
                  "meeting minutes)."]
    lines += [""]
    for result in results:
        lines += [f"## {result.clients:,} clients", "", "Seeded rows: " + ", ".join(
            f"{k} {v:,}" for k, v in result.rows.items())
                  + f" (seeded in {result.seed_seconds} s, migrations {result.migrate_seconds} s).", "",
                  "| URL | p50 ms | p95 ms | p99 ms | req/s | KB/answer | non-200 | server CPU ms/request | server cores | others' cores |",
                  "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
        for name, n in result.app.items():
            lines.append(f"| {result.labels[name]} | {n['p50_ms']} | {n['p95_ms']} | {n['p99_ms']} "
                         f"| {n['rps']} | {n['kb_per_response']} | {n['non200'] + n['socket_errors']} "
                         f"| {_cpu_ms(n)} | {n['server_cores']} | {n['other_cores']} |")
        for name, n in result.baseline.items():
            lines.append(f"| bare baseline: {name} | {n['p50_ms']} | {n['p95_ms']} | {n['p99_ms']} "
                         f"| {n['rps']} | {n['kb_per_response']} | {n['non200'] + n['socket_errors']} "
                         f"| {_cpu_ms(n)} | {n['server_cores']} | {n['other_cores']} |")
        lines += ["", "| app / bare baseline | throughput | throughput by server CPU | p50 | p95 |",
                  "| --- | ---: | ---: | ---: | ---: |"]
        for name, base in result.baseline.items():
            app = result.app[name]
            lines.append(f"| {name} | {app['rps'] / max(0.1, base['rps']):.2f} | "
                         f"{_cpu_ms(base) / max(0.1, _cpu_ms(app)):.2f} | "
                         f"{app['p50_ms'] / max(0.01, base['p50_ms']):.2f}× | "
                         f"{app['p95_ms'] / max(0.01, base['p95_ms']):.2f}× |")
        lines += ["", "Throughput by server CPU: the baseline's server CPU per request over the "
                  "app's, the throughput ratio the two would have on equal CPU; it depends less on "
                  "other work on the machine than the measured ratio."]
        mem = ", ".join(f"{w['rss_mb']} MB (peak {w['hwm_mb']})" for w in result.app_memory)
        base_mem = ", ".join(f"{w['rss_mb']} MB" for w in result.baseline_memory)
        lines += ["", f"- Cold start: app {result.app_cold_start_s} s, bare baseline "
                      f"{result.baseline_cold_start_s} s.",
                  f"- RSS per worker after the load: app {mem}; bare baseline {base_mem}."]
        if result.render_memory:
            render_mem = ", ".join(f"{w['rss_mb']} MB (peak {w['hwm_mb']})"
                                   for w in result.render_memory)
            lines.append(f"- PDF render processes (one per worker, apart from the worker's RSS): "
                         f"{render_mem}.")
        lines.append("")
    if len(results) > 1:
        first, last = results[0], results[-1]
        lines += [f"## Growth {first.clients:,} → {last.clients:,} clients", "",
                  "Each scale measured on its own, minutes apart (the targets take the growth "
                  "side by side, below, when it was measured).", "",
                  "| URL | p95 ms | p95 ms | growth | req/s | req/s |",
                  "| --- | ---: | ---: | ---: | ---: | ---: |"]
        for name in first.app:
            a, b = first.app[name], last.app[name]
            lines.append(f"| {first.labels[name]} | {a['p95_ms']} | {b['p95_ms']} | "
                         f"{b['p95_ms'] / max(0.01, a['p95_ms']):.2f}× | {a['rps']} | {b['rps']} |")
        for name in first.baseline:
            a, b = first.baseline[name], last.baseline[name]
            lines.append(f"| bare baseline: {name} | {a['p95_ms']} | {b['p95_ms']} | "
                         f"{b['p95_ms'] / max(0.01, a['p95_ms']):.2f}× | {a['rps']} | {b['rps']} |")
        lines.append("")
    if growth and growth["rounds"]:
        lines += _render_growth(growth)
    passed = sum(c["pass"] for c in checks)
    lines += [f"## Targets: {passed} of {len(checks)} pass", "",
              "| target | measured | limit | | others' cores meanwhile |",
              "| --- | ---: | --- | --- | ---: |"]
    for c in checks:
        others = c.get("others_cores", 0.0)
        lines.append(f"| {c['target']} | {c['measured']} {c['unit']} | {c['limit']} | "
                     f"{'pass' if c['pass'] else '**MISS**'} | "
                     f"{others if others else ''}{' (busy: unsure)' if others > 0.25 else ''} |")
    lines += [""] + ([f"Whole run: {total_seconds:.0f} s.", ""] if total_seconds else [])
    return "\n".join(lines)


def _render_growth(growth: dict) -> list[str]:
    """The side-by-side rounds of the growth measurement, as a section of the results file."""
    first, last = growth["scales"][0], growth["scales"][-1]
    names = [n for n in ("list", "search") if n in growth["rounds"][0]]
    lines = [f"## Growth side by side, {first:,} → {last:,} clients", "",
             f"Servers on both databases up at once; in each round every page is measured on each "
             f"scale back to back ({growth['seconds']} s each after the warm-up, the scales' order "
             f"turned every round), so that both see the same machine. The growth is the median "
             f"of the rounds' ratios.", "",
             "| round | " + " | ".join(f"{n}: p95 ms at {first:,} | at {last:,} | growth"
                                      for n in names) + " |",
             "| ---: | " + " | ".join("---: | ---: | ---:" for _ in names) + " |"]
    for number, measured in enumerate(growth["rounds"], 1):
        cells = []
        for name in names:
            a, b = measured[name][str(first)]["p95_ms"], measured[name][str(last)]["p95_ms"]
            cells.append(f"{a} | {b} | {b / max(0.01, a):.2f}×")
        lines.append(f"| {number} | " + " | ".join(cells) + " |")
    medians = [f"{statistics.median(growth_ratios(growth, n)):.2f}×" for n in names]
    lines += ["| median | " + " | ".join(f"| | {m}" for m in medians) + " |", ""]
    return lines


# --- main ---------------------------------------------------------------------------------------

def pg_answers(url: str) -> bool:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from association_tool.config import normalise_database_url

    try:
        engine = create_engine(make_url(normalise_database_url(url)).set(database="postgres"),
                               connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return True
    except Exception:  # noqa: BLE001 - any failure means "no PostgreSQL here"
        return False


def missing_tools() -> list[str]:
    """Name what the benchmark needs and does not find."""
    import importlib.util

    missing = []
    if shutil.which("wrk") is None:
        missing.append("wrk (Debian package 'wrk')")
    if importlib.util.find_spec("gunicorn") is None:
        missing.append("gunicorn (requirements.txt)")
    return missing


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=("auto", "sqlite", "postgresql", "both"), default="auto",
                        help="auto: SQLite, plus PostgreSQL when it answers (SQLite only with --large)")
    parser.add_argument("--large", action="store_true",
                        help="also 100,000 clients (the growth curve)")
    parser.add_argument("--smoke", action="store_true",
                        help="200 clients, 2 s per URL, SQLite: proves the benchmark runs")
    parser.add_argument("--clients", type=int, help="clients at the first scale (default 10,000)")
    parser.add_argument("--duration", type=int, help="seconds of load per URL (default 10)")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--pdf-connections", type=int, default=2,
                        help="connections for the PDF scenarios (default 2: one per worker)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=8765, help="app port; the baseline uses the next")
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_PG_URL),
                        help="PostgreSQL database of its own, dropped and created (name must contain 'bench')")
    parser.add_argument("--out", type=Path, default=RESULTS, help="where the results files go")
    parser.add_argument("--quiet-wait", type=float, default=10.0,
                        help="before each measurement wait up to this many seconds for the machine "
                             "to be quiet (0: do not wait)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument("--only", default="", help="measure only these scenarios, e.g. list,search")
    parser.add_argument("--app-module", default="app:app",
                        help="WSGI app to measure (experiments: see bench/experiments.py)")
    parser.add_argument("--add-index", action="append", default=[], metavar="TABLE:COLS",
                        help="create this index by hand after seeding (to size a missing index)")
    parser.add_argument("--tag", default="", help="added to the results file name")
    parser.add_argument("--rerender", nargs="+", type=Path, metavar="JSON",
                        help="only write the .md of these results again from their .json")
    return parser.parse_args(argv)


def rerender(path: Path) -> Path:
    """Write a results file again from its .json (after a change to the report's layout)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    opts = Options(**{k: (tuple(v) if isinstance(v, list) else v)
                      for k, v in data["options"].items()})
    results = [ScaleResult(**scale) for scale in data["scales"]]
    md = path.with_suffix(".md")
    growth = data.get("growth")
    md.write_text(render(data["backend"], data["machine"], results, check_targets(results, growth),
                         opts, smoke=data["smoke"], total_seconds=data.get("total_seconds", 0),
                         growth=growth), encoding="utf-8")
    return md


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.rerender:
        for path in args.rerender:
            print(f"bench: wrote {rerender(path)}")
        return 0
    missing = missing_tools()
    if missing:
        print("bench: missing " + ", ".join(missing), file=sys.stderr)
        return 2
    opts = Options(duration=args.duration or (2 if args.smoke else 10),
                   warmup=1, connections=args.connections, workers=args.workers,
                   pdf_connections=args.pdf_connections,
                   # A smoke run on a busy machine must still finish a document or two.
                   pdf_duration=4 if args.smoke and not args.duration else 0,
                   port=0 if args.smoke else args.port,
                   quiet_wait=0 if args.smoke else args.quiet_wait, app_module=args.app_module,
                   only=tuple(x for x in args.only.split(",") if x),
                   extra_indexes=tuple(args.add_index), smoke=args.smoke)
    first = args.clients or (200 if args.smoke else 10_000)
    scales = [first] + ([first * 10] if args.large else [])
    if args.smoke or args.db == "sqlite":
        backends = ["sqlite"]
    elif args.db == "postgresql":
        backends = ["postgresql"]
    elif args.db == "both":
        backends = ["sqlite", "postgresql"]
    else:
        backends = ["sqlite"]
        if not args.large:
            if pg_answers(args.pg_url):
                backends.append("postgresql")
            else:
                print(f"bench: PostgreSQL does not answer at {args.pg_url}: SQLite only")
    if "postgresql" in backends and not pg_answers(args.pg_url):
        print(f"bench: PostgreSQL does not answer at {args.pg_url}", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="assoc-bench-"))
    written = []
    try:
        for backend in backends:
            started = time.perf_counter()
            info = machine(args.pg_url if backend == "postgresql" else None)
            results, urls, growth = [], {}, None
            try:
                for clients in scales:
                    urls[clients] = scale_url(backend, args.pg_url, workdir, clients,
                                              several=len(scales) > 1)
                    results.append(measure(backend, urls[clients], clients, workdir, opts))
                if len(results) > 1 and {"list", "search"} & set(results[0].app):
                    growth = measure_growth(backend, urls, results[0].search_terms, workdir, opts)
            finally:
                if not args.keep:
                    for url in urls.values():
                        if backend == "sqlite" or len(scales) > 1:
                            remove_database(backend, url)
            checks = check_targets(results, growth)
            # Rounded as the JSON keeps it, so that a report written again from it is the same.
            total = round(time.perf_counter() - started, 1)
            name = f"{date.today().isoformat()}-{backend}{'-large' if args.large else ''}"
            name += f"-{args.tag}" if args.tag else ""
            md = args.out / f"{name}.md"
            md.write_text(render(backend, info, results, checks, opts, smoke=args.smoke,
                                 total_seconds=total, growth=growth), encoding="utf-8")
            (args.out / f"{name}.json").write_text(json.dumps(
                {"backend": backend, "machine": info, "smoke": args.smoke, "targets": checks,
                 "total_seconds": total, "growth": growth,
                 "options": {k: v for k, v in asdict(opts).items() if k != "log"},
                 "scales": [asdict(r) for r in results]}, indent=2, default=str), encoding="utf-8")
            written.append(md)
            passed = sum(c["pass"] for c in checks)
            print(f"bench: {backend}: {passed} of {len(checks)} targets pass; wrote {md} "
                  f"({total:.0f} s)")
            for c in checks:
                print(f"  {'pass' if c['pass'] else 'MISS'}  {c['target']}: {c['measured']} "
                      f"{c['unit']} (limit {c['limit']})")
    except BenchError as error:
        print(f"bench: {error}", file=sys.stderr)
        return 1
    finally:
        if args.keep:
            print(f"bench: kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
