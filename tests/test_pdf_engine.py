"""The PDF engine: tagged, readable documents; nothing fetched but the app's own assets; bounded time."""
from __future__ import annotations

import io
import logging
import os
import re
import socket
import threading
import time

import pytest
from jinja2 import ChoiceLoader, DictLoader
from pypdf import PdfReader

from association_tool import pdf
from association_tool.pdf import PdfError, pdf_error_response, pdf_response, render_pdf
from association_tool.pdf.sandbox import PRINT_CSS_URL, make_fetcher

SAMPLE = "pdf/_sample.html"


def read(pdf_bytes: bytes) -> PdfReader:
    """Open PDF bytes with pypdf."""
    return PdfReader(io.BytesIO(pdf_bytes))


def text_of(pdf_bytes: bytes) -> str:
    """Return the text layer of every page, joined."""
    return "\n".join(page.extract_text() for page in read(pdf_bytes).pages)


def add_templates(app, **templates) -> None:
    """Give the app test-only templates (name → source), in front of the real ones."""
    app.jinja_env.loader = ChoiceLoader([DictLoader(templates), app.jinja_env.loader])
    app.jinja_env.cache.clear()


def png_bytes(size=(40, 20), colour=(200, 30, 30)) -> bytes:
    """Return a small PNG image."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="PNG")
    return out.getvalue()


def image_count(pdf_bytes: bytes) -> int:
    """Count the image XObjects the pages use."""
    count = 0
    for page in read(pdf_bytes).pages:
        xobjects = page["/Resources"].get_object().get("/XObject") or {}
        for ref in xobjects.values():
            if ref.get_object().get("/Subtype") == "/Image":
                count += 1
    return count


def embedded_files(pdf_bytes: bytes) -> list[str]:
    """Name every way a file could be embedded: /EmbeddedFiles, /AF, FileAttachment annotations."""
    reader = read(pdf_bytes)
    found = []
    root = reader.trailer["/Root"]
    names = root.get("/Names")
    if names is not None and "/EmbeddedFiles" in names.get_object():
        found.append("/EmbeddedFiles")
    if "/AF" in root:
        found.append("/AF")
    for page in reader.pages:
        for annot in page.get("/Annots") or []:
            if annot.get_object().get("/Subtype") == "/FileAttachment":
                found.append("/FileAttachment")
    ids = set(reader.xref_objStm) | {i for table in reader.xref.values() for i in table}
    for obj_id in sorted(ids):
        obj = reader.get_object(obj_id)
        if hasattr(obj, "get") and obj.get("/Type") in ("/EmbeddedFile", "/Filespec"):
            found.append(str(obj.get("/Type")))
    return found


class Listener:
    """A TCP listener on 127.0.0.1 that records every connection it receives."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self):
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except (TimeoutError, socket.timeout, OSError):
                continue
            conn.settimeout(1)
            try:
                self.connections.append(conn.recv(4096))
            except OSError:
                self.connections.append(b"")
            conn.close()

    def close(self):
        self._stop.set()
        self._thread.join(2)
        self.sock.close()


@pytest.fixture
def listener():
    """Something on the local network that a leaky PDF engine would call."""
    server = Listener()
    yield server
    server.close()


@pytest.fixture
def app_log(app, caplog):
    """The app's log records at WARNING and above.

    Alembic's fileConfig in migrations/env.py disables loggers that already exist when a test
    database is migrated, the app's among them; this test's app logs again.
    """
    was_disabled, app.logger.disabled = app.logger.disabled, False
    with caplog.at_level(logging.WARNING, logger=app.logger.name):
        yield caplog
    app.logger.disabled = was_disabled


@pytest.fixture
def sample_pdf(app):
    """The sample document, rendered once for a test."""
    return render_pdf(SAMPLE, title="Muistilista – Äänekoski", lang="fi")


# --- Content and accessibility -------------------------------------------------------------

def test_sample_text_has_finnish_letters_and_tick_boxes(sample_pdf):
    text = text_of(sample_pdf)
    assert sample_pdf.startswith(b"%PDF-")
    assert "Muistilista – Äänekoski" in text
    assert "Äänekosken Örkki Åberg" in text
    assert "Täytä Kelan hakemus yhdessä vertaisen kanssa" in text
    assert "☐ Soita sosiaalitoimistoon" in text and "☑ Hae resepti" in text
    assert "Päivi Määttä" in text and "Jörn Åkerlund" in text


