"""Every route × every role × own / other client's object: allowed or refused as declared.

The cases come from `app.url_map`: a new route is walked without anyone adding it here, and a
route whose URL arguments the seeded world cannot fill, or whose per-client check the suite
cannot read, fails the first test by name.
"""
from __future__ import annotations

import pytest

from .checks import header_problems, leaked_tokens
from .conftest import (appended_only, audit_rows, changed_tables, content_hash, dry_run,
                       keep_session, stub_pdf_renderer)
from .routes import (ALLOW, FORBIDDEN, LOGIN, NOT_FOUND, all_routes, expected, ids_for, outcome,
                     scopes, unfillable, url_for_route)

ROLES = [None, "peer", "staff", "admin"]

# Routes whose *allowed* answer, by design, looks like a refusal: (outcome, why).
CLOSED_BY_STATE = {
    "auth.setup": (NOT_FOUND, "first-run setup closes once a user exists"),
    "auth.logout": (LOGIN, "signing out ends on the sign-in page"),
    "auth.two_factor_qr": (NOT_FOUND, "the QR code exists only while two-step sign-in is "
                                      "being set up"),
    "health.healthz": ("503", "the seeded world has no scheduled backup yet, so the health check "
                              "says so (its answers: tests/test_scheduled_backup.py)"),
}


def _matches(route, want: str, got: str) -> bool:
    """A public route may also send the browser to the sign-in page (e.g. a sign-in step that
    has no first step to continue); it must never refuse with 403 or fail."""
    if route.declared is not None and route.declared.public and want == ALLOW:
        return got in (ALLOW, LOGIN)
    return got == want


def test_every_route_is_declared_fillable_and_derivable(world):
    app, seeded, _ = world
    routes, problems = all_routes(app)
    problems += unfillable(routes, seeded.ids["A"])
    problems += [f"{r} declares no access rule" for r in routes if r.declared is None]
    assert problems == [], "the security suite cannot cover these routes:\n" + "\n".join(problems)
    assert len({r.rule for r in routes}) >= 80
    assert sum(r.client_check is not None for r in routes) >= 50


def _request(browser, route, url, *, dry: bool, hx: bool = False):
    headers = {"HX-Request": "true"} if hx else {}
    if dry:
        with dry_run(), keep_session(browser):
            return browser.open(url, method=route.method, data={}, headers=headers)
    return browser.open(url, method=route.method, data={}, headers=headers)


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r or "anonymous")
def test_route_role_matrix(world, role, figures):
    """Each case checks: the outcome (derived from the declaration and the pairing), the
    security headers, for allowed client pages that only that client shows, and for refusals
    that no client data is in the page or the htmx fragment, that nothing changed but the
    access log (append-only) and that the denial was logged. Every GET, allowed or not, is also
    checked to leave the database as it was (SECURITY.md 12). PDFs are rendered from their
    templates but not run through WeasyPrint here (test_xss.py does that)."""
    app, seeded, browsers = world
    routes, problems = all_routes(app)
    assert not problems
    walk = Walk(app.config["SECURITY_BACKEND"], browsers[role], role, seeded, figures)
    with stub_pdf_renderer():
        for route in routes:
            for scope in scopes(route, seeded.ids):
                walk.case(route, scope)
    assert walk.failures == [], f"{len(walk.failures)} problems:\n" + "\n".join(walk.failures)


class Walk:
    """One role's walk over every route, keeping a database snapshot between cases."""

    def __init__(self, backend, browser, role, seeded, figures):
        self.backend, self.browser, self.role, self.seeded = backend, browser, role, seeded
        self.figures, self.failures = figures, []
        self.tokens = list(seeded.tokens.values())
        self.baseline, self.log = content_hash(), audit_rows()

    def note(self, category, ok, *, refusal=False, refused=False, problem=""):
        self.figures.case(category, self.backend, refusal_expected=refusal, refused=refused, ok=ok)
        if not ok:
            self.failures.append(problem)

    def unchanged(self) -> tuple[list, bool]:
        """Tables changed since the last snapshot, and whether the log only grew."""
        after, log_after = content_hash(), audit_rows()
        changed, grown = changed_tables(self.baseline, after), appended_only(self.log, log_after)
        new_log = log_after[len(self.log):]
        self.baseline, self.log = after, log_after
        self.new_log = new_log
        return changed, grown

    def case(self, route, scope):
        role, seeded = self.role, self.seeded
        url = url_for_route(route, ids_for(scope, seeded.ids))
        want = expected(route, role, scope)
        allowed = want == ALLOW
        if route.endpoint in CLOSED_BY_STATE and allowed:
            want = CLOSED_BY_STATE[route.endpoint][0]
        response = _request(self.browser, route, url, dry=allowed and route.changes_state)
        got = outcome(response)
        where = f"{route} as {role or 'anonymous'} [{scope}] {url}"
        self.note("1. route x role x object access", _matches(route, want, got),
                  refusal=not allowed, refused=got != ALLOW,
                  problem=f"{where}: expected {want}, got {got} ({response.status_code})")
        problems = header_problems(response, endpoint=route.endpoint)
        self.note("6. security headers and cookie flags", not problems,
                  problem=f"{where}: headers: {problems}")

        if allowed:
            if route.method == "GET":
                changed, grown = self.unchanged()
                self.note("3. GET leaves the database unchanged", not changed and grown,
                          problem=f"{where}: GET changed {changed}, log appended={grown}")
            if (route.client_check is not None and route.method == "GET"
                    and response.status_code == 200 and response.mimetype == "text/html"):
                side = "B" if scope == "other" else "A"
                others = [t for s, t in seeded.tokens.items() if s != side]
                mine = seeded.tokens[side] in response.get_data(as_text=True)
                leaked = leaked_tokens(response, others)
                self.note("1. allowed client page shows that client only", mine and not leaked,
                          problem=f"{where}: own data shown={mine}, other client's={leaked}")
            return

        # Refused: nothing of any client in the answer, as a page or as an htmx fragment.
        fragment = _request(self.browser, route, url, dry=False, hx=True)
        for variant, answer in (("page", response), ("htmx", fragment)):
            leaked = leaked_tokens(answer, self.tokens)
            same = outcome(answer) == want
            self.note("1. refusal shows no client data", not leaked and same, refusal=True,
                      refused=outcome(answer) != ALLOW,
                      problem=f"{where} ({variant}): {outcome(answer)}, leaked {leaked}")
        # A refused request changes nothing; the access log only grows, and logs the denial.
        changed, grown = self.unchanged()
        category = ("3. GET leaves the database unchanged" if route.method == "GET"
                    else "1. refused state change leaves the database unchanged")
        self.note(category, not changed and grown, refusal=route.method != "GET",
                  refused=True, problem=f"{where}: changed {changed}, log appended={grown}")
        # SECURITY.md 11: refusals by role, and refusals on a client's record, are logged.
        if (want in (FORBIDDEN, NOT_FOUND) and route.endpoint not in CLOSED_BY_STATE
                and (want == FORBIDDEN or route.client_check is not None)):
            logged = any(row[2] == "denied" for row in self.new_log)
            self.note("1. denied attempt is logged", logged, refusal=True, refused=True,
                      problem=f"{where}: denial not in the access log")
