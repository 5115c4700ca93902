"""Opaque, signed pagination cursors, bound to the list (tenant partition, key range, filter) they
were issued for.

A cursor is `<payload>.<mac>`: the payload is the base64url JSON of the last evaluated key, the mac an
HMAC-SHA256 with the deployment's cursor signing key over the payload and the list's scope. A cursor of
another tenant, another list or another filter, or an altered one, does not verify: 422.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable
from typing import Any

from klientportal.crypto.deployment_secrets import cursor_signing_key
from klientportal.errors import FieldError, InvalidInput

MAX_LIMIT = 200
DEFAULT_LIMIT = 50


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _canonical(value: dict[str, Any]) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _mac(key: bytes, payload: str, scope: dict[str, Any]) -> str:
    message = payload.encode() + b"\n" + _canonical(scope)
    return _b64(hmac.new(key, message, hashlib.sha256).digest())


def _invalid() -> InvalidInput:
    return InvalidInput("the cursor is not valid for this list", [FieldError("cursor", "invalid cursor")])


def encode_cursor(
    last_key: dict[str, Any] | None, scope: dict[str, Any], signing_key: Callable[[], bytes] = cursor_signing_key
) -> str | None:
    """A cursor continuing after `last_key`, valid only for the list described by `scope`."""
    if not last_key:
        return None
    payload = _b64(_canonical(last_key))
    return f"{payload}.{_mac(signing_key(), payload, scope)}"


def decode_cursor(
    cursor: str | None, scope: dict[str, Any], signing_key: Callable[[], bytes] = cursor_signing_key
) -> dict[str, Any] | None:
    """The key in `cursor` if it was issued for `scope` by this deployment; else 422."""
    if not cursor:
        return None
    payload, dot, mac = cursor.partition(".")
    if not dot or not hmac.compare_digest(mac.encode(), _mac(signing_key(), payload, scope).encode()):
        raise _invalid()
    try:
        key = json.loads(_unb64(payload))
    except (ValueError, json.JSONDecodeError):
        raise _invalid() from None
    if not isinstance(key, dict) or not all(isinstance(v, str) for v in key.values()):
        raise _invalid()
    return key


def checked_limit(limit: int | None) -> int:
    if limit is None:
        return DEFAULT_LIMIT
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput("limit out of range", [FieldError("limit", f"must be between 1 and {MAX_LIMIT}")])
    return limit
