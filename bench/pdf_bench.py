"""Measure the PDF engine against bare WeasyPrint on the same document, in one run.

    .venv/bin/python -m bench.pdf_bench            # 30 documents each way
    .venv/bin/python -m bench.pdf_bench -n 100 --timeout-check

`render_pdf` (Jinja, the render process, the restricted fetcher, PDF/UA) renders the sample
document (templates/pdf/_sample.html); bare WeasyPrint renders the same HTML string with the
same print CSS and the same fonts read from disk by its default fetcher, in this process, with
the same PDF/UA variant. The two alternate so that both see the same machine. Targets: the app
adds at most 15 % over bare WeasyPrint, and a one-page document takes at most 400 ms (median).
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time

SAMPLE = "pdf/_sample.html"
CONTEXT = {"title": "Muistilista – Äänekoski", "lang": "fi", "association": "Toivon Tupa ry"}


def build_app(instance: str):
    """An app on a throwaway instance folder (the sample needs no database)."""
    os.environ.setdefault("SECRET_KEY", "bench-secret-key-not-for-production")
    os.environ["INSTANCE_PATH"] = instance
    os.environ["DATABASE_URL"] = f"sqlite:///{instance}/bench.db"
    from association_tool import create_app

    return create_app()


def bare_renderer(html: str):
    """Return a function that renders `html` with WeasyPrint's defaults and the same CSS."""
    from weasyprint import CSS, HTML

    from association_tool import pdf

    css = pdf.PRINT_CSS_PATH.read_text(encoding="utf-8")
    for url, name in pdf.FONT_FILES.items():
        css = css.replace(url, (pdf.FONT_DIR / name).as_uri())
    page = html.replace(f'<link rel="stylesheet" href="{pdf.PRINT_CSS_URL}">', "")
    assert page != html, "the base template's stylesheet link changed"

    def render() -> bytes:
        return HTML(string=page).write_pdf(stylesheets=[CSS(string=css)],
                                           pdf_variant=pdf.PDF_VARIANT)
    return render


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.pdf_bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=30, help="documents each way (default 30)")
    parser.add_argument("--timeout-check", action="store_true",
                        help="also time a 1 s limit on a slow document, and the recovery")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="assoc-pdf-bench-") as instance:
        return measure(build_app(instance), args)


def measure(app, args) -> int:
    """Run the measurements and print the markdown report."""
    from flask import render_template

    from association_tool import pdf

    with app.app_context():
        started = time.perf_counter()
        pdf.warm_up()
        start_s = time.perf_counter() - started

        html = render_template(SAMPLE, has_logo=False, large_print=False, **CONTEXT)
        bare = bare_renderer(html)
        bare()  # warm this process's fonts and Pango too
        pdf.render_pdf(SAMPLE, **CONTEXT)

        app_times, bare_times, worker_ms, jinja_times = [], [], [], []
        for _ in range(args.n):
            t0 = time.perf_counter()
            document = pdf.render_pdf(SAMPLE, **CONTEXT)
            app_times.append(time.perf_counter() - t0)
            worker_ms.append(pdf._worker().last_render_ms)

            t0 = time.perf_counter()
            with pdf.force_locale("fi"):
                render_template(SAMPLE, has_logo=False, large_print=False, **CONTEXT)
            jinja_times.append(time.perf_counter() - t0)

            t0 = time.perf_counter()
            reference = bare()
            bare_times.append(time.perf_counter() - t0)
        from io import BytesIO

        from pypdf import PdfReader

        pages = (len(PdfReader(BytesIO(document)).pages), len(PdfReader(BytesIO(reference)).pages))

        app_med, bare_med = statistics.median(app_times), statistics.median(bare_times)
        worker_med = statistics.median(worker_ms) / 1000
        jinja_med = statistics.median(jinja_times)
        ratio = app_med / bare_med
        print(f"## PDF engine vs bare WeasyPrint ({args.n} documents each, "
              f"pages {pages[0]} / {pages[1]})\n")
        print(f"Python {platform.python_version()}, WeasyPrint {__import__('weasyprint').VERSION}, "
              f"{os.cpu_count()} CPUs, {platform.machine()}\n")
        print("| measure | median ms | p90 ms | min ms |")
        print("| --- | ---: | ---: | ---: |")
        for name, values in (("render_pdf (whole call)", app_times),
                             ("  of which WeasyPrint in the render process",
                              [v / 1000 for v in worker_ms]),
                             ("  Jinja template alone", jinja_times),
                             ("bare WeasyPrint, same HTML and CSS", bare_times)):
            ordered = sorted(values)
            p90 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.9))]
            print(f"| {name} | {ms(statistics.median(values))} | {ms(p90)} | "
                  f"{ms(ordered[0])} |")
        print()
        print(f"- ratio render_pdf / bare: **{ratio:.3f}** (+{(ratio - 1) * 100:.1f} %; "
              f"target ≤ 1.15) — {'met' if ratio <= 1.15 else 'NOT met'}")
        print(f"- one-page median: **{ms(app_med)} ms** (target ≤ 400 ms) — "
              f"{'met' if app_med <= 0.4 else 'NOT met'}")
        print(f"- outside WeasyPrint (Jinja, pipes, process hop): "
              f"{ms(app_med - worker_med)} ms median")
        print(f"- render process start (once per app process, before the first document): "
              f"{ms(start_s)} ms")

        if args.timeout_check:
            from jinja2 import ChoiceLoader, DictLoader

            app.jinja_env.loader = ChoiceLoader([DictLoader({"pdf/bench_slow.html": (
                '{% extends "pdf/base.html" %}{% block content %}<table><tbody>'
                '{% for i in range(3000) %}<tr><td>Rivi {{ i }}</td><td>☐</td></tr>{% endfor %}'
                '</tbody></table>{% endblock %}')}), app.jinja_env.loader])
            app.config["PDF_TIMEOUT_SECONDS"] = 1
            t0 = time.perf_counter()
            try:
                pdf.render_pdf("pdf/bench_slow.html", **CONTEXT)
                outcome = "finished (no timeout?)"
            except pdf.PdfError as error:
                outcome = f"PdfError ({'timed out' if error.timed_out else error})"
            stopped = time.perf_counter() - t0
            app.config["PDF_TIMEOUT_SECONDS"] = 20
            t0 = time.perf_counter()
            pdf.render_pdf(SAMPLE, **CONTEXT)
            recovered = time.perf_counter() - t0
            print(f"- 1 s limit on a slow document: {outcome} after {ms(stopped)} ms; the next "
                  f"document (new render process) took {ms(recovered)} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
