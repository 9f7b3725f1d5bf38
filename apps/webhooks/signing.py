"""How a delivery is signed: Stripe's scheme, under our header name.

``Atelier-Signature: t=<unix time>,v1=<hex HMAC-SHA256>`` where the HMAC's key is the endpoint's
secret (the whole ``whsec_…`` string, UTF-8) and its message is ``f"{t}.{body}"`` — the
timestamp, a dot and the raw request body. During the grace period after a rotation a second
``v1=`` is signed with the previous secret. docs/guide/webhooks.md shows how to verify it.
"""

import hashlib
import hmac
import secrets

SIGNATURE_HEADER = "Atelier-Signature"
SECRET_PREFIX = "whsec_"


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def secret_hint(secret: str) -> str:
    return f"{SECRET_PREFIX}…{secret[-4:]}"


def signature(secret: str, timestamp: int, body: bytes) -> str:
    message = f"{timestamp}.".encode() + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_header(secrets_: list[str], timestamp: int, body: bytes) -> str:
    """The header's value: the time, then one ``v1=`` per secret that signs now."""
    parts = [f"t={timestamp}"] + [f"v1={signature(s, timestamp, body)}" for s in secrets_]
    return ",".join(parts)
