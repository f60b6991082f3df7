"""XSS payloads typed into every text field stay inert text in pages, htmx fragments and PDFs.

The forms are the app's own: the suite opens every page, fills each POST form's free-text
fields with payloads (as many as a field's Length limit takes, different ones per field) and
sends it like a browser. A field the app refuses gets a plausible value on a second try, so the
rest of the form still stores its payloads. Then every page, fragment, the network map SVG and
the three PDFs are read back as admin, staff and the paired peer supporter.
SQLite only (the heaviest part of the suite).
"""
from __future__ import annotations

import subprocess
from urllib.parse import urlsplit

import pytest
from werkzeug.datastructures import MultiDict

from .formclasses import base_name, length_limits, text_fields
from .pages import PageForm, form_data, post_forms
from .payloads import PAYLOADS, fill, markers_in, problems
from .routes import all_routes, ids_for, url_for_route

# Text fields of forms that the seeded state does not show to a signed-in user, with the reason.
NOT_ON_ANY_PAGE = {
    "auth.SetupForm": "first-run setup is closed once a user exists",
    "auth.SecondStepForm": "shown only between the password and the second sign-in step",
    "auth.TwoFactorConfirmForm": "shown only while two-step sign-in is being set up",
    "auth.TwoFactorDisableForm": "shown only when two-step sign-in is on",
    "auth.RecoveryCodesForm": "shown only when two-step sign-in is on",
    "errands.StepForm": "rows of errands.OutcomeForm (covered there)",
    "meetings.ActionRow": "rows of meetings.MinutesForm (covered there)",
    "meetings.ParticipantRow": "rows of meetings.MinutesForm (covered there)",
}
SEARCH_FORMS = ("admin.AuditFilterForm", "clients.ClientSearchForm", "directory.DirectorySearchForm")


@pytest.fixture(scope="module")
def xss_world(sqlite_world):
    """The SQLite world with client B's meeting approved, so its addendum form is shown too."""
    from association_tool.extensions import db
    from association_tool.meetings import services as meetings
    from association_tool.models.meetings import NetworkMeeting

    app, seeded, browsers = sqlite_world
    meeting = db.session.get(NetworkMeeting, seeded.ids["B"]["meeting_id"])
    meetings.approve(meeting, by=seeded.users["staff"], version=meeting.version)
    db.session.commit()
    return sqlite_world


def _pages(app, seeded):
    """Every GET page of the app for clients A and B (PDFs and the static files aside)."""
    routes, problems_ = all_routes(app)
    assert not problems_
    urls = []
    for route in routes:
        if route.method != "GET" or route.endpoint == "static":
            continue
        for scope in ("own", "other"):
            url = url_for_route(route, ids_for(scope, seeded.ids))
            if url not in urls:
                urls.append(url)
    return urls


def _same_form(fresh: list[PageForm], form: PageForm) -> PageForm | None:
    for candidate in fresh:
        if candidate.action == form.action and candidate.names() == form.names():
            return candidate
    return None


def _submit(browser, page_url, form, offset, stored, typed):
    """Fill the form's text fields with payloads and send it; retry without refused fields."""
    keep_plain: set[str] = set()
    for attempt in range(3):
        current = _same_form(post_forms(browser.get(page_url).get_data(as_text=True), page_url),
                             form)
        if current is None:
            return None
        texts = [f for f in current.fields if f.free_text and f.name not in keep_plain]
        values = {}
        for index, f in enumerate(texts):
            limit = length_limits().get(base_name(f.name)) or (4000 if f.tag == "textarea" else 200)
            values[f.name] = fill(offset + 11 * index, limit)
        data = form_data(current, fill=lambda f: [values[f.name]] if f.name in values else None)
        headers = {"HX-Request": "true"} if current.action.startswith("/clients/") else {}
        response = browser.post(urlsplit(current.action).path, data=MultiDict(data),
                                headers=headers)
        yield response
        for name in values:
            typed.add(base_name(name))
        refused = {f.name for answer_form in post_forms(response.get_data(as_text=True))
                   for f in answer_form.fields if f.invalid}
        if response.status_code < 400 and not refused:
            for name, value in values.items():
                stored.update((name, m) for m in markers_in(value))
            return
        if not refused - keep_plain:
            refused = {f.name for f in texts}  # a form-level error: try the rest plainly
        keep_plain |= refused


