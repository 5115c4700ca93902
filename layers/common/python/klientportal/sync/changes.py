"""The change feed of a client: its domain events in audit order, resumable from a signed cursor.

The feed is the client's audit chain read forward, each event as the domain event the bus carries
(`klientportal.events.domain_event_detail`, stable `id` = tenant + sequence number). The cursor
names the last event handed out and is always returned, also when nothing new came: a follower
stores it and asks again later. Delivery is at least once: a follower that crashed before storing
the cursor gets the same events (same ids) again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from klientportal.events import domain_event_detail
from klientportal.repository import keys
from klientportal.repository.pagination import checked_limit, decode_cursor, encode_cursor
from klientportal.repository.store import Store

_SCOPE = {"feed": "changes"}


def _bound(pk: str) -> dict[str, Any]:
    """The scope Store.query binds its cursors to, for this feed (so its cursors work both ways)."""
    return {"pk": pk, "sk": keys.AUDIT_EVENT_PREFIX, "index": None, "forward": True, **_SCOPE}


@dataclass(frozen=True)
class ChangePage:
    events: list[dict[str, Any]]
    cursor: str | None  # resume here; None only for an empty feed read from the start
    has_more: bool


def changes(store: Store, client_id: str, cursor: str | None, limit: int | None) -> ChangePage:
    pk = keys.client_pk(client_id)
    decode_cursor(cursor, _bound(pk))  # 422 for a cursor of another client or list, before reading
    page = store.query(pk, keys.AUDIT_EVENT_PREFIX, limit=checked_limit(limit), cursor=cursor, scope=_SCOPE)
    events = [domain_event_detail(pk, json.loads(r.extra["event"])) for r in page.items]
    if page.items:
        last = page.items[-1]
        resume = encode_cursor({"PK": last.pk, "SK": last.sk}, _bound(pk))
    else:
        resume = cursor
    return ChangePage(events, resume, page.next_cursor is not None)