def test_metadata_has_title_and_language(sample_pdf):
    reader = read(sample_pdf)
    assert reader.metadata.title == "Muistilista – Äänekoski"
    assert reader.trailer["/Root"]["/Lang"] == "fi"


def test_pdf_is_tagged_for_screen_readers(sample_pdf):
    root = read(sample_pdf).trailer["/Root"]
    assert "/StructTreeRoot" in root
    assert root["/MarkInfo"]["/Marked"] == True  # noqa: E712 (a pypdf BooleanObject)
    assert root["/ViewerPreferences"]["/DisplayDocTitle"] == True  # noqa: E712
    assert b"pdfuaid" in root["/Metadata"].get_object().get_data()  # PDF/UA-1 is declared


def test_page_is_a4_with_page_numbers(sample_pdf):
    page = read(sample_pdf).pages[0]
    width, height = float(page.mediabox.width), float(page.mediabox.height)
    assert (round(width), round(height)) == (595, 842)
    assert re.search(r"^1 / 1$", page.extract_text(), re.M)


def test_fonts_are_dejavu_from_memory_and_embedded(sample_pdf):
    from fontTools.ttLib import TTFont

    fonts = set()
    for page in read(sample_pdf).pages:
        for ref in page["/Resources"]["/Font"].values():
            font = ref.get_object()
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            program = TTFont(io.BytesIO(descriptor["/FontFile2"].get_object().get_data()))
            fonts.add((str(font["/BaseFont"]).split("+")[-1], program["name"].getDebugName(4)))
    # "Doc Sans" is the family print.css declares with @font-face (served as app-asset:).
    assert fonts == {("Doc-Sans", "DejaVu Sans"), ("Doc-Sans-Bold", "DejaVu Sans Bold")}


def test_document_language_chooses_the_translations(app):
    add_templates(app, **{"pdf/t_lang.html": '{% extends "pdf/base.html" %}'
                          '{% block content %}<p>{{ _("Page not found") }}</p>{% endblock %}'})
    swedish = render_pdf("pdf/t_lang.html", title="Dokument", lang="sv")
    assert "Sidan hittades inte" in text_of(swedish)
    assert read(swedish).trailer["/Root"]["/Lang"] == "sv"


def test_header_shows_association_and_logo_on_every_page(app):
    items = [{"text": f"Tehtävä numero {i}", "done": False} for i in range(60)]
    document = render_pdf(SAMPLE, title="Muistilista", lang="fi", items=items,
                          association="Toivon Tupa ry", logo=("image/png", png_bytes()))
    pages = read(document).pages
    assert len(pages) >= 2
    assert all("Toivon Tupa ry" in page.extract_text() for page in pages)
    assert image_count(document) >= 1
    assert [f"{n} / {len(pages)}" in page.extract_text() for n, page in enumerate(pages, 1)] \
        == [True] * len(pages)


@pytest.mark.parametrize("logo", [
    ("image/png", b"not a png at all"),
    ("image/gif", b"GIF89a" + b"\0" * 50),
    ("image/png", b"\x89PNG\r\n\x1a\n" + b"\0" * (pdf.LOGO_MAX_BYTES + 1)),
])
def test_a_wrong_logo_is_left_out_not_fatal(app, logo, app_log):
    document = render_pdf(SAMPLE, title="Muistilista", lang="fi", logo=logo)
    assert image_count(document) == 0
    assert "logo left out" in app_log.text


def test_table_header_repeats_on_every_page(app):
    contacts = [(f"Taho {i}", f"Henkilö {i}", f"040 000 {i:04d}") for i in range(80)]
    pages = read(render_pdf(SAMPLE, title="Yhteystiedot", lang="fi", contacts=contacts)).pages
    assert len(pages) >= 2
    assert all(re.search(r"Taho\s+Henkilö\s+Puhelin", page.extract_text()) for page in pages)


def test_large_print_makes_the_text_bigger(app):
    items = [{"text": f"Tehtävä numero {i}", "done": False} for i in range(12)]
    normal = read(render_pdf(SAMPLE, title="M", lang="fi", items=items)).pages
    large = read(render_pdf(SAMPLE, title="M", lang="fi", items=items, large_print=True)).pages
    assert len(large) > len(normal)


