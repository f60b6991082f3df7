"""The association's settings: named values such as its name, its contact details and the
sign-in policy; and whom a client is told to call on the documents printed for them.

This is the one home of the settings: features read and store them here, never through auth or
admin."""
from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from functools import lru_cache
from typing import TypedDict

from flask import g, has_request_context
from sqlalchemy import select

from . import audit
from .extensions import db
from .models import Setting, User
from .models.settings import REQUIRE_TWO_FACTOR

ASSOCIATION_NAME = "association_name"
# The settings nearly every request reads: the association's name (in the page layout) and
# whether two-step sign-in is required (checked before each request).
_EVERY_REQUEST = (ASSOCIATION_NAME, REQUIRE_TWO_FACTOR)


@lru_cache(maxsize=None)
def _every_request_query():
    return select(Setting.key, Setting.value).where(Setting.key.in_(_EVERY_REQUEST))


def setting_value(key: str) -> str | None:
    """Return a setting's value, or None; those every request reads come in one query.

    In a request each setting is read once, also one that is not set (a page showing a form
    per goal asks for the same setting for each).
    """
    if not has_request_context():
        setting = db.session.get(Setting, key)
        return setting.value if setting else None
    if "settings" not in g:
        g.settings = dict(db.session.execute(_every_request_query()).all())
        g.settings.update(dict.fromkeys(k for k in _EVERY_REQUEST if k not in g.settings))
    if key not in g.settings:
        setting = db.session.get(Setting, key)
        g.settings[key] = setting.value if setting else None
    return g.settings[key]


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


# --- the association's name and sign-in policy --------------------------------------------------

def association_name() -> str:
    """Return the association's name from the settings."""
    return setting_value(ASSOCIATION_NAME) or ""


def set_association_name(name: str) -> None:
    """Store the association's name."""
    store_setting(ASSOCIATION_NAME, name)


def required_by_association() -> bool:
    """Tell whether an admin has made two-step sign-in compulsory for staff and admins."""
    return setting_value(REQUIRE_TWO_FACTOR) == "1"


def set_required_by_association(required: bool) -> None:
    """Make two-step sign-in compulsory for staff and admins, or optional again; logged.

    Saving the policy as it is (optional and never set, say) stores and logs nothing.
    """
    if required == required_by_association():
        return
    if not store_setting(REQUIRE_TWO_FACTOR, "1" if required else "0"):
        return
    db.session.flush()
    audit.record(audit.Action.UPDATE, object_type="settings",
                 detail="two-step sign-in " + ("required for staff and admins" if required
                                               else "optional"))


# --- the municipalities the association records for its clients ---------------------------------

MUNICIPALITIES = "municipalities"
MUNICIPALITY_MAX = 80
MUNICIPALITIES_MAX = 200


def clean_municipalities(text: str | None) -> list[str]:
    """The names of a list typed one per line: trimmed, empty lines and repeats left out."""
    names: dict[str, str] = {}
    for line in (text or "").splitlines():
        name = " ".join(line.split())
        if name and name.casefold() not in names:
            names[name.casefold()] = name
    return list(names.values())


def municipalities() -> list[str]:
    """The municipalities a client's record may name, in the association's own order."""
    return clean_municipalities(setting_value(MUNICIPALITIES))


def store_municipalities(text: str | None) -> bool:
    """Store the list of municipalities (one per line); return whether it changed.

    Clients keep a municipality taken off the list: their forms still offer it.
    """
    value = "\n".join(clean_municipalities(text))
    if value == (setting_value(MUNICIPALITIES) or ""):
        return False
    return store_setting(MUNICIPALITIES, value)


# --- the association's contact details and whom to call -------------------------------------------

# Setting keys of the association's contact details, as printed on documents for clients.
ASSOCIATION_PHONE = "association_phone"
ASSOCIATION_ADDRESS = "association_address"
ASSOCIATION_HOURS = "association_hours"
CONTACT_KEYS = (ASSOCIATION_PHONE, ASSOCIATION_ADDRESS, ASSOCIATION_HOURS)


def association_contact() -> dict[str, str]:
    """Return the association's phone, address and opening hours ('' when not set)."""
    return {key: setting_value(key) or "" for key in CONTACT_KEYS}


def store_association_contact(values: dict[str, str]) -> list[str]:
    """Store the association's contact details; return the keys that changed.

    A value that is unchanged, or left empty where none was set, is not written: saving the
    settings form unchanged adds and changes no rows.
    """
    changed = []
    for key in CONTACT_KEYS:
        value = (values.get(key) or "").strip()
        if key == ASSOCIATION_HOURS:  # one line each, however the browser ended them
            value = "\n".join(line.strip() for line in value.splitlines() if line.strip())
        if value == (setting_value(key) or ""):
            continue
        store_setting(key, value)
        changed.append(key)
    return changed


