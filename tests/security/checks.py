"""Checks applied to every response the suite sees."""
from __future__ import annotations

def parse_csp(value: str) -> dict[str, list[str]]:
    """A Content-Security-Policy as {directive: [sources]}."""
    policy = {}
    for part in value.split(";"):
        words = part.split()
        if words:
            policy.setdefault(words[0].lower(), words[1:])
    return policy


def csp_problems(value: str) -> list[str]:
    """SECURITY.md 15: default-src 'self' (or stricter), object-src/base-uri/frame-ancestors
    'none', and no inline or eval'd script."""
    policy = parse_csp(value)
    problems = []
    default = policy.get("default-src")
    if default is None or not set(default) <= {"'self'", "'none'"}:
        problems.append(f"default-src is {default}")
    objects = policy.get("object-src", default if default == ["'none'"] else None)
    if objects != ["'none'"]:
        problems.append(f"object-src is {objects}")
    for name in ("base-uri", "frame-ancestors"):
        if policy.get(name) != ["'none'"]:
            problems.append(f"{name} is {policy.get(name)}")
    script = policy.get("script-src", default) or []
    if "'unsafe-inline'" in script or "'unsafe-eval'" in script or "*" in script:
        problems.append(f"script-src allows {script}")
    return problems


def header_problems(response, *, endpoint: str, secure_cookie: bool = False) -> list[str]:
    """Security headers (SECURITY.md 15) and session cookie flags (SECURITY.md 6) of a response."""
    problems = []
    headers = response.headers
    problems += [f"CSP: {p}" for p in csp_problems(headers.get("Content-Security-Policy", ""))]
    if headers.get("X-Content-Type-Options") != "nosniff":
        problems.append("no X-Content-Type-Options: nosniff")
    if not headers.get("Referrer-Policy"):
        problems.append("no Referrer-Policy")
    if endpoint != "static" and "no-store" not in headers.get("Cache-Control", ""):
        problems.append("no Cache-Control: no-store")
    for cookie in headers.getlist("Set-Cookie"):
        flags = [part.strip().lower() for part in cookie.split(";")[1:]]
        if "httponly" not in flags:
            problems.append(f"cookie without HttpOnly: {cookie[:40]}")
        if "samesite=lax" not in flags and "samesite=strict" not in flags:
            problems.append(f"cookie without SameSite: {cookie[:40]}")
        if secure_cookie and "secure" not in flags:
            problems.append(f"cookie without Secure: {cookie[:40]}")
    return problems


def leaked_tokens(response, tokens) -> list[str]:
    """The client tokens found anywhere in a response: body and headers."""
    body = response.get_data(as_text=True)
    head = "\n".join(f"{k}: {v}" for k, v in response.headers.items())
    return [t for t in tokens if t in body or t in head]