def test_templates_are_pdf_html_that_extend_the_base(app):
    add_templates(app, **{"pdf/t_bare.html": "<html><body><p>Ei pohjaa</p></body></html>",
                          "t_outside.txt": "{% extends 'pdf/base.html' %}"})
    with pytest.raises(ValueError, match="must extend"):
        render_pdf("pdf/t_bare.html", title="T", lang="fi")
    with pytest.raises(ValueError, match="autoescaped"):
        render_pdf("t_outside.txt", title="T", lang="fi")
    with pytest.raises(ValueError, match="language"):
        render_pdf(SAMPLE, title="T", lang='fi"><script>')


# --- Nothing is fetched, embedded or styled from outside --------------------------------------

def probes(port: int) -> dict[str, str]:
    """Values that would fetch, embed or style something if they were ever read as markup."""
    return {
        "img_file": '<img src="file:///etc/passwd">',
        "attach": '<link rel="attachment" href="file:///etc/passwd">',
        "img_http": f'<img src="http://127.0.0.1:{port}/x">',
        "css_import": f'<style>@import url("http://127.0.0.1:{port}/import.css");</style>',
        "style_attr": f'<p style="background: url(http://127.0.0.1:{port}/bg)">tyyli</p>',
    }


def test_markup_in_context_values_is_only_text(app, listener):
    values = probes(listener.port)
    document = render_pdf(SAMPLE, title="Muistilista", lang="fi", note=" ".join(values.values()),
                          client_name=values["img_http"], intro=values["css_import"])
    text = re.sub(r"\s+", "", text_of(document))  # the text layer may wrap long lines
    for probe in values.values():
        assert re.sub(r"\s+", "", probe) in text
    assert listener.connections == []
    assert "root:" not in text
    assert embedded_files(document) == []
    assert image_count(document) == 0


def test_real_tags_fetch_nothing_and_embed_nothing(app, listener, app_log):
    port = listener.port
    add_templates(app, **{"pdf/t_probe.html": """{% extends "pdf/base.html" %}
{% block content %}
<style>@import url("http://127.0.0.1:PORT/import.css"); main { display: none }
  @font-face { font-family: X; src: url("file:///etc/passwd"); }
  body { background: url("file:///etc/passwd") }</style>
<link rel="stylesheet" href="http://127.0.0.1:PORT/style.css">
<link rel="stylesheet" href="file:///etc/passwd">
<link rel="attachment" href="file:///etc/passwd" title="passwd">
<link rel="attachment" href="app-asset:css/print.css">
<a rel="attachment" href="file:///etc/passwd">liite</a>
<a rel="attachment" href="app-asset:fonts/DejaVuSans.ttf">fontti</a>
<p style="background: url(http://127.0.0.1:PORT/bg); display: none">Näkyvä kappale</p>
<img src="file:///etc/passwd" alt="">
<img src="http://127.0.0.1:PORT/x.png" alt="">
<img src="ftp://127.0.0.1:PORT/x.png" alt="">
<img src="data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==" alt="">
<img src="app-asset:logo" alt="">
<img src="app-asset:../../etc/passwd" alt="">
<object data="http://127.0.0.1:PORT/object"></object>
<svg width="10" height="10"><image href="http://127.0.0.1:PORT/svg.png" width="10" height="10"/>
  <style>@import url("http://127.0.0.1:PORT/svg.css");</style></svg>
<p>Koelause: {{ note }}</p>
{% endblock %}""".replace("PORT", str(port))})
    document = render_pdf("pdf/t_probe.html", title="Koetin", lang="fi",
                          note='<img src="file:///etc/passwd">')
    time.sleep(0.3)  # give a stray connection time to arrive
    assert listener.connections == []
    text = text_of(document)
    assert "root:" not in text and b"root:x:" not in document
    assert embedded_files(document) == []
    assert image_count(document) == 0  # neither the data: image nor a missing logo
    # Author styles were removed: the text they tried to hide is there.
    assert "Näkyvä kappale" in text and "Koelause" in text
    assert '<img src="file:///etc/passwd">' in text
    assert "refused" in app_log.text and "127.0.0.1" in app_log.text


