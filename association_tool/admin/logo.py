"""The association's logo for PDF headers: checked on upload, kept in the `setting` table.

Why the database and not the instance folder: the logo then travels with every backup and
restore, is the same for every app process and server (also on PostgreSQL), and needs no file
paths that could be pointed elsewhere. It is small (at most `pdf.LOGO_MAX_BYTES`), so it is
stored as base64 in one setting row (`logo`, JSON with the type and the bytes), which
`settings.stored_logo` reads back for documents.

Only PNG, JPEG and plain SVG are taken. The type is read from the bytes, never from the file
name or the browser's word. PNG and JPEG must open with Pillow (which WeasyPrint depends on);
an SVG must be well-formed, without DOCTYPE or entities, scripts, event handlers, foreign
objects or references to anything outside itself. The PDF engine would refuse such references
anyway (SECURITY.md 16); refusing them here tells the admin at once.
"""
from __future__ import annotations

import base64
import io
import json
import re
import xml.etree.ElementTree as ET  # nosec B405 # parsed only after DOCTYPE/ENTITY are refused

from .. import audit
from ..extensions import db
from ..models import Setting
from ..pdf import LOGO_MAX_BYTES
from ..settings import LOGO_KEY, store_setting

MAX_PIXELS = 4000 * 4000
_SVG_NS = "{http://www.w3.org/2000/svg}"
_FORBIDDEN_SVG_TAGS = {"script", "foreignobject", "iframe", "embed", "object", "audio", "video"}
_EXTERNAL_URL = re.compile(r"url\(\s*['\"]?\s*(?!#)", re.I)


class LogoError(Exception):
    """A file that cannot be the logo; the code says why (too_large, type, broken, unsafe_svg)."""


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def _check_svg(data: bytes) -> None:
    head = data[:4096].lower()
    if b"<!doctype" in data.lower() or b"<!entity" in data.lower():
        raise LogoError("unsafe_svg")
    try:
        root = ET.fromstring(data)  # nosec B314 # no DOCTYPE, so no entities to expand
    except ET.ParseError:
        raise LogoError("broken") from None
    if _local(root.tag) != "svg" or b"<svg" not in head:
        raise LogoError("type")
    for element in root.iter():
        if _local(element.tag) in _FORBIDDEN_SVG_TAGS:
            raise LogoError("unsafe_svg")
        for name, value in element.attrib.items():
            attr = _local(name)
            if attr.startswith("on"):
                raise LogoError("unsafe_svg")
            if attr in ("href", "src") and not value.strip().startswith("#"):
                raise LogoError("unsafe_svg")
            if _EXTERNAL_URL.search(value):
                raise LogoError("unsafe_svg")
        if _local(element.tag) == "style" and (
                "@import" in (element.text or "") or _EXTERNAL_URL.search(element.text or "")):
            raise LogoError("unsafe_svg")


def _check_bitmap(data: bytes, expected: str) -> None:
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as image:
            if Image.MIME.get(image.format) != expected:
                raise LogoError("type")
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise LogoError("too_large")
            image.verify()
    except LogoError:
        raise
    except Exception:  # Pillow raises many kinds of errors for a broken file
        raise LogoError("broken") from None


def check_logo(data: bytes) -> str:
    """Return the logo's MIME type, read from its bytes; raise LogoError if it is not usable."""
    if not data:
        raise LogoError("type")
    if len(data) > LOGO_MAX_BYTES:
        raise LogoError("too_large")
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        _check_bitmap(data, "image/png")
        return "image/png"
    if data[:3] == b"\xff\xd8\xff":
        _check_bitmap(data, "image/jpeg")
        return "image/jpeg"
    start = data.lstrip()[:5].lower()
    if start.startswith(b"<?xml") or start.startswith(b"<svg") or start.startswith(b"<!--"):
        _check_svg(data)
        return "image/svg+xml"
    raise LogoError("type")


def save_logo(data: bytes) -> str:
    """Check and store a new logo, log the change, and return its MIME type."""
    mime = check_logo(data)
    value = json.dumps({"mime": mime, "data": base64.b64encode(data).decode("ascii")})
    store_setting(LOGO_KEY, value)
    db.session.flush()
    audit.record(audit.Action.UPDATE, object_type="settings", detail=f"logo {mime}, {len(data)} bytes")
    return mime


def remove_logo() -> None:
    """Take the logo away (PDFs then show the association's name alone)."""
    setting = db.session.get(Setting, LOGO_KEY)
    if setting is not None:
        db.session.delete(setting)
        db.session.flush()
        audit.record(audit.Action.UPDATE, object_type="settings", detail="logo removed")
