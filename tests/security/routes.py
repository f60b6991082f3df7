"""Routes as the app declares them: URL rules, their access rules and per-client checks.

Nothing here lists routes by hand. The expected outcome of a request is derived from
  * the rule declared with `allow(...)` (PUBLIC / SIGNED_IN / STAFF / ADMIN), and
  * the view's own call `client_or_404(client_id, section, write=...)`, read from its source,
together with the seeded pairing (the peer supporter sees client A's PEER_SECTIONS only).
"""
from __future__ import annotations

import ast
import inspect
import re
import textwrap
from dataclasses import dataclass
from functools import lru_cache

from association_tool.access import ACCESS_ATTR, STAFF
from association_tool.models.clients import STAFF_ONLY_SECTIONS

from .world import PEER_SECTIONS

STATE_CHANGING = ("POST", "PUT", "PATCH", "DELETE")
ARG_RE = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")

ALLOW, LOGIN, FORBIDDEN, NOT_FOUND = "allow", "login", "403", "404"


class CannotDerive(Exception):
    """The suite cannot tell how to call a route or what to expect from it."""


@dataclass(frozen=True)
class Route:
    rule: str
    endpoint: str
    method: str
    declared: object                 # access.Rule or None
    args: tuple[str, ...]
    client_check: tuple | None       # (section or None, write) from client_or_404, else None

    @property
    def changes_state(self) -> bool:
        return self.method in STATE_CHANGING

    def __str__(self):
        return f"{self.method} {self.rule}"


def _view_source_tree(view):
    function = inspect.unwrap(view)
    try:
        source = textwrap.dedent(inspect.getsource(function))
    except (OSError, TypeError):
        return None
    return ast.parse(source)


@lru_cache(maxsize=None)
def _client_checks(view) -> tuple:
    """The (section, write) pairs of every `client_or_404` call in the view's body."""
    tree = _view_source_tree(view)
    if tree is None:
        return ()
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
        if name != "client_or_404":
            continue
        section = None
        if len(node.args) > 1:
            if not isinstance(node.args[1], ast.Constant):
                raise CannotDerive("section is not a literal")
            section = node.args[1].value
        write = False
        for keyword in node.keywords:
            if keyword.arg == "section":
                if not isinstance(keyword.value, ast.Constant):
                    raise CannotDerive("section is not a literal")
                section = keyword.value.value
            if keyword.arg == "write":
                if not isinstance(keyword.value, ast.Constant):
                    raise CannotDerive("write is not a literal")
                write = bool(keyword.value.value)
        found.append((section, write))
    return tuple(dict.fromkeys(found))


def all_routes(app) -> tuple[list[Route], list[str]]:
    """Every (rule, method) of the app, and the problems that keep the suite from deriving one."""
    routes, problems = [], []
    for url_rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint)):
        view = app.view_functions[url_rule.endpoint]
        declared = getattr(view, ACCESS_ATTR, None)
        args = tuple(ARG_RE.findall(url_rule.rule))
        check = None
        if "client_id" in args:
            try:
                checks = _client_checks(view)
            except CannotDerive as error:
                problems.append(f"{url_rule.rule}: {error}")
                continue
            if len(checks) != 1:
                problems.append(f"{url_rule.rule} ({url_rule.endpoint}): expected one "
                                f"client_or_404(client_id, section, write=) call, found {checks}")
                continue
            check = checks[0]
        for method in sorted(url_rule.methods - {"HEAD", "OPTIONS"}):
            routes.append(Route(url_rule.rule, url_rule.endpoint, method, declared, args, check))
    return routes, problems


def unfillable(routes: list[Route], ids: dict) -> list[str]:
    """Routes with a URL argument the seeded world has no value for."""
    return sorted({f"{r.rule} needs <{a}>" for r in routes for a in r.args if a not in ids})


def scopes(route: Route, ids_by_side: dict) -> list[str]:
    """The object scopes to try: own (side A), other (side B), and foreign:<arg> (one id of B)."""
    result = ["own"]
    if any(ids_by_side["A"][a] != ids_by_side["B"][a] for a in route.args):
        result.append("other")
    if len(route.args) > 1:
        result += [f"foreign:{a}" for a in route.args[1:]
                   if ids_by_side["A"][a] != ids_by_side["B"][a]]
    return result


def ids_for(scope: str, ids_by_side: dict) -> dict:
    if scope == "own":
        return dict(ids_by_side["A"])
    if scope == "other":
        return dict(ids_by_side["B"])
    arg = scope.split(":", 1)[1]
    return dict(ids_by_side["A"], **{arg: ids_by_side["B"][arg]})


def url_for_route(route: Route, ids: dict) -> str:
    return ARG_RE.sub(lambda m: str(ids[m.group(1)]), route.rule)


def peer_may(section, write) -> bool:
    """What the seeded pairing lets the peer supporter do on client A (mirrors SECURITY.md 9)."""
    if write:
        return False
    return section is None or (section in PEER_SECTIONS and section not in STAFF_ONLY_SECTIONS)


def expected(route: Route, role: str | None, scope: str) -> str:
    """The expected outcome for a role and scope, from the declared rule and the pairing."""
    declared = route.declared
    if declared is None:
        return NOT_FOUND  # an undeclared route is closed (access.enforce_access)
    if declared.public:
        return ALLOW
    if role is None:
        return LOGIN
    if role not in declared.roles:
        return FORBIDDEN
    if scope.startswith("foreign:"):
        return NOT_FOUND
    if route.client_check is not None and role not in STAFF.roles:
        if scope != "own":
            return NOT_FOUND  # the peer supporter is not paired with client B
        return ALLOW if peer_may(*route.client_check) else NOT_FOUND
    return ALLOW


def outcome(response) -> str:
    """Classify a response as allow / login / 403 / 404 (or the bare status for anything else)."""
    status = response.status_code
    location = response.headers.get("Location", "") or response.headers.get("HX-Redirect", "")
    if status in (301, 302, 303, 307, 401) and "/login" in location:
        return LOGIN
    if status == 403:
        return FORBIDDEN
    if status == 404:
        return NOT_FOUND
    if status >= 500 or status == 401:
        return str(status)
    return ALLOW
