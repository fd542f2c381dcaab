"""Field encryption (AES-GCM) with a keyed index for exact lookup.

Keys live outside the database (settings.FIELD_KEYS / INDEX_KEY). The ciphertext
carries the id of the key that made it so keys can be rotated; the index is an
HMAC-SHA256 keyed with INDEX_KEY and namespaced by purpose, because an unkeyed hash
of an ID number can be brute-forced from birth dates.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings


class DecryptionError(ValueError):
    pass


def encrypt(plaintext: str, *, context: str = "") -> str:
    key_id = settings.FIELD_KEY_CURRENT
    nonce = os.urandom(12)
    sealed = AESGCM(settings.FIELD_KEYS[key_id]).encrypt(
        nonce, plaintext.encode("utf-8"), context.encode("utf-8") or None
    )
    return f"{key_id}:{base64.urlsafe_b64encode(nonce + sealed).decode('ascii')}"


def decrypt(token: str, *, context: str = "") -> str:
    try:
        key_id, payload = token.split(":", 1)
        key = settings.FIELD_KEYS[key_id]
        raw = base64.urlsafe_b64decode(payload.encode("ascii"))
        plain = AESGCM(key).decrypt(raw[:12], raw[12:], context.encode("utf-8") or None)
    except Exception as exc:  # every failure is the same failure to the caller
        raise DecryptionError("cannot decrypt field") from exc
    return plain.decode("utf-8")


def blind_index(value: str, *, purpose: str) -> str:
    """Keyed, deterministic index of a normalised value for exact lookup."""
    message = f"{purpose}\x00{value}".encode()
    return hmac.new(settings.INDEX_KEY, message, hashlib.sha256).hexdigest()
