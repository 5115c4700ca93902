"""The `Klientportal-Signature` header (I/O-free).

`Klientportal-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`, one `v1` per
secret that currently signs: during a secret rotation's overlap the new and the old secret both
sign, so a receiver holding either verifies. A receiver checks that any `v1` matches under its
secret and that `t` is within its tolerance (default 5 minutes) to refuse replays.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets as _secrets
from collections.abc import Iterable

HEADER = "Klientportal-Signature"
TOLERANCE_S = 300
SECRET_PREFIX = "whsec_"


def new_secret() -> str:
    """A fresh signing secret: 32 random bytes, hex, with a recognisable prefix."""
    return SECRET_PREFIX + _secrets.token_hex(32)


def v1(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def signature_header(secrets: Iterable[str], timestamp: int, body: bytes) -> str:
    parts = [f"t={timestamp}", *(f"v1={v1(s, timestamp, body)}" for s in secrets)]
    if len(parts) < 2:
        raise ValueError("at least one secret must sign")
    return ",".join(parts)


class SignatureError(ValueError):
    pass


def verify(header: str, body: bytes, secret: str, now: int, tolerance_s: int = TOLERANCE_S) -> int:
    """Check `header` over `body` with `secret`; the signed timestamp, or SignatureError."""
    timestamp: int | None = None
    signatures: list[str] = []
    for part in header.split(","):
        name, _, value = part.strip().partition("=")
        if name == "t":
            try:
                timestamp = int(value)
            except ValueError:
                raise SignatureError("t is not a number") from None
        elif name == "v1":
            signatures.append(value)
    if timestamp is None or not signatures:
        raise SignatureError("the header needs t= and at least one v1=")
    if abs(now - timestamp) > tolerance_s:
        raise SignatureError("the timestamp is outside the tolerance")
    expected = v1(secret, timestamp, body)
    if not any(hmac.compare_digest(expected, s) for s in signatures):
        raise SignatureError("no v1 signature matches")
    return timestamp
