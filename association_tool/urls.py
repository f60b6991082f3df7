"""Addresses of records for long lists: `url_for` once per endpoint and page, not per row.

A page that lists a worker's tasks, goal reviews and clients links each row to its client and
its section, three or four addresses a row: with a caseload of 2,000 clients the home page built
330 addresses, and Flask's `url_for` takes 7-10 µs each (about a tenth of the page's own work).
`record_url`, a template global, builds an endpoint's address once per rendering with stand-in
numbers for its record ids, then fills in each row's ids: the same address `url_for` would give
(the app's prefix, the rule's converters), for rules whose variables are whole numbers
(`<int:client_id>`).
tests/test_urls.py compares the two.
"""
from __future__ import annotations

from urllib.parse import quote

from flask import has_request_context, url_for

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


class RecordUrls:
    """`record_url` for one rendering (a template's global, made new for each): the addresses
    it builds are kept only while that page is rendered, in that request."""

    def __init__(self):
        self._templates: dict = {}
        self._in_request = has_request_context()

    def __call__(self, endpoint: str, _anchor: str | None = None, **ids: int) -> str:
        """Return url_for(endpoint, **ids, _anchor=_anchor) for whole-number ids, cheaply."""
        if not self._in_request or not all(type(value) is int and value >= 0
                                           for value in ids.values()):
            return url_for(endpoint, _anchor=_anchor, **ids)
        key = (endpoint, *ids)
        template = self._templates.get(key, False)
        if template is False:
            template = self._templates[key] = _template(endpoint, tuple(ids))
        if template is None:
            return url_for(endpoint, _anchor=_anchor, **ids)
        address = template.format_map(ids)
        if _anchor is not None:  # quoted as url_for quotes it
            address += "#" + quote(_anchor, safe="%!#$&'()*+,/:;=?@")
        return address


def record_url(endpoint: str, _anchor: str | None = None, **ids: int) -> str:
    """url_for for one address (templates get a `RecordUrls` that keeps what it built)."""
    return RecordUrls()(endpoint, _anchor=_anchor, **ids)
