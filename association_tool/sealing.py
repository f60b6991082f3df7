"""Sealing small secrets at rest (the authenticator secrets) with AES-256-GCM.

The key is 32 random bytes written as URL-safe base64 (44 characters): TOTP_ENCRYPTION_KEY, or
the file `totp_key` generated once in the instance folder (config.py). A sealed value is
"v1:" followed by the URL-safe base64 of a fresh 12-byte nonce and the ciphertext with its
16-byte tag. The associated data names what the value belongs to (for example the user's row),
so a sealed value copied onto another row does not open there.

This module imports nothing of the app, so that migrations can use it as the app does.
"""
from __future__ import annotations

import base64
import binascii
import os
import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

PREFIX = "v1:"
_NONCE_BYTES = 12
KEY_HELP = ("The key is kept in the instance folder's file totp_key or given by "
            "TOTP_ENCRYPTION_KEY: 32 random bytes in URL-safe base64 (44 characters).")


class SealKeyError(Exception):
    """The key is malformed, or it does not open what was sealed (another or a lost key)."""


def new_key() -> str:
    """Return a fresh random key in its written form."""
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode("ascii")


def parse_key(text: str | None) -> bytes:
    """Return the 32 key bytes of a written key, or raise SealKeyError saying what is wrong."""
    try:
        key = base64.urlsafe_b64decode((text or "").strip().encode("ascii"))
    except (binascii.Error, UnicodeEncodeError, ValueError):
        key = b""
    if len(key) != 32:
        raise SealKeyError("The encryption key of the authenticator secrets is malformed. "
                           + KEY_HELP)
    return key


def is_sealed(value: str | None) -> bool:
    """Tell whether a stored value is sealed (rather than empty or in clear)."""
    return bool(value) and value.startswith(PREFIX)


def seal(key_text: str, plaintext: str, context: str) -> str:
    """Encrypt `plaintext` for the row named by `context`."""
    nonce = os.urandom(_NONCE_BYTES)
    sealed = AESGCM(parse_key(key_text)).encrypt(nonce, plaintext.encode("utf-8"),
                                                 context.encode("utf-8"))
    return PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode("ascii")


def unseal(key_text: str, value: str, context: str) -> str:
    """Decrypt a sealed value of the row named by `context`; SealKeyError when it does not open."""
    key = parse_key(key_text)
    if not is_sealed(value):
        raise SealKeyError("A stored authenticator secret is not sealed.")
    try:
        raw = base64.urlsafe_b64decode(value[len(PREFIX):].encode("ascii"))
        plain = AESGCM(key).decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:],
                                    context.encode("utf-8"))
    except (InvalidTag, binascii.Error, ValueError) as error:
        raise SealKeyError(
            "The encryption key does not open the stored authenticator secrets: it is not the "
            "key they were sealed with (was the instance folder or TOTP_ENCRYPTION_KEY "
            "changed?). Put the right key back, or have each user set up two-step sign-in "
            "again (flask users reset-two-factor). " + KEY_HELP) from error
    return plain.decode("utf-8")


def user_context(user_id: int) -> str:
    """The associated data of a user's authenticator secret."""
    return f"totp-secret:user:{user_id}"