@dataclass(frozen=True)
class WhoToCall:
    """Whom the client calls about a document: a worker, and the association itself.

    `person_phone` is the worker's number only when they let it be printed;
    `person_phone_withheld` tells that they have one but chose not to print it.
    """

    person_name: str = ""
    person_phone: str = ""
    person_phone_withheld: bool = False
    association: str = ""
    phone: str = ""
    address: str = ""
    hours: tuple[str, ...] = ()

    @property
    def has_number(self) -> bool:
        """Tell whether the client has any number to call."""
        return bool(self.person_phone or self.phone)

    @property
    def has_anything(self) -> bool:
        """Tell whether there is anything to put in a contact box."""
        return bool(self.person_name or self.has_number or self.address or self.hours)


def who_to_call(person: User | None) -> WhoToCall:
    """The contact box of every document for a client: the worker and the association.

    The worker's phone is printed only when they allow it (their own account settings); the
    association's phone, address and opening hours come from the settings.
    """
    contact = association_contact()
    phone = (person.phone or "") if person is not None else ""
    printed = bool(phone) and person.phone_on_documents
    return WhoToCall(
        person_name=person.name if person is not None else "",
        person_phone=phone if printed else "",
        person_phone_withheld=bool(phone) and not printed,
        association=association_name(),
        phone=contact[ASSOCIATION_PHONE],
        address=contact[ASSOCIATION_ADDRESS],
        hours=tuple(line.strip() for line in contact[ASSOCIATION_HOURS].splitlines()
                    if line.strip()),
    )


# --- the letterhead of documents: the association's name and logo ---------------------------------

# The logo is one setting row (JSON with the type and the bytes as base64); admin/logo.py checks
# and stores an upload, the PDF engine shows it.
LOGO_KEY = "logo"
LOGO_TYPES = ("image/png", "image/jpeg", "image/svg+xml")


class Letterhead(TypedDict):
    """What every document's header shows; passed to `pdf.render_pdf` as keyword arguments."""

    association: str
    logo: tuple[str, bytes] | None


def stored_logo() -> tuple[str, bytes] | None:
    """Return the association's logo as (MIME type, bytes), or None when there is none."""
    stored = setting_value(LOGO_KEY)
    if stored is None:
        return None
    try:
        value = json.loads(stored)
        mime, data = value["mime"], base64.b64decode(value["data"], validate=True)
    except (ValueError, KeyError, TypeError, binascii.Error):
        return None
    return (mime, data) if mime in LOGO_TYPES else None


def letterhead() -> Letterhead:
    """Return the association's name and logo for a document's header (never fails a document).

    Every PDF takes these from here: `render_pdf(template, ..., **letterhead())`.
    """
    try:
        association = association_name()
    except Exception:  # the header is not worth failing a document for
        association = ""
    try:
        logo = stored_logo()
    except Exception:  # a missing table or a broken row: the document goes out without a logo
        logo = None
    return Letterhead(association=association, logo=logo)


# --- how long data is kept (the association's retention policy) -----------------------------------

# Months a client's data is kept after the relationship ended, months anonymous contacts keep
# their notes, and months the access log is kept (separate and longer).
RETENTION_CLIENT_MONTHS = "retention_client_months"
RETENTION_ANONYMOUS_MONTHS = "retention_anonymous_months"
RETENTION_LOG_MONTHS = "retention_log_months"
# "1" (the default) when the client's own copy includes staff-only notes and social services
# notifications; "0" when the association's policy leaves them out.
COPY_INCLUDES_STAFF_ONLY = "copy_includes_staff_only"
RETENTION_DEFAULTS = {RETENTION_CLIENT_MONTHS: 24, RETENTION_ANONYMOUS_MONTHS: 24,
                      RETENTION_LOG_MONTHS: 60}


def retention_policy() -> dict[str, int]:
    """Return the retention periods in months (the defaults where none was stored)."""
    policy = {}
    for key, default in RETENTION_DEFAULTS.items():
        try:
            policy[key] = int(setting_value(key) or default)
        except ValueError:
            policy[key] = default
    return policy


def copy_includes_staff_only() -> bool:
    """Tell whether the client's own copy includes staff-only notes and notifications."""
    return setting_value(COPY_INCLUDES_STAFF_ONLY) != "0"


def store_retention_policy(months: dict[str, int], include_staff_only: bool) -> list[str]:
    """Store the retention periods and the copy's policy; log and return the keys that changed.

    Saving the defaults unchanged stores nothing.
    """
    changed = []
    current = retention_policy()
    for key in RETENTION_DEFAULTS:
        if key in months and int(months[key]) != current[key]:
            store_setting(key, str(int(months[key])))
            changed.append(key)
    if include_staff_only != copy_includes_staff_only():
        store_setting(COPY_INCLUDES_STAFF_ONLY, "1" if include_staff_only else "0")
        changed.append(COPY_INCLUDES_STAFF_ONLY)
    if changed:
        db.session.flush()
        audit.record(audit.Action.UPDATE, object_type="settings",
                     detail="retention: " + ", ".join(
                         f"{key}={setting_value(key)}" for key in changed))
    return changed
