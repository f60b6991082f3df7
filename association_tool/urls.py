"""Addresses of records for long lists: `url_for` once per endpoint and request, not per row.

A page that lists a worker's tasks, goal reviews and clients links each row to its client and
its section, three or four addresses a row: with a caseload of 2,000 clients the home page built
330 addresses, and Flask's `url_for` takes 7-10 µs each (about a tenth of the page's own work).
`record_url` builds an endpoint's address once per request with stand-in numbers for its record
ids, then fills in each row's ids: the same address `url_for` would give (the app's prefix, the
rule's converters), for rules whose variables are whole numbers (`<int:client_id>`).
tests/test_urls.py compares the two.
"""
from __future__ import annotations

from urllib.parse import quote

from flask import g, has_request_context, request, url_for

_CACHE = "record_url_templates"
# Stand-ins for the ids while the address is built once: distinct numbers of equal length, so
# that none is found inside another.
_STAND_IN = 9_176_000_000_000


def _template(endpoint: str, names: tuple[str, ...]) -> str | None:
    """The endpoint's address with a {name} in place of each id, or None when an id is not a
    variable of the address's path (then url_for is asked each time)."""
    stand_ins = {name: str(_STAND_IN + index) for index, name in enumerate(names)}
    built = url_for(endpoint, **{name: int(number) for name, number in stand_ins.items()})
    template = built.replace("{", "{{").replace("}", "}}")
    for name, number in stand_ins.items():
        if template.count(number) != 1:
            return None
        template = template.replace(number, "{" + name + "}")
    return template


def record_url(endpoint: str, _anchor: str | None = None, **ids: int) -> str:
    """Return url_for(endpoint, **ids, _anchor=_anchor) for whole-number ids, built cheaply."""
    if not has_request_context() or not all(type(value) is int and value >= 0
                                            for value in ids.values()):
        return url_for(endpoint, _anchor=_anchor, **ids)
    templates = g.setdefault(_CACHE, {})
    # The app's prefix is part of the key: `g` lives as long as the app context, which a
    # command or a test may keep over several requests.
    key = (request.script_root, endpoint, tuple(sorted(ids)))
    if key not in templates:
        templates[key] = _template(endpoint, key[2])
    template = templates[key]
    if template is None:
        return url_for(endpoint, _anchor=_anchor, **ids)
    address = template.format(**ids)
    if _anchor is not None:  # quoted as url_for quotes it
        address += "#" + quote(_anchor, safe="%!#$&'()*+,/:;=?@")
    return address
