"""The render process: WeasyPrint in a separate interpreter, bounded in time from outside.

One long-lived render process per app process, started on first use: a fresh Python interpreter
(`python -m association_tool.pdf --worker`) that holds no secrets and no database connections.
WeasyPrint cannot be interrupted inside a thread, so the limit is enforced from the app's side:
when the deadline passes, the render process is killed (SIGKILL) and a new one is started for
the next document. A request therefore never waits longer than the limit. Documents go over the
process's stdin and stdout as length-prefixed frames (a JSON header, the HTML, the logo bytes).
"""
from __future__ import annotations

import atexit
import json
import logging
import os
import select
import shutil
import struct
import subprocess  # nosec B404 # starts our own render process, with a fixed argument list
import sys
import tempfile
import threading
import time

from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l

from .sandbox import PRINT_CSS_URL, PROJECT_ROOT, render_document, static_assets

WORKER_MAX_DOCUMENTS = 500         # then a fresh render process, so memory cannot creep up
WORKER_MEMORY_LIMIT = 1536 * 1024 * 1024  # address space of the render process (RLIMIT_AS)


def log() -> logging.Logger:
    """The app's logger (the one deployments configure), or the PDF engine's outside an app."""
    return current_app.logger if has_app_context() else logging.getLogger("association_tool.pdf")


class PdfError(Exception):
    """A document could not be made; `str()` says why for the log, `user_message` for people."""

    def __init__(self, message: str, *, timed_out: bool = False, busy: bool = False) -> None:
        super().__init__(message)
        self.timed_out = timed_out
        self.busy = busy

    @property
    def status(self) -> int:
        """503 when trying again later can help (time limit, busy), else 500."""
        return 503 if self.timed_out or self.busy else 500

    @property
    def user_message(self):
        """What the person who asked for the document is told, in their language."""
        if self.timed_out or self.busy:
            return _l("Making the PDF took too long. Try again in a moment; if this happens "
                      "again, tell the administrator.")
        return _l("The PDF could not be made. Try again; if this happens again, tell the "
                  "administrator.")


# --- The render process, seen from the app ----------------------------------------------------

_WORKERS: dict[int, "RenderWorker"] = {}
_WORKERS_LOCK = threading.Lock()


def current_worker() -> "RenderWorker":
    """Return this process's render worker (a forked app server process gets its own)."""
    pid = os.getpid()
    with _WORKERS_LOCK:
        worker = _WORKERS.get(pid)
        if worker is None:
            _WORKERS.clear()  # a parent's worker belongs to the parent: never reuse or kill it
            worker = _WORKERS[pid] = RenderWorker()
        return worker


@atexit.register
def _stop_workers() -> None:
    """Stop this process's render process and remove its temporary folder."""
    worker = _WORKERS.get(os.getpid())
    if worker is not None:
        worker.stop()


