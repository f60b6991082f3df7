"""Cross-site scripting payloads and the check that a response keeps them inert.

Each payload carries a marker `xqNNz`, so anything in a response that came from input can be
recognised: a marker may appear in text, or in a form field's value, but never in a script or
style, an event handler, an htmx attribute, a URL, an id, or any attribute of its own.
"""
from __future__ import annotations

import re

from .pages import elements

_RAW = [
    "<script>alert('{m}')</script>",
    "<img src=x onerror=alert('{m}')>",
    "<svg onload=alert('{m}')>",
    "<svg><script>alert('{m}')</script></svg>",
    "\"><script>alert('{m}')</script>",
    "'><img src=x onerror=alert('{m}')>",
    "<a href=\"javascript:alert('{m}')\">x</a>",
    "javascript:alert('{m}')",
    "<iframe src=\"javascript:alert('{m}')\"></iframe>",
    "<body onload=alert('{m}')>",
    "<div hx-get=\"/admin/users\" hx-trigger=\"load\" id=\"{m}\">x</div>",
    "<div hx-on:click=\"alert('{m}')\">x</div>",
    "<div hx-on::load=\"alert('{m}')\">x</div>",
    "<form hx-post=\"/logout\" hx-trigger=\"load\" id=\"{m}\"></form>",
    "{{{{7*7}}}}{m}",
    "{{{{ config }}}}{m}",
    "{{% print 7*7 %}}{m}",
    "${{7*7}}{m}",
    "<details open ontoggle=alert('{m}')>",
    "<input autofocus onfocus=alert('{m}')>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert('{m}')>",
    "<style>*{{background:url('//evil.example/{m}')}}</style>",
    "<link rel=stylesheet href=//evil.example/{m}.css>",
    "<link rel=attachment href=file:///etc/passwd title={m}>",
    "<img src=\"file:///etc/passwd\" alt={m}>",
    "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert('{m}')\">",
    "<object data=\"javascript:alert('{m}')\"></object>",
    "<embed src=\"javascript:alert('{m}')\">",
    "<base href=\"//evil.example/{m}/\">",
    "<a href=\"&#106;avascript:alert('{m}')\">x</a>",
    "<a href=\" javascript:alert('{m}')\">x</a>",
    "<svg><a xlink:href=\"javascript:alert('{m}')\"><text>x</text></a></svg>",
    "<svg><animate onbegin=alert('{m}') attributeName=x dur=1s>",
    "<img src=x:alert(1) onerror=eval(src) alt={m}>",
    "</textarea><script>alert('{m}')</script>",
    "</title><script>alert('{m}')</script>",
    "</style><script>alert('{m}')</script>",
    "<!--<img src=\"--><img src=x onerror=alert('{m}')//\">",
    "<scr<script>ipt>alert('{m}')</scr</script>ipt>",
    "\" onmouseover=\"alert('{m}')\" x=\"",
    "' onfocus='alert(1)' autofocus x='{m}",
    "<div style=\"background:url(javascript:alert('{m}'))\">x</div>",
    "<button formaction=\"javascript:alert('{m}')\">x</button>",
    "<video><source onerror=\"alert('{m}')\"></video>",
    "<marquee onstart=alert('{m}')>x</marquee>",
    "<x hx-vals='{{\"a\":\"{m}\"}}' hx-post=\"/logout\" hx-trigger=\"load\">",
    "<div data-hx-get=\"/admin/users\" data-hx-trigger=\"load\" id=\"{m}\">x</div>",
    "<template><script>alert('{m}')</script></template>",
    "<noscript><p title=\"</noscript><img src=x onerror=alert('{m}')>\">",
    "\\\"><svg/onload=alert('{m}')>",
    "%3Cscript%3Ealert('{m}')%3C/script%3E",
    "<ScRiPt>alert('{m}')</sCrIpT>",
    "<img src=x onerror=\"&#97;lert('{m}')\">",
    "<svg><foreignObject><iframe srcdoc=\"<script>alert('{m}')</script>\"></iframe></foreignObject></svg>",
    "<a hx-boost=\"true\" href=\"//evil.example/{m}\">x</a>",
    "javascript://%0aalert('{m}')",
]

