"""Opaque cursors for DynamoDB pagination, bound to the partition they were issued for."""
from __future__ import annotations

import base64
import json
from typing import Any

from klientportal.errors import InvalidInput, FieldError

MAX_LIMIT = 200
DEFAULT_LIMIT = 50


def encode_cursor(last_key: dict[str, Any] | None) -> str | None:
    if not last_key:
        return None
    raw = json.dumps(last_key, sort_keys=True, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None, *, partition_attr: str, partition: str) -> dict[str, Any] | None:
    """The ExclusiveStartKey in `cursor`; a cursor from another partition (tenant) is refused."""
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        key = json.loads(raw)
    except (ValueError, json.JSONDecodeError):
        key = None
    if not isinstance(key, dict) or key.get(partition_attr) != partition:
        raise InvalidInput("the cursor is not valid for this list", [FieldError("cursor", "invalid cursor")])
    if not all(isinstance(v, str) for v in key.values()):
        raise InvalidInput("the cursor is not valid for this list", [FieldError("cursor", "invalid cursor")])
    return key


def checked_limit(limit: int | None) -> int:
    if limit is None:
        return DEFAULT_LIMIT
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput("limit out of range", [FieldError("limit", f"must be between 1 and {MAX_LIMIT}")])
    return limit
