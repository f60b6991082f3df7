"""Processes that the crash-safety and concurrency tests start: writers and a forking server.

Run as `python -m tests.reliability_helpers COMMAND 'JSON ARGUMENTS'` from the project root with
INSTANCE_PATH, SECRET_KEY and DATABASE_URL in the environment, as a real server has them. Each
process has its own app built from those settings and its own connections: it shares nothing
with the test, or with the other writers, but the database.
A writer prints one JSON line when it is done; the forking server talks over stdin and stdout.
"""
from __future__ import annotations

import hashlib
import html
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SECRET = "reliability-test-secret"
CHANNEL = "phone"


# --- used by the tests --------------------------------------------------------------------------

def write_lock_free(engine) -> bool | None:
    """Whether another connection can take SQLite's write lock at once (None: not SQLite).

    For slow work (a PDF, a backup) that must not keep other workers' saves waiting.
    """
    import sqlite3

    if engine.dialect.name != "sqlite":
        return None
    other = sqlite3.connect(engine.url.database, timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")  # fails at once if someone holds the lock
        other.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        other.close()


def child_env(instance: Path, database_url: str) -> dict:
    """The environment of a process that runs the app on `database_url`."""
    env = dict(os.environ, INSTANCE_PATH=str(instance), SECRET_KEY=SECRET,
               DATABASE_URL=database_url, FLASK_DEBUG="0", PYTHONUNBUFFERED="1")
    env.pop("FLASK_APP", None)
    return env


def spawn(command: str, args: dict, env: dict, **popen) -> subprocess.Popen:
    """Start one helper process."""
    popen.setdefault("stdout", subprocess.PIPE)
    popen.setdefault("stderr", subprocess.PIPE)
    return subprocess.Popen([sys.executable, "-m", "tests.reliability_helpers", command,
                             json.dumps(args)], cwd=ROOT, env=env, text=True, **popen)


def run_together(command: str, args_list: list[dict], env: dict, timeout: float = 120) -> list[dict]:
    """Run one writer process per argument set at the same time; return their results.

    One helper interpreter builds the app and forks the writers, as gunicorn --preload forks its
    workers: each writer has its own copy of the app and opens its own connections. That saves
    a second or two of start-up per writer on a two-core machine.
    """
    process = spawn("together", {"command": command, "args_list": args_list}, env)
    try:
        out, err = process.communicate(timeout=timeout)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    if process.returncode != 0:
        raise AssertionError(f"{command} writers failed ({process.returncode}):\n{err[-6000:]}")
    return json.loads(out.strip().splitlines()[-1])


def report_figures(name: str, **figures) -> None:
    """Keep a test's figures for docs/SECURITY.md when RELIABILITY_FIGURES names a file."""
    target = os.environ.get("RELIABILITY_FIGURES")
    if target:
        with open(target, "a", encoding="utf-8") as handle:
            handle.write(json.dumps({"test": name, **figures}) + "\n")


def table_hashes(connection, tables: list[str], only: dict[str, set] | None = None) -> dict[str, str]:
    """Hash each table's rows in primary-key order (only the ids in `only[table]` where given).

    `connection` is a SQLAlchemy connection; values are hashed by their text form, so the same
    rows give the same hash on any database that returns the same Python values.
    """
    from sqlalchemy import text

    hashes = {}
    for table in tables:
        columns = [row[0] for row in connection.execute(
            text(f'SELECT * FROM "{table}" WHERE 1 = 0')).cursor.description]
        order = "id" if "id" in columns else ", ".join(f'"{c}"' for c in columns)
        wanted = only.get(table) if only else None
        digest = hashlib.sha256()
        for row in connection.execute(text(f'SELECT * FROM "{table}" ORDER BY {order}')):
            if wanted is not None and row.id not in wanted:
                continue
            digest.update(repr(tuple(_normal(v) for v in row)).encode())
        hashes[table] = digest.hexdigest()
    return hashes


def _normal(value):
    """One text form for values that two drivers may return as different types."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).hex()
    if isinstance(value, bool):
        return int(value)
    return str(value) if value is not None else None


class LiveClient:
    """A minimal HTTP client with a cookie, for a server that may be killed at any moment."""

    def __init__(self, port: int):
        self.port = port
        self.cookie = ""
        self.csrf = ""

    def request(self, method: str, path: str, fields: dict | None = None, timeout: float = 10,
                fragment: bool = False):
        """Send one request (as htmx does with `fragment`); return (status, body).

        Raises OSError when the server is gone.
        """
        import http.client
        from urllib.parse import urlencode

        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            headers = {"Cookie": self.cookie} if self.cookie else {}
            if fragment:
                headers["HX-Request"] = "true"
            body = None
            if fields is not None:
                body = urlencode({**fields, "csrf_token": self.csrf}, doseq=True)
                headers["Content-Type"] = "application/x-www-form-urlencoded"
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            try:
                content = response.read().decode("utf-8", "replace")
            except http.client.HTTPException:  # cut off after the status line
                if method == "GET":
                    raise ConnectionResetError("the page was cut off") from None
                return response.status, ""
            for header, value in response.getheaders():
                if header.lower() == "set-cookie":
                    self.cookie = value.split(";", 1)[0]
            token = re.search(r'name="csrf-token" content="([^"]+)"', content)
            if token:
                self.csrf = token.group(1)
            return response.status, content
        finally:
            connection.close()

    def login(self, email: str, password: str) -> None:
        """Sign in; fails loudly when the server does not let us in."""
        self.request("GET", "/login")
        status, _ = self.request("POST", "/login", {"email": email, "password": password})
        if status not in (302, 303):
            raise AssertionError(f"sign-in failed with {status}")
        status, _ = self.request("GET", "/")  # a page with a fresh CSRF token of the session
        if status != 200:
            raise AssertionError(f"home page after sign-in gave {status}")


def goal_form(body: str) -> tuple[int, str]:
    """Read the version and the text from a goal's edit form (the fragment htmx asks for)."""
    assert body.count('name="text"') == 1, "not the edit form alone"
    version = re.search(r'name="version"[^>]*value="(\d+)"|value="(\d+)"[^>]*name="version"', body)
    text = re.search(r'<textarea[^>]*name="text"[^>]*>(.*?)</textarea>', body, re.S)
    if not version or not text:
        raise AssertionError("no goal edit form in the page:\n" + body[:2000])
    return int(version.group(1) or version.group(2)), html.unescape(text.group(1)).strip()


def goal_fields(text: str, version: int) -> dict:
    """The goal edit form as a browser sends it, with a new text."""
    return {"text": text, "status": "open", "term": "short", "life_area": "", "means": "",
            "target_date": "", "review_date": "", "version": str(version)}


def contact_fields(note: str) -> dict:
    """The contact form as a browser sends it."""
    return {"on": date.today().isoformat(), "channel": CHANNEL, "minutes": "15",
            "worker_id": "", "peer_id": "", "note": note}


# --- inside the helper processes ----------------------------------------------------------------

_PRELOADED = None


def _app():
    """The app as a server builds it: settings from the environment.

    A writer forked by `together` gets the app its parent built before the fork, as a worker
    of gunicorn --preload does: its own copy in its own process, with no connection yet.
    """
    if _PRELOADED is not None:
        return _PRELOADED
    from association_tool import create_app

    return create_app()


def _wait_for_others(args: dict) -> None:
    """Meet the other writers at a barrier, so that they all write at the same time."""
    folder = Path(args["barrier"])
    (folder / f"ready-{args['tag']}").touch()
    deadline = time.monotonic() + 60
    while len(list(folder.glob("ready-*"))) < args["parties"]:
        if time.monotonic() > deadline:
            raise SystemExit("the other writers never came")
        time.sleep(0.005)


def service_writer(args: dict) -> dict:
    """Edit one client with the app's services over and over, and add contacts.

    Odd rounds read the client in one transaction and save in the next, as a person does
    (GET the form, POST it): a concurrent save shows as a stale version. Even rounds read and
    save in one transaction: on PostgreSQL a concurrent save shows at the flush instead.
    """
    from sqlalchemy.orm.exc import StaleDataError

    from association_tool.clients import services as clients
    from association_tool.forms import StaleEdit
    from association_tool.contacts import services as contacts
    from association_tool.extensions import db
    from association_tool.models import Client, User

    rng = random.Random(args["seed"])
    tag = args["tag"]
    result = {"edits": [], "stale_version": 0, "stale_flush": 0, "contacts": []}
    with _app().app_context():
        _wait_for_others(args)
        started = time.monotonic()
        for i in range(args["rounds"]):
            token = f"[{tag}.{i}]"
            client = db.session.get(Client, args["client_id"])
            version, notes = client.version, client.staff_notes or ""
            if i % 2:
                db.session.rollback()  # the form is on the screen; the person types
            time.sleep(rng.uniform(0, 0.02 if i % 2 else 0.005))
            try:
                client = db.session.get(Client, args["client_id"])
                actor = db.session.get(User, args["actor_id"])
                clients.update_client(client, {"staff_notes": notes + token}, version=version,
                                      actor=actor)
                db.session.commit()
            except StaleEdit:
                db.session.rollback()
                result["stale_version"] += 1
            except StaleDataError:
                db.session.rollback()
                result["stale_flush"] += 1
            else:
                result["edits"].append([token, version + 1])
            note = f"{tag}.{i}"
            contacts.create_contact(db.session.get(Client, args["client_id"]), on=date.today(),
                                    channel=CHANNEL, note=note, created_by_id=args["actor_id"])
            db.session.commit()
            result["contacts"].append(note)
        result["seconds"] = round(time.monotonic() - started, 2)
        db.engine.dispose()
    return result


def http_writer(args: dict) -> dict:
    """Edit one goal and add contacts through the app's own routes, with CSRF on.

    Each round opens the goal's edit form (as htmx does), waits a moment, and saves the text
    with a token added; a 303 is an acknowledged save, a 422 with the stale message a conflict.
    """
    app = _app()
    rng = random.Random(args["seed"])
    tag = args["tag"]
    client_id, goal_id = args["client_id"], args["goal_id"]
    edit_url = f"/clients/{client_id}/goals/{goal_id}/edit"
    result = {"edits": [], "stale": 0, "contacts": [], "unexpected": []}
    browser = app.test_client()
    page = browser.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    signed_in = browser.post("/login", data={"email": args["email"], "password": args["password"],
                                             "csrf_token": csrf})
    if signed_in.status_code not in (302, 303) or "/login" in signed_in.headers.get("Location", ""):
        raise SystemExit(f"sign-in failed: {signed_in.status_code}")
    _wait_for_others(args)
    started = time.monotonic()
    for i in range(args["rounds"]):
        form = browser.get(edit_url, headers={"HX-Request": "true"})
        body = form.get_data(as_text=True)
        if form.status_code != 200:
            result["unexpected"].append(f"GET edit {form.status_code}")
            continue
        version, text = goal_form(body)
        csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', body).group(1)
        time.sleep(rng.uniform(0, 0.01))
        token = f"[{tag}.{i}]"
        saved = browser.post(edit_url, data={**goal_fields(text + token, version),
                                             "csrf_token": csrf})
        if saved.status_code == 303:
            result["edits"].append([token, version + 1])
        elif saved.status_code == 422 and "goal-editing" in saved.get_data(as_text=True):
            result["stale"] += 1
        else:
            result["unexpected"].append(f"POST edit {saved.status_code}")
        note = f"{tag}.{i}"
        added = browser.post(f"/clients/{client_id}/contacts",
                             data={**contact_fields(note), "csrf_token": csrf})
        if added.status_code == 303:
            result["contacts"].append(note)
        else:
            result["unexpected"].append(f"POST contact {added.status_code}")
    result["seconds"] = round(time.monotonic() - started, 2)
    return result


def append_loop(args: dict) -> dict:
    """Add contacts with the services until told to stop; print the count after each commit.

    A short pause between commits leaves room for other writers, as people typing do.
    """
    from association_tool.contacts import services as contacts
    from association_tool.extensions import db
    from association_tool.models import Client

    stop = Path(args["stop_file"])
    deadline = time.monotonic() + args.get("max_seconds", 60)
    count = 0
    with _app().app_context():
        while not stop.exists() and time.monotonic() < deadline:
            contacts.create_contact(db.session.get(Client, args["client_id"]), on=date.today(),
                                    channel=CHANNEL, note=f"{args['tag']}.{count}" * 20,
                                    created_by_id=args["actor_id"])
            db.session.commit()
            count += 1
            print(count, flush=True)
            time.sleep(args.get("pause", 0.005))
        db.engine.dispose()
    return {"contacts": count}


def _warm_up(app, paths: list[str], email: str | None = None, password: str | None = None):
    """Serve the pages the writers use once, so that each forked server has its templates and
    translations loaded already, as a server that has been running a while has."""
    browser = app.test_client()
    page = browser.get("/login").get_data(as_text=True)
    if email:
        csrf = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
        browser.post("/login", data={"email": email, "password": password, "csrf_token": csrf})
    for path in paths:
        browser.get(path, headers={"HX-Request": "true"})
        browser.get(path)


def fork_server(args: dict) -> None:
    """Serve the app with Werkzeug's threaded server (what `flask run` uses) in forked children.

    The app is imported and built once here; each `start` on stdin forks a child that serves it
    on a fresh port (a start takes milliseconds instead of a second for a new interpreter), and
    `kill` ends that child with SIGKILL, as a power cut or an OOM kill would end a server. Each
    command is answered with one line on stdout.
    """
    from werkzeug.serving import make_server

    from association_tool.extensions import db

    app = _app()
    _warm_up(app, args.get("warm_up", []), args.get("email"), args.get("password"))
    with app.app_context():
        db.engine.dispose()  # no connection crosses a fork
    child = None
    for line in sys.stdin:
        command = line.strip()
        if command == "start":
            listener = socket.socket()
            listener.bind(("127.0.0.1", 0))
            listener.listen(64)
            port = listener.getsockname()[1]
            child = os.fork()
            if child == 0:  # the server
                try:
                    signal.signal(signal.SIGINT, signal.SIG_DFL)
                    server = make_server("127.0.0.1", port, app, threaded=True,
                                         fd=listener.fileno())
                    server.serve_forever()
                finally:
                    os._exit(1)
            listener.close()
            print(f"{child} {port}", flush=True)
        elif command == "kill":
            os.kill(child, signal.SIGKILL)
            _, status = os.waitpid(child, 0)
            child = None
            print(f"killed {status}", flush=True)
        elif command == "quit":
            break
    if child:
        os.kill(child, signal.SIGKILL)
        os.waitpid(child, 0)


def together(args: dict) -> list[dict]:
    """Fork one writer per argument set from this interpreter, which has built the app."""
    global _PRELOADED
    import traceback

    import association_tool.clients.services  # noqa: F401  (imported once, before the forks)
    import association_tool.contacts.services  # noqa: F401
    from association_tool import create_app
    from association_tool.extensions import db

    _PRELOADED = create_app()
    with _PRELOADED.app_context():
        db.engine.dispose()  # no connection crosses a fork
    sys.stdout.flush()

    children = []
    for child_args in (args_list := args["args_list"]):
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # a writer
            os.close(read_end)
            code = 0
            try:
                payload = json.dumps(COMMANDS[args["command"]](child_args))
            except BaseException:  # report anything to the parent, then die
                payload = json.dumps({"error": traceback.format_exc()})
                code = 1
            with os.fdopen(write_end, "w") as pipe:
                pipe.write(payload)
            os._exit(code)
        os.close(write_end)
        children.append((pid, read_end))
    results, failures = [], []
    for pid, read_end in children:
        with os.fdopen(read_end) as pipe:
            result = json.loads(pipe.read() or '{"error": "no result"}')
        _, status = os.waitpid(pid, 0)
        if status or "error" in result:
            failures.append(result.get("error", f"exit status {status}"))
        results.append(result)
    if failures:
        print("\n".join(failures), file=sys.stderr)
        raise SystemExit(1)
    assert len(results) == len(args_list)
    return results


COMMANDS = {"service-writer": service_writer, "http-writer": http_writer,
            "append-loop": append_loop, "fork-server": fork_server, "together": together}

if __name__ == "__main__":
    outcome = COMMANDS[sys.argv[1]](json.loads(sys.argv[2]))
    if outcome is not None:
        print(json.dumps(outcome), flush=True)
