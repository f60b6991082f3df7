"""The documented server command (README, "Deployment on a server") keeps answering while
connections are held open: gunicorn's default sync workers served one connection each, so a
few connections opened and left silent stalled every page.

Starts gunicorn on 127.0.0.1 with the README's own command line; skips without gunicorn.
"""
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HELD_CONNECTIONS = 25


def documented_command() -> list[str]:
    """The gunicorn arguments of README.md's deployment section."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Deployment on a server", 1)[1].split("\n## ", 1)[0]
    line = next(line for line in section.splitlines() if "bin/gunicorn" in line)
    words = shlex.split(line)
    return words[next(i for i, w in enumerate(words) if w.endswith("bin/gunicorn")) + 1:]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(port: int, path: str = "/setup", timeout: float = 5) -> tuple[float, bytes]:
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as conn:
        conn.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
                     .encode())
        head = conn.recv(64)
    return time.monotonic() - started, head


def test_the_readme_command_is_not_stalled_by_held_connections(sqlite_template, tmp_path):
    gunicorn = Path(sys.executable).with_name("gunicorn")
    if not gunicorn.exists() and shutil.which("gunicorn") is None:
        pytest.skip("gunicorn is not installed")
    args = documented_command()
    assert "127.0.0.1:8000" in args, "the README binds gunicorn to localhost"
    port = _free_port()
    args = [a.replace("127.0.0.1:8000", f"127.0.0.1:{port}") for a in args]
    shutil.copy(sqlite_template, tmp_path / "association.db")
    env = dict(os.environ, INSTANCE_PATH=str(tmp_path), SECRET_KEY="deployment-test-key",
               SESSION_COOKIE_SECURE="1", PROXY_FIX="1")
    env.pop("DATABASE_URL", None)
    env.pop("TOTP_ENCRYPTION_KEY", None)
    server = subprocess.Popen([str(gunicorn if gunicorn.exists() else "gunicorn"), *args],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, start_new_session=True)
    held = []
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                _, head = _get(port)
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("gunicorn did not start: " + server.stderr.read().decode()[-2000:])
                time.sleep(0.1)
        assert head.startswith(b"HTTP/1.1 200"), head
        # Connections opened and left silent, as browsers' spare connections and idle
        # keep-alives are, and as a careless or hostile client can open by the dozen.
        held = [socket.create_connection(("127.0.0.1", port)) for _ in range(HELD_CONNECTIONS)]
        time.sleep(0.3)
        for _ in range(3):
            took, head = _get(port)
            assert head.startswith(b"HTTP/1.1 200"), head
            assert took < 1.0, f"a page took {took:.1f} s with {HELD_CONNECTIONS} connections held"
    finally:
        for conn in held:
            conn.close()
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
