"""Password hashing (Argon2id) and the password policy."""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import lazy_gettext as _l

MIN_LENGTH = 12
MAX_LENGTH = 128

# argon2-cffi defaults: Argon2id, RFC 9106 low-memory profile (64 MiB, 3 passes, 4 lanes).
PRODUCTION_HASHER = PasswordHasher()
_hasher = PRODUCTION_HASHER
_PADDING = re.compile(r"^[\d\W_]*$")


def use_hasher(hasher: PasswordHasher) -> None:
    """Hash and verify with other parameters from now on (the test suite's cheap profile)."""
    global _hasher
    _hasher = hasher
    _dummy_hash.cache_clear()


def hash_password(password: str) -> str:
    """Hash a password with Argon2id."""
    return _hasher.hash(password)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """A hash verified when the e-mail is unknown, so that a wrong address takes as long as a
    wrong password (made on first use, not at start-up: hashing takes a tenth of a second)."""
    return _hasher.hash("timing-equaliser-not-a-password")


def verify_password(password_hash: str | None, password: str) -> bool:
    """Check a password against its hash in constant effort, also when there is no hash."""
    try:
        return _hasher.verify(password_hash or _dummy_hash(), password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """Tell whether the hash was made with weaker parameters than today's."""
    try:
        return _hasher.check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


@lru_cache(maxsize=1)
def _common() -> frozenset[str]:
    """Load the list of common passwords and stems."""
    path = Path(__file__).with_name("data") / "common_passwords.txt"
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def _is_common(password: str) -> bool:
    """Tell whether a password is a common one or a common stem with padding or repetition."""
    lowered = password.lower()
    common = _common()
    if lowered in common or len(set(lowered)) <= 2:
        return True
    for stem in common:
        if lowered.startswith(stem) and _PADDING.match(lowered[len(stem):]):
            return True
        if lowered.endswith(stem) and _PADDING.match(lowered[: -len(stem)]):
            return True
    # The same short chunk repeated: "abcabcabcabc".
    for size in range(1, len(lowered) // 2 + 1):
        if len(lowered) % size == 0 and lowered[:size] * (len(lowered) // size) == lowered:
            return True
    return False


def password_problems(password: str, *, email: str = "", name: str = "") -> list:
    """Return the reasons a new password is refused; an empty list means it is fine."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(_l("Use at least %(n)d characters.", n=MIN_LENGTH))
    elif len(password) > MAX_LENGTH:
        problems.append(_l("Use at most %(n)d characters.", n=MAX_LENGTH))
    elif _is_common(password):
        problems.append(_l("This password is too common. Try a few unrelated words."))
    else:
        lowered = password.lower()
        personal = {email.lower(), email.lower().split("@")[0], name.lower(), name.lower().replace(" ", "")}
        if any(p and len(p) >= 4 and p in lowered for p in personal):
            problems.append(_l("Do not use your name or e-mail address in your password."))
    return problems
