"""Self-hosting: `make run` serves with gunicorn and refuses a taken port; the files `make
install` writes are valid systemd units and a valid Caddy configuration; Caddy in front of the
app serves HTTPS from its own authority, the app sees https and the browser's address, and slow
browsers do not stall anyone; `make upgrade` rolls back a failing migration.

Starts real processes on 127.0.0.1; each part skips with a reason where its tool is missing.
"""
import http.client
import os
import re
import shutil
import signal
import socket
import sqlite3
import ssl
import subprocess
import sys
import threading
import time
from configparser import ConfigParser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import selfhost  # noqa: E402

VENV = Path(sys.executable).parent
PASSWORD = "Pitkä-salasana-kokeiluun-7"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for(port: int, process: subprocess.Popen, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the server stopped: {process.stderr.read().decode()[-2000:]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    pytest.fail("the server did not start")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _app_env(instance: Path, **extra) -> dict:
    env = dict(os.environ, INSTANCE_PATH=str(instance), SECRET_KEY="selfhost-test-key", **extra)
    for name in ("DATABASE_URL", "TOTP_ENCRYPTION_KEY", "PYTEST_XDIST_WORKER"):
        env.pop(name, None)
    return env


@pytest.fixture
def instance(tmp_path, sqlite_template):
    folder = tmp_path / "instance"
    folder.mkdir()
    shutil.copy(sqlite_template, folder / "association.db")
    return folder


# --- make run ----------------------------------------------------------------------------------

@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_run_serves_with_gunicorn_and_says_when_the_port_is_taken(instance):
    port = _free_port()
    env = _app_env(instance)
    server = subprocess.Popen(["make", "--no-print-directory", "run", f"PORT={port}"], cwd=ROOT,
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              start_new_session=True)
    try:
        _wait_for(port, server, 60)
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        connection.request("GET", "/healthz")
        answer = connection.getresponse()
        body = answer.read().decode()
        assert answer.getheader("Server", "").startswith("gunicorn")
        assert '"database":"ok"' in body.replace(" ", "") and '"migrations":"current"' in body.replace(" ", "")
        again = subprocess.run(["make", "--no-print-directory", "run", f"PORT={port}"], cwd=ROOT,
                               env=env, capture_output=True, text=True, timeout=120)
        assert again.returncode != 0
        assert f"Port {port} on 127.0.0.1 is already in use" in again.stderr
        assert "Traceback" not in again.stderr
    finally:
        _stop(server)


# --- the files make install writes ---------------------------------------------------------------

def _rendered(tmp_path, name=None):
    layout = selfhost.Layout(checkout=ROOT, data=tmp_path / "data", etc=tmp_path / "etc",
                             systemd=tmp_path / "systemd", caddy=tmp_path / "caddy")
    files = selfhost.render(layout, name)
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return layout, files


def test_the_units_run_the_app_as_its_own_user_and_restart_it(tmp_path):
    layout, _ = _rendered(tmp_path)
    app_unit = ConfigParser(strict=True, interpolation=None)
    app_unit.read(layout.systemd / "asiakastyo.service")
    service = app_unit["Service"]
    assert service["User"] == "asiakastyo" and service["Restart"] == "on-failure"
    assert "--bind 127.0.0.1:8000" in service["ExecStart"]
    assert "gthread" in service["ExecStart"]
    assert service["ReadWritePaths"] == str(tmp_path / "data")
    assert app_unit["Install"]["WantedBy"] == "multi-user.target"
    timer = ConfigParser(strict=True, interpolation=None)
    timer.read(layout.systemd / "asiakastyo-backup.timer")
    assert timer["Timer"]["Persistent"] == "true" and timer["Timer"]["OnCalendar"]
    backup = ConfigParser(strict=True, interpolation=None)
    backup.read(layout.systemd / "asiakastyo-backup.service")
    assert backup["Service"]["ExecStart"].endswith("flask --app app scheduled-backup")
    env = (layout.etc / "env").read_text()
    assert "SESSION_COOKIE_SECURE=1" in env and "PROXY_FIX=1" in env
    assert f"INSTANCE_PATH={tmp_path / 'data'}/instance" in env


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is missing")
def test_systemd_accepts_the_units(tmp_path):
    layout, _ = _rendered(tmp_path)
    units = sorted(str(p) for p in layout.systemd.iterdir())
    result = subprocess.run(["systemd-analyze", "verify", *units], capture_output=True,
                            text=True, timeout=60)
    problems = [line for line in (result.stdout + result.stderr).splitlines()
                if "asiakastyo" in line and "Failed to" not in line.split(":")[0]]
    assert result.returncode == 0, result.stderr
    assert problems == [], problems
    # and it does notice a broken unit, so the check above means something
    broken = layout.systemd / "broken.service"
    broken.write_text("[Service]\nExecStart=relative/path\n")
    assert subprocess.run(["systemd-analyze", "verify", str(broken)], capture_output=True,
                          timeout=60).returncode != 0


@pytest.mark.skipif(shutil.which("caddy") is None, reason="caddy is not installed")
@pytest.mark.parametrize("name", [None, "asiakastyo.example.org"])
def test_caddy_accepts_the_configuration(tmp_path, name):
    layout, _ = _rendered(tmp_path, name)
    result = subprocess.run(["caddy", "adapt", "--config", str(layout.caddy / "Caddyfile"),
                             "--adapter", "caddyfile"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert '"request_buffers"' in result.stdout or '"buffer_requests":true' in result.stdout


# --- Caddy in front of the app ----------------------------------------------------------------

class _Proxy:
    def __init__(self, https_port: int):
        self.port = https_port
        self.context = ssl.create_default_context()
        self.context.check_hostname = False
        self.context.verify_mode = ssl.CERT_NONE  # Caddy's own authority, not trusted here

    def request(self, method, path, body=None, headers=None, source="127.0.0.1"):
        connection = http.client.HTTPSConnection("127.0.0.1", self.port, timeout=10,
                                                 context=self.context,
                                                 source_address=(source, 0))
        connection.request(method, path, body=body, headers=headers or {})
        answer = connection.getresponse()
        return answer, answer.read().decode("utf-8", "replace")


@pytest.fixture
def proxied_app(tmp_path, instance):
    """gunicorn as the unit starts it, behind Caddy with the installed configuration."""
    if shutil.which("caddy") is None:
        pytest.skip("caddy is not installed (Debian package 'caddy')")
    created = subprocess.run(
        [str(VENV / "flask"), "--app", "app", "users", "create", "--role", "admin",
         "--email", "aino@yhdistys.example.org", "--name", "Aino"], cwd=ROOT,
        env=_app_env(instance), input=PASSWORD + "\n", capture_output=True, text=True, timeout=60)
    assert created.returncode == 0, created.stderr
    app_port, http_port, https_port = _free_port(), _free_port(), _free_port()
    app = subprocess.Popen(
        [str(VENV / "gunicorn"), "--worker-class", "gthread", "--workers", "2", "--threads", "4",
         "--bind", f"127.0.0.1:{app_port}", "app:app"], cwd=ROOT,
        env=_app_env(instance, SESSION_COOKIE_SECURE="1", PROXY_FIX="1"),
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    layout = selfhost.Layout(data=tmp_path / "data", port=app_port)
    caddyfile = tmp_path / "Caddyfile"
    caddyfile.write_text(selfhost.caddyfile(layout, None, ["127.0.0.1"], (http_port, https_port)))
    proxy = subprocess.Popen(["caddy", "run", "--config", str(caddyfile), "--adapter", "caddyfile"],
                             env=dict(os.environ, XDG_DATA_HOME=str(tmp_path / "caddy-data"),
                                      XDG_CONFIG_HOME=str(tmp_path / "caddy-config"),
                                      HOME=str(tmp_path)),
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                             start_new_session=True)
    try:
        _wait_for(app_port, app)
        _wait_for(https_port, proxy)
        yield _Proxy(https_port), instance
    finally:
        _stop(proxy)
        _stop(app)


def _sign_in(proxy: _Proxy, source: str, referer: bool = True):
    answer, page = proxy.request("GET", "/login", source=source)
    assert answer.status == 200, page[:500]
    cookie = answer.getheader("Set-Cookie").split(";", 1)[0]
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or \
        re.search(r'name="csrf_token" value="([^"]+)"', page)
    from urllib.parse import urlencode

    body = urlencode({"csrf_token": token.group(1), "email": "aino@yhdistys.example.org",
                      "password": PASSWORD})
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie}
    if referer:
        headers["Referer"] = f"https://127.0.0.1:{proxy.port}/login"
    return proxy.request("POST", "/login", body=body, headers=headers, source=source)


def test_the_app_behind_caddy_sees_https_and_the_browsers_address(proxied_app):
    proxy, instance = proxied_app
    answer, _ = proxy.request("GET", "/healthz")
    assert answer.status in (200, 503) and answer.getheader("Server").startswith("Caddy")
    # Over https, Flask-WTF insists on a same-site Referer: refused without one, which it only
    # does when the app knows the request came over https (X-Forwarded-Proto through PROXY_FIX).
    refused, _ = _sign_in(proxy, "127.0.0.2", referer=False)
    assert refused.status == 400
    answer, page = _sign_in(proxy, "127.0.0.2")
    assert answer.status == 302, page[:500]
    assert "Secure" in answer.getheader("Set-Cookie")
    with sqlite3.connect(instance / "association.db") as database:
        addresses = [row[0] for row in database.execute("SELECT ip FROM auth_session")]
    assert addresses == ["127.0.0.2"]  # the browser's address, not the proxy's 127.0.0.1


def _slow_browser(port: int, context, stop: threading.Event, body: bool) -> None:
    """Open a TLS connection and send a request a few bytes at a time until told to stop."""
    try:
        raw = socket.create_connection(("127.0.0.1", port), timeout=30)
        connection = context.wrap_socket(raw, server_hostname="127.0.0.1")
        if body:
            head = ("POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
                    "application/x-www-form-urlencoded\r\nContent-Length: 100000\r\n\r\n")
            connection.sendall(head.encode())
            drip = b"a"
        else:
            drip = None
        request = b"GET /login HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "
        index = 0
        while not stop.is_set():
            if drip:
                connection.sendall(drip)
            elif index < len(request):
                connection.sendall(request[index:index + 1])
                index += 1
            else:
                connection.sendall(b"x")
            stop.wait(0.2)
        connection.close()
    except OSError:
        pass


@pytest.mark.parametrize("with_body", [False, True], ids=["slow-headers", "slow-bodies"])
def test_slow_browsers_do_not_stall_other_pages(proxied_app, with_body):
    proxy, _instance = proxied_app
    for _ in range(3):
        proxy.request("GET", "/login")  # warm: the workers have loaded the app
    stop = threading.Event()
    browsers = [threading.Thread(target=_slow_browser, daemon=True,
                                 args=(proxy.port, proxy.context, stop, with_body))
                for i in range(25)]
    for browser in browsers:
        browser.start()
    try:
        time.sleep(1.5)  # they are all connected and sending, slowly
        for _ in range(5):
            started = time.monotonic()
            answer, page = proxy.request("GET", "/login")
            took = time.monotonic() - started
            assert answer.status == 200
            assert took < 1.0, f"a normal page took {took:.2f} s behind 25 slow browsers"
    finally:
        stop.set()
        for browser in browsers:
            browser.join(5)


# --- make upgrade ------------------------------------------------------------------------------

def _git(cwd, *args):
    return subprocess.run(["git", "-C", str(cwd), *args], check=True, capture_output=True,
                          text=True).stdout.strip()


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_upgrade_rolls_back_a_failing_migration_and_keeps_the_data(tmp_path, instance):
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    upstream = tmp_path / "upstream"
    subprocess.run(["git", "clone", "--quiet", "--no-hardlinks", str(ROOT), str(upstream)],
                   check=True)
    checkout = tmp_path / "checkout"
    subprocess.run(["git", "clone", "--quiet", str(upstream), str(checkout)], check=True)
    if not (checkout / ".venv").exists():
        (checkout / ".venv").symlink_to(VENV.parent)
    before = _git(checkout, "rev-parse", "HEAD")
    # Data the upgrade must not lose.
    created = subprocess.run(
        [str(VENV / "flask"), "--app", "app", "users", "create", "--role", "admin",
         "--email", "aino@yhdistys.example.org", "--name", "Aino"], cwd=checkout,
        env=_app_env(instance), input=PASSWORD + "\n", capture_output=True, text=True, timeout=60)
    assert created.returncode == 0, created.stderr
    database = instance / "association.db"
    with sqlite3.connect(database) as db:
        users_before = db.execute("SELECT id, email, password_hash FROM user").fetchall()
        version_before = db.execute("SELECT version_num FROM alembic_version").fetchall()
    # A release whose migration changes a table, then fails half-way.
    heads = subprocess.run([str(VENV / "flask"), "--app", "app", "db", "heads"], cwd=checkout,
                           env=_app_env(instance), capture_output=True, text=True,
                           check=True).stdout.split()[0]
    (upstream / "migrations" / "versions" / "9999_broken.py").write_text(f'''"""A broken release."""
from alembic import op
import sqlalchemy as sa

revision = "9999"
down_revision = "{heads}"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("UPDATE user SET email = 'lost@example.org'")
    op.execute("SELECT no_such_function()")


def downgrade():
    pass
''')
    _git(upstream, "add", "-A")
    _git(upstream, "-c", "user.name=Release", "-c", "user.email=release@example.org",
         "commit", "-qm", "A release with a broken migration")
    layout = selfhost.Layout(checkout=checkout, data=tmp_path / "data", etc=tmp_path / "etc",
                             user=selfhost._current_user())
    (layout.data / "backups").mkdir(parents=True)
    layout.etc.mkdir()
    (layout.etc / "env").write_text(f"INSTANCE_PATH={instance}\nSECRET_KEY=selfhost-test-key\n")
    status = selfhost.upgrade(layout, systemctl="true")
    assert status == 1
    assert _git(checkout, "rev-parse", "HEAD") == before
    assert not (checkout / "migrations" / "versions" / "9999_broken.py").exists()
    with sqlite3.connect(database) as db:
        assert db.execute("SELECT id, email, password_hash FROM user").fetchall() == users_before
        assert db.execute("SELECT version_num FROM alembic_version").fetchall() == version_before
    verified = subprocess.run([str(VENV / "flask"), "--app", "app", "audit", "verify"],
                              cwd=checkout, env=_app_env(instance), capture_output=True, text=True)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert list((layout.data / "backups").glob("before-upgrade-*.db"))
