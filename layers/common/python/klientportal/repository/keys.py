"""Key builders. Every partition key starts with the tenant (T#<client>) or bureau (B#<bureau>).

See docs/data-model.md for the access patterns these keys serve.
"""
from __future__ import annotations

import re

_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def _checked(value: str) -> str:
    if not _ID.match(value):
        raise ValueError(f"not a valid identifier: {value!r}")
    return value


def client_pk(client_id: str) -> str:
    return f"T#{_checked(client_id)}"


def bureau_pk(bureau_id: str) -> str:
    return f"B#{_checked(bureau_id)}"


def subject_gsi(sub: str) -> str:
    """GSI1 partition listing every membership of one signed-in identity (the auth lookup)."""
    return f"SUB#{sub}"


def bureau_clients_gsi(bureau_id: str) -> str:
    """GSI1 partition listing a bureau's clients."""
    return f"B#{_checked(bureau_id)}#CLIENTS"


AUDIT_HEAD_SK = "AUDIT#HEAD"
AUDIT_HEADS_GSI = "AUDIT#HEADS#"  # + shard: GSI1 partitions listing every chain's head (audit anchors)
AUDIT_EVENT_PREFIX = "AUDIT#E#"


def audit_event_sk(seq: int) -> str:
    return f"{AUDIT_EVENT_PREFIX}{seq:012d}"
