"""The bureau's change feed: every domain event of all its clients, in one order, from a signed cursor
(decision 0831).

The feed is a partition of its own (`B#<bureau>#FEED`), appended by the event-rule consumer
`sync-bureau-feed` and read by `GET /bureau/changes` without touching any client's partition:
- a head item holds the last position (1, 2, 3 … per bureau, no gaps);
- a mark per client holds the last of the client's audit sequence numbers appended;
- an event item per position holds the domain event as the bus and the client's feed carry it (same
  `id`), with its client and position.

Appending is catch-up, not one event at a time: for an event (client C, seq s) the consumer reads
C's audit events after C's mark (one Query of C's own chain) and appends them in C's order, moving
the head and C's mark in the same transaction, conditional on both (a racing appender loses and
reads again). So every client's events appear in its own order, each once, even when EventBridge and
SQS deliver out of order or twice: an event at or below the mark is already in the feed. A client's
first event after the feed is deployed brings its whole history (in chunks that each commit). The
cursor names the last position handed out; a follower that crashed gets the same events again
(at least once), with the same ids.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from klientportal.errors import StaleVersion
from klientportal.events import DomainEvent, domain_event_detail
from klientportal.repository import keys
from klientportal.repository.operational import OperationalStore
from klientportal.repository.pagination import checked_limit, decode_cursor, encode_cursor
from klientportal.repository.records import Record
from klientportal.repository.store import Store

CHUNK = 40  # events per transaction (+ head and mark; DynamoDB takes 100 items)
ATTEMPTS = 8  # racing appenders of one bureau: read again and retry, then leave it to the queue
_SCOPE = {"feed": "bureau-changes"}


def append(store: Store, ops: OperationalStore, event: DomainEvent) -> int:
    """Bring the bureau feed of the event's client up to at least the event; how many were appended
    (0: it was in the feed already, or is not a client's event). `store` must not cache reads."""
    client_id = keys.client_of_partition(event.tenant)
    if client_id is None:
        return 0
    client = store.get(event.tenant, keys.CLIENT_SK)
    if client is None:
        raise LookupError(f"event {event.id}: client not found (yet); retried")
    pk = keys.bureau_feed_pk(str(client.data["bureau_id"]))
    appended, lost = 0, 0
    while True:
        got = store.get_many([(pk, keys.BUREAU_FEED_HEAD_SK), (pk, keys.bureau_feed_mark_sk(client_id))])
        head, mark = got[(pk, keys.BUREAU_FEED_HEAD_SK)], got[(pk, keys.bureau_feed_mark_sk(client_id))]
        done = int(mark.extra["seq"]) if mark else 0
        if event.seq <= done:
            return appended
        events = store.audit_events_after(event.tenant, done, CHUNK)
        if not events:
            raise LookupError(f"event {event.id}: not in the client's audit chain (yet); retried")
        try:
            ops.put_all(_chunk(pk, client_id, head, mark, event.tenant, events))
        except StaleVersion:
            lost += 1
            if lost >= ATTEMPTS:
                raise
            continue
        appended += len(events)


def _chunk(
    pk: str, client_id: str, head: Record | None, mark: Record | None, tenant: str, events: list[dict[str, Any]]
) -> list[tuple[Record, int | None]]:
    position = int(head.extra["position"]) if head else 0
    puts: list[tuple[Record, int | None]] = []
    for event in events:
        position += 1
        detail = {**domain_event_detail(tenant, event), "client_id": client_id, "position": position}
        puts.append((Record(pk, keys.bureau_feed_event_sk(position), "bureau_feed_event", detail), None))
    new_head = Record(pk, keys.BUREAU_FEED_HEAD_SK, "bureau_feed_head", {}, extra={"position": position})
    new_mark = Record(
        pk, keys.bureau_feed_mark_sk(client_id), "bureau_feed_mark", {}, extra={"seq": int(events[-1]["seq"])}
    )
    puts.append((_after(head, new_head), head.version if head else None))
    puts.append((_after(mark, new_mark), mark.version if mark else None))
    return puts


def _after(before: Record | None, after: Record) -> Record:
    if before is None:
        return after
    return Record(after.pk, after.sk, after.entity, after.data, created_at=before.created_at, extra=after.extra)


def _bound(pk: str) -> dict[str, Any]:
    """The scope Store.query binds its cursors to, for this feed."""
    return {"pk": pk, "sk": keys.BUREAU_FEED_EVENT_PREFIX, "index": None, "forward": True, **_SCOPE}


@dataclass(frozen=True)
class BureauChangePage:
    events: list[dict[str, Any]]
    cursor: str | None  # resume here; None only for an empty feed read from the start
    has_more: bool


def changes(
    store: Store, bureau_id: str, cursor: str | None, limit: int | None, allowed: set[str] | None
) -> BureauChangePage:
    """A page of the bureau's feed after `cursor`; `allowed` narrows to those clients (an accountant's)."""
    pk = keys.bureau_feed_pk(bureau_id)
    decode_cursor(cursor, _bound(pk))  # 422 for another bureau's, another list's or an altered cursor
    page = store.query(pk, keys.BUREAU_FEED_EVENT_PREFIX, limit=checked_limit(limit), cursor=cursor, scope=_SCOPE)
    events = [r.data for r in page.items if allowed is None or r.data["client_id"] in allowed]
    resume = encode_cursor({"PK": page.items[-1].pk, "SK": page.items[-1].sk}, _bound(pk)) if page.items else cursor
    return BureauChangePage(events, resume, page.next_cursor is not None)
