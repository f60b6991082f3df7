"""The association's settings: named values such as its name and the sign-in policy."""
from __future__ import annotations

from functools import lru_cache

from flask import g, has_request_context
from sqlalchemy import select

from .extensions import db
from .models import Setting
from .models.settings import REQUIRE_TWO_FACTOR

# The settings nearly every request reads: the association's name (in the page layout) and
# whether two-step sign-in is required (checked before each request).
_EVERY_REQUEST = ("association_name", REQUIRE_TWO_FACTOR)


@lru_cache(maxsize=None)
def _every_request_query():
    return select(Setting.key, Setting.value).where(Setting.key.in_(_EVERY_REQUEST))


def setting_value(key: str) -> str | None:
    """Return a setting's value, or None; those every request reads come in one query."""
    if key in _EVERY_REQUEST and has_request_context():
        if "settings" not in g:
            g.settings = dict(db.session.execute(_every_request_query()).all())
        return g.settings.get(key)
    setting = db.session.get(Setting, key)
    return setting.value if setting else None


def store_setting(key: str, value: str) -> bool:
    """Store a setting; return whether it changed. The request's copy is read again after."""
    if has_request_context():
        g.pop("settings", None)
    setting = db.session.get(Setting, key)
    if setting is None:
        db.session.add(Setting(key=key, value=value))
    elif setting.value == value:
        return False
    else:
        setting.value = value
    return True
