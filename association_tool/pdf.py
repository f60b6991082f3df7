"""PDF documents from templates: Jinja + print CSS, rendered by WeasyPrint in a worker process.

How a document is made (SECURITY.md 13, 16, 17; ARCHITECTURE.md 6):

1. `render_pdf` renders `pdf/<document>.html` (which extends `pdf/base.html`) with Flask's
   `render_template`, autoescaped, in the document's own language.
2. The HTML string goes to a long-lived render process (one per app process, started on first
   use, a fresh Python interpreter that holds no secrets and no database connections).
   WeasyPrint cannot be interrupted inside a thread, so the limit is enforced from outside:
   when PDF_TIMEOUT_SECONDS pass, the render process is killed (SIGKILL) and a new one is
   started for the next document. A request therefore never waits longer than the limit.
3. In the render process, `<style>`, `style=""` on HTML elements, every `<link>` but the print
   stylesheet, and `rel=attachment` are removed from the parsed tree: styles come only from
   print.css, and no file is ever embedded (WeasyPrint is also given `attachments=[]`).
4. The URL fetcher serves only the app's own assets, from memory, under the `app-asset:`
   scheme (the print CSS, DejaVu Sans regular and bold, and the caller's logo). Every other
   URL (file:, http(s):, ftp:, data:, anything) is refused without touching the network or
   the disk; WeasyPrint logs the refusal and leaves the resource out.
5. The output is PDF/UA-1 (tagged, with title and language), with no embedded files.

Routes call `render_pdf` and `pdf_response`, and let `PdfError` reach the error handler that
`init_app` registers (a friendly 503/500 page in the user's language).
"""
from __future__ import annotations

import atexit
import json
import logging
import os
import re
import select
import shutil
import struct
import subprocess  # nosec B404 # starts our own render process, with a fixed argument list
import sys
import tempfile
import threading
import time
import unicodedata
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote

from flask import current_app, has_app_context, render_template, request
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from .database import end_read_transaction


PROJECT_ROOT = Path(__file__).resolve().parent.parent
ASSET_SCHEME = "app-asset:"
PRINT_CSS_URL = ASSET_SCHEME + "css/print.css"
LOGO_URL = ASSET_SCHEME + "logo"
PRINT_CSS_PATH = PROJECT_ROOT / "templates" / "pdf" / "print.css"
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONT_FILES = {
    ASSET_SCHEME + "fonts/DejaVuSans.ttf": "DejaVuSans.ttf",
    ASSET_SCHEME + "fonts/DejaVuSans-Bold.ttf": "DejaVuSans-Bold.ttf",
}
PDF_VARIANT = "pdf/ua-1"
DEFAULT_TIMEOUT_SECONDS = 20
LOGO_MAX_BYTES = 200 * 1024
MAX_FETCHES_PER_DOCUMENT = 16      # an SVG logo that refers to itself must not loop
WORKER_MAX_DOCUMENTS = 500         # then a fresh render process, so memory cannot creep up
WORKER_MEMORY_LIMIT = 1536 * 1024 * 1024  # address space of the render process (RLIMIT_AS)
_LANG_RE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")


def _log() -> logging.Logger:
    """The app's logger (the one deployments configure), or this module's outside an app."""
    return current_app.logger if has_app_context() else logging.getLogger(__name__)


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


# --- Public API ----------------------------------------------------------------------------

def render_pdf(template: str, *, title: str, lang: str, logo: tuple[str, bytes] | None = None,
               large_print: bool = False, **context) -> bytes:
    """Render `template` (extending pdf/base.html) to PDF bytes within PDF_TIMEOUT_SECONDS.

    `title` and `lang` go into the document and its metadata; `logo` is an optional
    `(mime type, bytes)` shown in the header (None: the association's logo from the admin
    settings, if any; `False`: no logo); `large_print` sets 16 pt text. The other keyword
    arguments are the template's context (autoescaped). Needs an app context. Raises PdfError.
    The session's transaction ends before the render (end_read_transaction): save changes first.
    """
    started = time.monotonic()
    timeout = float(current_app.config.get("PDF_TIMEOUT_SECONDS", DEFAULT_TIMEOUT_SECONDS))
    deadline = started + timeout
    if not (template.startswith("pdf/") and template.endswith(".html")):
        raise ValueError(f"PDF templates are templates/pdf/*.html (autoescaped): {template!r}")
    if not _LANG_RE.match(lang or ""):
        raise ValueError(f"not a language tag: {lang!r}")
    logo = _checked_logo(logo if logo is not None else _association_logo())
    if "association" not in context:
        context["association"] = _association_name()
    with force_locale(lang.replace("-", "_")):
        html = render_template(template, title=title, lang=lang, has_logo=logo is not None,
                               large_print=large_print, **context)
    if f'<link rel="stylesheet" href="{PRINT_CSS_URL}">' not in html:
        raise ValueError(f"{template} must extend pdf/base.html")
    end_read_transaction()  # the document's text is made: no database lock while it renders
    result = _worker().render(html, logo, deadline=deadline, timeout=timeout, template=template)
    if result["refused"]:
        _log().warning("PDF %s: refused %d URL(s) while rendering: %s", template,
                       len(result["refused"]), ", ".join(result["refused"][:5]))
    _log().info("PDF %s made in %.0f ms (WeasyPrint %.0f ms), %d bytes", template,
                (time.monotonic() - started) * 1000, result["render_ms"], len(result["pdf"]))
    return result["pdf"]