def _frame(data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + data


class RenderWorker:
    """A render process reached through its stdin and stdout; one document at a time."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._proc: subprocess.Popen | None = None
        self._tmpdir: str | None = None
        self._documents = 0
        self.last_render_ms = 0.0

    def render(self, html: str, logo, *, deadline: float, timeout: float, template: str) -> dict:
        """Send one document and wait for the PDF until `deadline`; kill the process after."""
        if not self._lock.acquire(timeout=max(0.0, deadline - time.monotonic())):
            raise PdfError(f"PDF {template}: the render process stayed busy for {timeout:g} s",
                           busy=True)
        try:
            self.ensure_started(deadline)
            header = json.dumps({"logo_mime": logo[0] if logo else None}).encode()
            message = (_frame(header) + _frame(html.encode("utf-8"))
                       + _frame(logo[1] if logo else b""))
            try:
                self._write(message, deadline)
                reply = json.loads(self._read_frame(deadline))
                pdf = self._read_frame(deadline) if reply.get("ok") else b""
            except TimeoutError:
                self.stop()
                raise PdfError(f"PDF {template}: rendering took longer than {timeout:g} s; "
                               "the render process was stopped", timed_out=True) from None
            except (OSError, EOFError, ValueError) as exc:
                self.stop()
                raise PdfError(f"PDF {template}: the render process failed ({exc})") from exc
            self._documents += 1
            if self._documents >= WORKER_MAX_DOCUMENTS:
                self.stop()
            if not reply.get("ok"):
                raise PdfError(f"PDF {template}: {reply.get('error', 'unknown error')}")
            self.last_render_ms = float(reply.get("render_ms", 0.0))
            return {"pdf": pdf, "refused": reply.get("refused", []),
                    "render_ms": self.last_render_ms}
        finally:
            self._lock.release()

    def ensure_started(self, deadline: float) -> None:
        """Start the render process unless it is running; wait for it until `deadline`."""
        if self._proc is not None and self._proc.poll() is None:
            return
        self.stop()
        env = {key: value for key, value in os.environ.items()
               if key in ("PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TMPDIR", "TZ",
                          "PYTHONPATH", "XDG_CACHE_HOME", "FONTCONFIG_PATH", "FONTCONFIG_FILE",
                          "VIRTUAL_ENV")}
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT_ROOT),
                                                          env.get("PYTHONPATH")]))
        # WeasyPrint writes @font-face fonts to temporary files; a killed process cannot
        # remove its own, so it gets a folder of its own that `stop` removes.
        self._tmpdir = env["TMPDIR"] = tempfile.mkdtemp(prefix="assoc-pdf-")
        self._proc = subprocess.Popen(  # nosec B603 # fixed arguments, our own interpreter
            [sys.executable, "-m", "association_tool.pdf", "--worker"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=str(PROJECT_ROOT), env=env,
            close_fds=True, start_new_session=True)
        self._documents = 0
        for stream in (self._proc.stdin, self._proc.stdout):
            os.set_blocking(stream.fileno(), False)
        try:
            ready = json.loads(self._read_frame(deadline))
        except (TimeoutError, OSError, EOFError, ValueError) as exc:
            self.stop()
            raise PdfError(f"the PDF render process did not start ({exc!r})",
                           timed_out=isinstance(exc, TimeoutError)) from exc
        if not ready.get("ready"):
            self.stop()
            raise PdfError(f"the PDF render process did not start: {ready}")

    def stop(self) -> None:
        """Kill the render process (if any) and collect it."""
        proc, self._proc = self._proc, None
        tmpdir, self._tmpdir = self._tmpdir, None
        if proc is None:
            if tmpdir:
                shutil.rmtree(tmpdir, ignore_errors=True)
            return
        if proc.poll() is None:
            proc.kill()
        for stream in (proc.stdin, proc.stdout):
            try:
                stream.close()
            except OSError:
                pass
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:  # pragma: no cover - SIGKILL is not refused
            log().error("PDF render process %s did not exit after SIGKILL", proc.pid)
        if tmpdir:
            shutil.rmtree(tmpdir, ignore_errors=True)

    def _write(self, data: bytes, deadline: float) -> None:
        fd = self._proc.stdin.fileno()
        view = memoryview(data)
        while view:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            _, writable, _ = select.select([], [fd], [], remaining)
            if writable:
                try:
                    view = view[os.write(fd, view):]
                except BlockingIOError:
                    continue

    def _read_exact(self, size: int, deadline: float) -> bytes:
        fd = self._proc.stdout.fileno()
        chunks, missing = [], size
        while missing:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            readable, _, _ = select.select([fd], [], [], remaining)
            if not readable:
                continue
            try:
                chunk = os.read(fd, min(missing, 1 << 20))
            except BlockingIOError:
                continue
            if not chunk:
                raise EOFError("the render process ended")
            chunks.append(chunk)
            missing -= len(chunk)
        return b"".join(chunks)

    def _read_frame(self, deadline: float) -> bytes:
        (size,) = struct.unpack(">I", self._read_exact(4, deadline))
        return self._read_exact(size, deadline)


# --- Inside the render process ------------------------------------------------------------

def serve() -> int:
    """Serve documents over stdin/stdout until stdin closes (the render process's main loop)."""
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (WORKER_MEMORY_LIMIT, WORKER_MEMORY_LIMIT))
    except (ImportError, ValueError, OSError):  # pragma: no cover - not every platform
        pass
    inp = os.fdopen(os.dup(0), "rb")
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # stray prints (Python or C) go to stderr, never into the protocol
    sys.stdout = sys.stderr

    def read_exact(size: int) -> bytes:
        data = inp.read(size)
        if len(data) != size:
            raise EOFError
        return data

    def read_frame() -> bytes:
        return read_exact(struct.unpack(">I", read_exact(4))[0])

    def send(header: dict, body: bytes | None = None) -> None:
        out.write(_frame(json.dumps(header).encode()))
        if body is not None:
            out.write(_frame(body))
        out.flush()

    static_assets()
    render_document('<html lang="fi"><head><title>.</title>'
                    f'<link rel="stylesheet" href="{PRINT_CSS_URL}"></head>'
                    '<body><p>☐ äöå <b>ÄÖÅ</b></p></body></html>')  # warm fonts and Pango
    send({"ready": True, "pid": os.getpid()})
    while True:
        try:
            header = json.loads(read_frame())
            html = read_frame().decode("utf-8")
            logo_bytes = read_frame()
        except EOFError:
            return 0
        logo = (header["logo_mime"], logo_bytes) if header.get("logo_mime") else None
        started = time.perf_counter()
        try:
            pdf, refused = render_document(html, logo)
        except MemoryError:
            send({"ok": False, "error": "the document needed too much memory"})
            return 1  # start afresh after running out of memory
        except Exception as exc:  # reported to the app, which raises PdfError
            send({"ok": False, "error": f"{type(exc).__name__}: {exc}"[:500]})
            continue
        send({"ok": True, "refused": refused,
              "render_ms": (time.perf_counter() - started) * 1000}, pdf)