def test_payloads_typed_into_every_text_field_stay_inert(xss_world, figures, tmp_path):
    app, seeded, browsers = xss_world
    admin = browsers["admin"]
    pages = _pages(app, seeded)
    failures, stored, typed, responses = [], set(), set(), []
    submitted: set[tuple] = set()
    offset = 0

    # 1. Type payloads into every POST form on every page (as admin, who sees every form),
    #    and into the public sign-in form as an anonymous visitor.
    for browser, urls in ((admin, pages), (browsers[None], ["/login"])):
        for url in urls:
            response = browser.get(url)
            if response.mimetype != "text/html":
                continue
            for form in post_forms(response.get_data(as_text=True), url):
                key = (form.action, frozenset(form.names()))
                if key in submitted or not any(f.free_text for f in form.fields):
                    continue
                submitted.add(key)
                for answer in _submit(browser, url, form, offset, stored, typed):
                    responses.append((f"POST {form.action} (from {url})", answer))
                offset += 5

    # Every text field of every form class was typed into (or is named above with a reason).
    uncovered = {form: [n for n in names if base_name(n) not in typed]
                 for form, names in text_fields().items()
                 if form not in NOT_ON_ANY_PAGE and form not in SEARCH_FORMS}
    uncovered = {k: v for k, v in uncovered.items() if v}
    for form, names in text_fields().items():
        for name in names:
            ok = base_name(name) in typed or form in NOT_ON_ANY_PAGE or form in SEARCH_FORMS
            figures.case("4. XSS: text fields of the form classes typed into", "sqlite",
                         refusal_expected=False, refused=False, ok=ok)
    assert uncovered == {}, f"text fields no page lets the suite type into: {uncovered}"

    # Search forms are GETs: their text comes back in the results page.
    for url in ("/clients/", "/directory/", "/admin/audit", "/admin/users"):
        for payload, marker in PAYLOADS[::3]:
            responses.append((f"GET {url}?q=…", admin.get(url, query_string={"q": payload})))
            stored.add((f"{url}?q", marker))

    # 2. Read everything back: every page as admin (who sees every record), client A's pages
    #    as the paired peer supporter (their own templates), and client pages as htmx fragments.
    own = {url_for_route(r, ids_for("own", seeded.ids)) for r in all_routes(app)[0]}
    for role, urls in (("admin", pages), ("peer", [u for u in pages if u in own])):
        for url in urls:
            variants = ({}, {"HX-Request": "true"}) if url.startswith("/clients/") else ({},)
            for headers in variants:
                response = browsers[role].get(url, headers=headers)
                if response.mimetype in ("text/html", "image/svg+xml"):
                    responses.append((f"GET {url} as {role} {headers}", response))

    shown = set()
    for where, response in responses:
        html = response.get_data(as_text=True)
        found = problems(html)
        shown |= markers_in(html)
        figures.case("4. XSS: responses with payloads are inert (HTML, SVG, fragments)",
                     "sqlite", refusal_expected=True, refused=not found, ok=not found)
        if found:
            failures.append(f"{where}: {found[:3]}")

    # 3. PDFs: the HTML given to WeasyPrint is checked the same way; the PDF's text shows
    #    payloads as literal text.
    pdf_texts = _pdfs(app, seeded, admin, failures, figures, tmp_path)
    for text in pdf_texts:
        shown |= markers_in(text)

    stored_markers = {m for _, m in stored}
    figures.case("4. XSS: payloads stored and shown back as text", "sqlite",
                 refusal_expected=False, refused=False,
                 ok=stored_markers <= shown)
    assert failures == [], f"{len(failures)} responses turned input into markup:\n" + "\n".join(failures)
    assert len(PAYLOADS) >= 50
    assert len(stored_markers) == len(PAYLOADS), "some payloads were never stored"
    assert stored_markers <= shown, f"stored but never shown: {sorted(stored_markers - shown)}"


def _pdfs(app, seeded, admin, failures, figures, tmp_path) -> list[str]:
    from association_tool import pdf

    captured = []
    real = pdf._worker

    class Recording:
        def render(self, html, logo, **kwargs):
            captured.append(html)
            return real().render(html, logo, **kwargs)

    pdf._worker = lambda: Recording()
    texts = []
    try:
        ids = seeded.ids["A"]
        answers = [
            admin.get(f"/clients/{ids['client_id']}/errands/{ids['errand_id']}/checklist.pdf"),
            admin.get(f"/clients/{ids['client_id']}/agreement/{ids['agreement_id']}/pdf"),
        ]
        page = admin.get(f"/clients/{ids['client_id']}/meetings/{ids['meeting_id']}")
        for form in post_forms(page.get_data(as_text=True)):
            if form.action.endswith("minutes.pdf"):
                answers.append(admin.post(form.action, data=MultiDict(form_data(form))))
    finally:
        pdf._worker = real
    assert len(answers) == 3 and len(captured) == 3
    for html in captured:
        found = problems(html)
        figures.case("4. XSS: PDF source HTML inert", "sqlite", refusal_expected=True,
                     refused=not found, ok=not found)
        if found:
            failures.append(f"PDF HTML: {found[:3]}")
    for number, response in enumerate(answers):
        assert response.mimetype == "application/pdf", response.status_code
        path = tmp_path / f"doc{number}.pdf"
        path.write_bytes(response.data)
        text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True,
                              text=True, check=True).stdout
        literal = "<script>" in text or "onerror" in text or "javascript:" in text
        evaluated = "49xq" in text
        figures.case("4. XSS: PDF text shows payloads literally", "sqlite",
                     refusal_expected=True, refused=literal and not evaluated,
                     ok=literal and not evaluated)
        if not literal or evaluated:
            failures.append(f"PDF {number}: payload text literal={literal} evaluated={evaluated}")
        texts.append(text)
    return texts


def test_the_checker_catches_payloads_that_became_markup(figures):
    """The inertness check has teeth: each payload pasted raw into a page is caught, except the
    ones that are plain text even unescaped (a bare `javascript:` string, percent-encoding);
    template payloads are caught once evaluated."""
    from html import escape

    from .payloads import EVALUATED

    contexts = ("<main><p>{}</p></main>", '<input value="{}">', "<input value='{}'>")
    caught = [m for p, m in PAYLOADS if any(problems(c.format(p)) for c in contexts)]
    inert_when_escaped = [m for p, m in PAYLOADS
                          if problems(f"<main><p>{escape(p)}</p><input value=\"{escape(p)}\">"
                                      f"<textarea>{escape(p)}</textarea></main>")]
    figures.case("4. XSS: the checker flags each payload left unescaped", "any",
                 refusal_expected=False, refused=False, ok=len(caught) >= 45)
    assert len(caught) >= 45, sorted(m for _, m in PAYLOADS if m not in caught)
    assert inert_when_escaped == []
    assert all(problems(f"<p>{e}</p>") for e in EVALUATED)