PAYLOADS = [(raw.format(m=f"xq{i:02d}z"), f"xq{i:02d}z") for i, raw in enumerate(_RAW, start=1)]
MARKER_RE = re.compile(r"xq\d\dz")
# Server-side template evaluation would turn these into 49 followed by the marker.
EVALUATED = [f"49{m}" for p, m in PAYLOADS if "7*7" in p]

# Attributes where typed text legitimately appears (a form field keeps what was typed).
TEXT_ATTRIBUTES = {"value", "title", "alt", "aria-label", "placeholder"}
# Elements that load or change something: input in any of their attributes means they were made.
RESOURCE_TAGS = {"link", "base", "script", "style", "iframe", "object", "embed", "source",
                 "video", "audio", "form", "template"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster",
                  "background", "srcdoc", "hx-get", "hx-post", "hx-put", "hx-patch", "hx-delete"}


def fill(offset: int, limit: int) -> str:
    """Payloads from `offset` on, as many as fit in `limit` characters (at least one)."""
    parts, length = [], 0
    for step in range(len(PAYLOADS)):
        payload = PAYLOADS[(offset + step) % len(PAYLOADS)][0]
        if parts and length + len(payload) + 1 > limit:
            break
        if len(payload) > limit:
            continue
        parts.append(payload)
        length += len(payload) + 1
    return "\n".join(parts) if parts else PAYLOADS[offset % len(PAYLOADS)][1]


def problems(html: str) -> list[str]:
    """Anything in an HTML (or SVG) response that shows input became markup."""
    found = []
    tags, raw = elements(html)
    for tag, attrs in tags:
        named_meta = tag == "meta" and any(n == "name" for n, _ in attrs)
        for name, value in attrs:
            lowered = name.lower()
            if MARKER_RE.search(lowered):
                found.append(f"<{tag}> has an attribute made from input: {name}")
            if lowered.startswith("on"):
                found.append(f"<{tag} {name}=…> event handler")
            compact = re.sub(r"[\s\x00-\x1f]", "", value).lower()
            if lowered in URL_ATTRIBUTES and compact.startswith(("javascript:", "vbscript:",
                                                                  "file:")):
                found.append(f"<{tag} {name}={value[:40]!r}> script or file URL")
            if (MARKER_RE.search(value) and (lowered not in TEXT_ATTRIBUTES or tag in RESOURCE_TAGS)
                    and not (named_meta and lowered == "content")):
                found.append(f"<{tag} {name}={value[:60]!r}> carries input")
    for tag, text in raw:
        if MARKER_RE.search(text):
            found.append(f"<{tag}> content from input: {text[:60]!r}")
    for evaluated in EVALUATED:
        if evaluated in html:
            found.append(f"template expression evaluated: {evaluated}")
    if "<Config " in html or "SECRET_KEY" in html:
        found.append("app configuration rendered")
    return found


def markers_in(text: str) -> set[str]:
    return set(MARKER_RE.findall(text))


# --- malformed request bodies -------------------------------------------------------------------
# Bodies no browser sends: each must be refused with 400 on every route that takes a POST.

MULTIPART = "multipart/form-data; boundary=XyZ"
MALFORMED_BODIES = {
    "urlencoded, not UTF-8": (b"name=\xff\xfe&email=\xc3&csrf_token=\xe9", "application/x-www-form-urlencoded"),
    "multipart without boundary": (b'--XyZ\r\nContent-Disposition: form-data; name="name"\r\n\r\n'
                                   b"Anna\r\n--XyZ--\r\n", "multipart/form-data"),
    "multipart cut short": (b'--XyZ\r\nContent-Disposition: form-data; name="name"\r\n\r\nAn',
                            MULTIPART),
    "multipart part without a name": (b"--XyZ\r\nContent-Disposition: form-data\r\n\r\nAnna\r\n"
                                      b"--XyZ--\r\n", MULTIPART),
    "multipart file without a name": (b'--XyZ\r\nContent-Disposition: form-data; filename="a.png"'
                                      b"\r\nContent-Type: image/png\r\n\r\nPNG\r\n--XyZ--\r\n",
                                      MULTIPART),
}


def with_token(body: bytes, content_type: str, token: str) -> bytes:
    """Put a valid CSRF token in front of a multipart body, so that only the body is wrong."""
    if not content_type.startswith(MULTIPART):
        return body
    return (b'--XyZ\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n'
            + token.encode() + b"\r\n" + body)