def pdf_response(pdf_bytes: bytes, filename: str):
    """Return the PDF as a download: attachment, safe file name, never cached."""
    ascii_name, utf8_name = safe_filenames(filename)
    disposition = f'attachment; filename="{ascii_name}"'
    if utf8_name != ascii_name:
        disposition += f"; filename*=UTF-8''{quote(utf8_name, safe='')}"
    response = current_app.response_class(pdf_bytes, mimetype="application/pdf")
    response.headers["Content-Disposition"] = disposition
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.content_length = len(pdf_bytes)
    return response


def pdf_error_response(error: PdfError):
    """Answer a failed PDF with the app's error page (503 or 500) in the user's language."""
    from .extensions import db

    _log().error("PDF failed: %s", error)
    db.session.rollback()
    fragment = request.headers.get("HX-Request") and not request.headers.get("HX-Boosted")
    template = "errors/_error_fragment.html" if fragment else "errors/error.html"
    page = render_template(template, status=error.status, title=_l("Something went wrong"),
                           message=error.user_message)
    return page, error.status, {"Retry-After": "30"} if error.status == 503 else {}


def init_app(app) -> None:
    """Answer PdfError with the friendly page (the render process ends when the app does)."""
    app.config.setdefault("PDF_TIMEOUT_SECONDS", DEFAULT_TIMEOUT_SECONDS)
    app.register_error_handler(PdfError, pdf_error_response)


def safe_filenames(filename: str) -> tuple[str, str]:
    """Return (ASCII file name, UTF-8 file name), both without paths or odd characters."""
    name = unicodedata.normalize("NFC", str(filename or ""))
    name = re.sub(r"[\x00-\x1f\x7f/\\\"'`;:*?<>|]+", "-", name).strip(" .-")
    if not name.lower().endswith(".pdf"):
        name = (name or "document") + ".pdf"
    stem = name[:-4][:100].strip(" .-") or "document"
    utf8_name = stem + ".pdf"
    ascii_stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()
    ascii_stem = re.sub(r"[^A-Za-z0-9._-]+", "-", ascii_stem)
    ascii_stem = re.sub(r"-{2,}", "-", ascii_stem).strip(" .-") or "document"
    return ascii_stem + ".pdf", utf8_name


def warm_up() -> None:
    """Start the render process now, so that the first document is not slower (optional)."""
    worker = _worker()
    with worker._lock:
        worker.ensure_started(time.monotonic() + 60)


def _association_name() -> str:
    """Return the association's name for the header, or '' if it cannot be read."""
    try:
        from .settings import association_name

        return association_name() or ""
    except Exception:  # the header is not worth failing a document for
        return ""


def _association_logo():
    """Return the logo from the admin settings as (mime, bytes), or None (never fails a document)."""
    try:
        from .admin.logo import stored_logo

        return stored_logo()
    except Exception:  # a missing table or a broken row: the document goes out without a logo
        return None


def _checked_logo(logo):
    """Return a usable (mime, bytes) logo, or None (a wrong one is left out and logged)."""
    if not logo:
        return None
    mime, data = logo
    mime = str(mime or "").split(";")[0].strip().lower()
    data = bytes(data) if isinstance(data, (bytes, bytearray, memoryview)) else b""
    usable = 0 < len(data) <= LOGO_MAX_BYTES and (
        (mime == "image/png" and data[:8] == b"\x89PNG\r\n\x1a\n")
        or (mime == "image/jpeg" and data[:3] == b"\xff\xd8\xff")
        or (mime == "image/svg+xml" and b"<svg" in data[:4096].lower()))
    if not usable:
        _log().warning("PDF logo left out: type %r, %d bytes", mime, len(data))
        return None
    return mime, data


# --- The render process, seen from the app ----------------------------------------------------

_WORKERS: dict[int, "_RenderWorker"] = {}
_WORKERS_LOCK = threading.Lock()