def test_an_svg_logo_cannot_fetch_or_loop(app, listener):
    port = listener.port
    svg = f"""<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"
      width="40" height="20"><style>@import url("http://127.0.0.1:{port}/logo.css");</style>
      <rect width="40" height="20" fill="#236"/>
      <image href="http://127.0.0.1:{port}/logo.png" width="10" height="10"/>
      <image xlink:href="file:///etc/passwd" width="10" height="10"/>
      <image href="app-asset:logo" width="40" height="20"/></svg>""".encode()
    started = time.monotonic()
    document = render_pdf(SAMPLE, title="Muistilista", lang="fi", association="Toivon Tupa ry",
                          logo=("image/svg+xml", svg))
    assert time.monotonic() - started < 10
    time.sleep(0.3)
    assert listener.connections == []
    assert "Toivon Tupa ry" in text_of(document) and embedded_files(document) == []


def test_fetcher_serves_only_known_assets():
    fetcher = make_fetcher(logo=("image/png", b"\x89PNG..."))
    assert fetcher(PRINT_CSS_URL).read().startswith(b"/*")
    assert fetcher("app-asset:fonts/DejaVuSans.ttf").read()[:4] == b"\x00\x01\x00\x00"
    assert fetcher("app-asset:logo").read() == b"\x89PNG..."
    for url in ("file:///etc/passwd", "http://127.0.0.1/", "https://example.org/x.css",
                "ftp://example.org/x", "data:text/css,body{}", "app-asset:fonts/../../x",
                "APP-ASSET:css/print.css", "app-asset:css/print.css?x", "javascript:alert(1)"):
        with pytest.raises(ValueError):
            fetcher(url)
    with pytest.raises(ValueError):
        make_fetcher()("app-asset:logo")  # no logo given


def test_render_process_holds_no_secrets(app):
    render_pdf(SAMPLE, title="M", lang="fi")
    worker = pdf._worker()
    environ = open(f"/proc/{worker._proc.pid}/environ", "rb").read().split(b"\0")
    names = {entry.split(b"=", 1)[0] for entry in environ if entry}
    assert b"SECRET_KEY" not in names and b"DATABASE_URL" not in names


# --- Bounded in time ------------------------------------------------------------------------

def test_a_document_that_takes_too_long_is_stopped(app):
    render_pdf(SAMPLE, title="M", lang="fi")  # the render process is up and warm
    old_pid = pdf._worker()._proc.pid
    add_templates(app, **{"pdf/t_slow.html": '{% extends "pdf/base.html" %}{% block content %}'
                          '<table><thead><tr><th>A</th><th>B</th></tr></thead><tbody>'
                          '{% for i in range(3000) %}<tr><td>Rivi {{ i }} äöå</td><td>☐</td></tr>'
                          '{% endfor %}</tbody></table>{% endblock %}'})
    app.config["PDF_TIMEOUT_SECONDS"] = 1
    started = time.monotonic()
    with pytest.raises(PdfError) as caught:
        render_pdf("pdf/t_slow.html", title="Hidas", lang="fi")
    assert time.monotonic() - started < 2.5
    assert caught.value.timed_out and caught.value.status == 503
    assert "longer than 1 s" in str(caught.value)
    with pytest.raises(ProcessLookupError):  # the stuck render process is gone
        for _ in range(50):
            os.kill(old_pid, 0)
            time.sleep(0.05)
    app.config["PDF_TIMEOUT_SECONDS"] = 20
    assert "Muistilista" in text_of(render_pdf(SAMPLE, title="Muistilista", lang="fi"))


def test_a_crashed_render_process_is_replaced(app):
    render_pdf(SAMPLE, title="M", lang="fi")
    worker = pdf._worker()
    worker._proc.kill()
    worker._proc.wait()
    assert "Muistilista" in text_of(render_pdf(SAMPLE, title="Muistilista", lang="fi"))


def test_waiting_for_a_busy_render_process_is_bounded(app):
    render_pdf(SAMPLE, title="M", lang="fi")
    worker = pdf._worker()
    app.config["PDF_TIMEOUT_SECONDS"] = 0.5
    with worker._lock:  # another request is rendering
        started = time.monotonic()
        with pytest.raises(PdfError) as caught:
            render_pdf(SAMPLE, title="M", lang="fi")
    assert time.monotonic() - started < 1.5
    assert caught.value.busy and caught.value.status == 503


