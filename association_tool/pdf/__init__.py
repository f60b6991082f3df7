"""PDF documents from templates: Jinja + print CSS, rendered by WeasyPrint in a worker process.

How a document is made (SECURITY.md 13, 16, 17; ARCHITECTURE.md 6):

1. `render_pdf` renders `pdf/<document>.html` (which extends `pdf/base.html`) with Flask's
   `render_template`, autoescaped, in the document's own language. The association's name and
   logo come from the caller (settings.letterhead()): this package imports no feature.
2. The HTML string goes to a long-lived render process (`worker`: one per app process, started
   on first use, a fresh Python interpreter that holds no secrets and no database connections).
   WeasyPrint cannot be interrupted inside a thread, so the limit is enforced from outside:
   when PDF_TIMEOUT_SECONDS pass, the render process is killed (SIGKILL) and a new one is
   started for the next document. A request therefore never waits longer than the limit.
3. In the render process (`sandbox`), `<style>`, `style=""` on HTML elements, every `<link>`
   but the print stylesheet, and `rel=attachment` are removed from the parsed tree: styles
   come only from print.css, and no file is ever embedded (WeasyPrint is also given
   `attachments=[]`).
4. The URL fetcher (`sandbox`) serves only the app's own assets, from memory, under the
   `app-asset:` scheme (the print CSS, DejaVu Sans regular and bold, and the caller's logo).
   Every other URL (file:, http(s):, ftp:, data:, anything) is refused without touching the
   network or the disk; WeasyPrint logs the refusal and leaves the resource out.
5. The output is PDF/UA-1 (tagged, with title and language), with no embedded files.

Routes call `render_pdf` and `pdf_response`, and let `PdfError` reach the error handler that
`init_app` registers (a friendly 503/500 page in the user's language).
"""
from __future__ import annotations

import re
import time
import unicodedata
from urllib.parse import quote

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from ..database import end_read_transaction
from .sandbox import PRINT_CSS_URL
from .worker import PdfError
from .worker import current_worker as _worker  # the way to the render process (tests stub it)
from .worker import log as _log

__all__ = ["LOGO_MAX_BYTES", "PdfError", "init_app", "pdf_error_response", "pdf_response",
           "render_pdf", "safe_filenames", "warm_up"]

DEFAULT_TIMEOUT_SECONDS = 20
LOGO_MAX_BYTES = 200 * 1024
_LANG_RE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")


# --- Public API ----------------------------------------------------------------------------

def render_pdf(template: str, *, title: str, lang: str, association: str = "",
               logo: tuple[str, bytes] | None = None, large_print: bool = False,
               **context) -> bytes:
    """Render `template` (extending pdf/base.html) to PDF bytes within PDF_TIMEOUT_SECONDS.

    `title` and `lang` go into the document and its metadata; `association` (the name) and
    `logo` (an optional `(mime type, bytes)`; None or False: no logo) go into the header;
    callers take both from `settings.letterhead()`. `large_print` sets 16 pt text. The other
    keyword arguments are the template's context (autoescaped). Needs an app context. Raises
    PdfError. The session's transaction ends before the render (end_read_transaction): save
    changes first.
    """
    started = time.monotonic()
    timeout = float(current_app.config.get("PDF_TIMEOUT_SECONDS", DEFAULT_TIMEOUT_SECONDS))
    deadline = started + timeout
    if not (template.startswith("pdf/") and template.endswith(".html")):
        raise ValueError(f"PDF templates are templates/pdf/*.html (autoescaped): {template!r}")
    if not _LANG_RE.match(lang or ""):
        raise ValueError(f"not a language tag: {lang!r}")
    logo = _checked_logo(logo)
    with force_locale(lang.replace("-", "_")):
        html = render_template(template, title=title, lang=lang, association=association,
                               has_logo=logo is not None, large_print=large_print, **context)
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
    from ..extensions import db

    _log().error("PDF failed: %s", error)
    db.session.rollback()
    from ..htmx import is_fragment

    template = "errors/_error_fragment.html" if is_fragment() else "errors/error.html"
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