def _worker() -> "_RenderWorker":
    """Return this process's render worker (a forked app server process gets its own)."""
    pid = os.getpid()
    with _WORKERS_LOCK:
        worker = _WORKERS.get(pid)
        if worker is None:
            _WORKERS.clear()  # a parent's worker belongs to the parent: never reuse or kill it
            worker = _WORKERS[pid] = _RenderWorker()
        return worker


@atexit.register
def _stop_workers() -> None:
    """Stop this process's render process and remove its temporary folder."""
    worker = _WORKERS.get(os.getpid())
    if worker is not None:
        worker.stop()


def _frame(data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + data


class _RenderWorker:
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
            _log().error("PDF render process %s did not exit after SIGKILL", proc.pid)
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

@lru_cache(maxsize=1)
def _static_assets() -> dict[str, tuple[str, bytes]]:
    """Read the print CSS and the fonts once; they are then served from memory."""
    assets = {PRINT_CSS_URL: ("text/css", PRINT_CSS_PATH.read_bytes())}
    for url, name in FONT_FILES.items():
        assets[url] = ("font/ttf", (FONT_DIR / name).read_bytes())
    return assets


def _make_fetcher(logo=None, refused: list | None = None):
    """Return a WeasyPrint URL fetcher that serves the app's assets and refuses all else."""
    from urllib.request import OpenerDirector

    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class AssetFetcher(URLFetcher):
        """Serve app-asset: URLs from memory; refuse every other URL before any I/O."""

        def __init__(self) -> None:
            OpenerDirector.__init__(self)  # no urllib handlers at all: nothing can be opened
            self._fail_on_errors = False
            self._timeout = 0
            self._http_headers = {}
            self._allowed_protocols = ()
            self._request = None
            self.assets = dict(_static_assets())
            if logo is not None:
                self.assets[LOGO_URL] = logo
            self.fetches = 0
            self.refused = refused if refused is not None else []

        def fetch(self, url, headers=None):
            self.fetches += 1
            asset = self.assets.get(url) if isinstance(url, str) else None
            if asset is None or self.fetches > MAX_FETCHES_PER_DOCUMENT:
                shown = str(url)[:80] + ("…" if len(str(url)) > 80 else "")
                self.refused.append(shown)
                raise ValueError(f"URL refused by the PDF engine: {shown}")
            mime, body = asset
            return URLFetcherResponse(url, body, {"Content-Type": mime})

        def open(self, url, data=None, timeout=None):
            return self.fetch(getattr(url, "full_url", url))

        def __call__(self, url):
            return self.fetch(url)

    return AssetFetcher()


def _local_name(tag) -> str:
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def _strip_unsafe(root) -> None:
    """Remove author styles, links other than the print CSS, and attachments, in place."""
    for parent in list(root.iter()):
        for child in list(parent):
            name = _local_name(child.tag)
            drop = name == "style" or (name == "link" and not (
                (child.get("rel") or "").strip().lower() == "stylesheet"
                and child.get("href") == PRINT_CSS_URL))
            if drop:
                if child.tail:  # keep the text that followed the removed element
                    previous = None
                    for sibling in parent:
                        if sibling is child:
                            break
                        previous = sibling
                    if previous is not None:
                        previous.tail = (previous.tail or "") + child.tail
                    else:
                        parent.text = (parent.text or "") + child.tail
                parent.remove(child)
    for element in root.iter():
        if "style" in element.attrib and not str(element.tag).startswith("{"):
            del element.attrib["style"]
        if "attachment" in (element.get("rel") or "").lower().split():
            del element.attrib["rel"]


def render_document(html: str, logo=None) -> tuple[bytes, list[str]]:
    """Turn finished HTML into PDF bytes with the restricted fetcher (no time limit here)."""
    import cssselect2
    from weasyprint import HTML

    refused: list[str] = []
    fetcher = _make_fetcher(logo, refused)
    document = HTML(string=html, url_fetcher=fetcher)
    _strip_unsafe(document.etree_element)
    document.wrapper_element = cssselect2.ElementWrapper.from_html_root(document.etree_element)
    document.etree_element = document.wrapper_element.etree_element
    rendered = document.render(pdf_variant=PDF_VARIANT, attachments=[])
    rendered.metadata.attachments = []
    for page in rendered.pages:
        page.links = [link for link in page.links if link[0] != "attachment"]
    pdf = rendered.write_pdf(pdf_variant=PDF_VARIANT, attachments=[])
    return pdf, refused


def _worker_main() -> int:
    """Serve documents over stdin/stdout until stdin closes."""
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

    _static_assets()
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


if __name__ == "__main__" and "--worker" in sys.argv[1:]:
    sys.exit(_worker_main())