def test_error_page_is_friendly_and_in_the_users_language(app):
    with app.test_request_context("/clients/1/errands.pdf"):
        body, status, headers = pdf_error_response(PdfError("x", timed_out=True))
    assert status == 503 and headers["Retry-After"] == "30"
    assert "Jokin meni vikaan" in body  # Finnish is the default
    assert "PDF" in body and "Traceback" not in body
    with app.test_request_context("/clients/1/errands.pdf"):
        body, status, headers = pdf_error_response(PdfError("boom"))
    assert status == 500 and headers == {}


def test_init_app_answers_pdf_errors(app):
    pdf.init_app(app)
    handler = app.error_handler_spec[None][None][PdfError]
    assert handler is pdf_error_response


# --- The download ---------------------------------------------------------------------------

def test_pdf_response_headers_and_file_name(app):
    with app.test_request_context():
        response = pdf_response(b"%PDF-1.7 test", "muistilista-2026-11-22.pdf")
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == \
        'attachment; filename="muistilista-2026-11-22.pdf"'
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Length"] == str(len(b"%PDF-1.7 test"))
    assert response.get_data() == b"%PDF-1.7 test"


def test_non_ascii_file_name_gets_rfc_5987_form(app):
    with app.test_request_context():
        response = pdf_response(b"%PDF", "Verkostopalaveri Äänekoski 22.11.2026")
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith(
        'attachment; filename="Verkostopalaveri-Aanekoski-22.11.2026.pdf"; ')
    assert "filename*=UTF-8''Verkostopalaveri%20%C3%84%C3%A4nekoski%2022.11.2026.pdf" in disposition


@pytest.mark.parametrize("unsafe, expected", [
    ("../../etc/passwd", "etc-passwd.pdf"),
    ('a"b\r\nSet-Cookie: x=1.pdf', "a-b-Set-Cookie-x-1.pdf"),
    ("", "document.pdf"),
    ("ääää", "aaaa.pdf"),
    ("日本語.pdf", "document.pdf"),
])
def test_unsafe_file_names_are_made_safe(unsafe, expected):
    ascii_name, utf8_name = pdf.safe_filenames(unsafe)
    assert ascii_name == expected
    assert not re.search(r"[\x00-\x1f\"/\\]", utf8_name) and utf8_name.endswith(".pdf")


# --- The renderer takes the association and its logo from the caller -------------------------

def test_the_pdf_package_imports_no_feature():
    """The renderer is kernel: the association's name and logo are arguments, not reached for."""
    import ast
    from pathlib import Path

    import association_tool

    root = Path(association_tool.__file__).parent
    features = {p.name for p in root.iterdir() if (p / "__init__.py").exists()} - {"pdf", "models"}
    reached = []
    for path in sorted((root / "pdf").glob("*.py")):
        package = ["association_tool", "pdf"]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                base = package[:len(package) - node.level + 1] if node.level else []
                names = [".".join(base + (node.module or "").split("."))]
                names += [f"{names[0]}.{alias.name}" for alias in node.names]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            for name in names:
                parts = name.strip(".").split(".")
                if parts[0] == "association_tool" and len(parts) > 1 and parts[1] in features:
                    reached.append(f"{path.name}: {name}")
    assert reached == []


def test_the_header_is_what_the_caller_gives(app):
    import base64
    import json

    from association_tool.extensions import db
    from association_tool.settings import LOGO_KEY, letterhead, store_setting

    store_setting("association_name", "Toivon Tupa ry")
    store_setting(LOGO_KEY, json.dumps({"mime": "image/png",
                                        "data": base64.b64encode(png_bytes()).decode()}))
    db.session.commit()
    bare = render_pdf(SAMPLE, title="Muistilista", lang="fi")
    assert "Toivon Tupa ry" not in text_of(bare) and image_count(bare) == 0
    head = letterhead()
    assert head == {"association": "Toivon Tupa ry", "logo": ("image/png", png_bytes())}
    headed = render_pdf(SAMPLE, title="Muistilista", lang="fi", **head)
    assert "Toivon Tupa ry" in text_of(headed) and image_count(headed) >= 1
