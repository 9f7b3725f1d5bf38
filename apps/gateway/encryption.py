"""Encryption at rest for bring-your-own provider keys.

Keys come from ``ATELIER_ENCRYPTION_KEYS`` (comma-separated). The first one encrypts; every one
decrypts, so rotating is: put a new key first, run ``manage.py gateway_reencrypt_keys``, then drop
the old key. Each entry is a Fernet key (32 url-safe base64 bytes) or any passphrase, from which
one is derived. With none configured, keys are derived from ``SECRET_KEY`` and
``SECRET_KEY_FALLBACKS`` (the first encrypts), which is fine for development only.
"""

from __future__ import annotations

import base64
import binascii
import functools

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

from apps.core.errors import ServiceError

_DERIVATION_INFO = b"atelier.gateway.provider-keys"


def _derive(secret: str) -> bytes:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_DERIVATION_INFO)
    return base64.urlsafe_b64encode(hkdf.derive(secret.encode()))


def _as_fernet_key(value: str) -> bytes:
    value = value.strip()
    try:
        if len(base64.urlsafe_b64decode(value.encode())) == 32:
            return value.encode()
    except (binascii.Error, ValueError):
        pass
    return _derive(value)


def configured_keys() -> tuple[str, ...]:
    keys = tuple(k for k in getattr(settings, "ATELIER_ENCRYPTION_KEYS", ()) if k and k.strip())
    if keys:
        return keys
    return (settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", ()))


@functools.lru_cache(maxsize=8)
def _multi_fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(_as_fernet_key(key)) for key in keys])


def _fernet() -> MultiFernet:
    return _multi_fernet(configured_keys())


def encrypt(plaintext: str) -> str:
    return _fernet().encrypt(plaintext.encode()).decode()


def decrypt(token: str, *, what: str = "a stored provider key") -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise ServiceError(
            f"{what[:1].upper()}{what[1:]} cannot be decrypted with the configured "
            "ATELIER_ENCRYPTION_KEYS (was a key removed before re-encrypting?). Enter the key "
            "again on the Models page.",
            code="undecryptable",
        ) from None


def rotate(token: str) -> str:
    """The same secret, encrypted under the newest key."""
    try:
        return _fernet().rotate(token.encode()).decode()
    except InvalidToken:
        raise ServiceError(
            "A stored provider key cannot be decrypted with any configured key.",
            code="undecryptable",
        ) from None


def last_four(plaintext: str) -> str:
    return plaintext[-4:] if len(plaintext) >= 8 else ""
