"""Recount a client's overview counters from its audit trail (decision 0813): for deployments whose
clients had items before the overview consumer existed, and after any doubt.

The counters are by definition the sum of every audit event's delta (`counters.counter_change`,
decision 0822): the statuses of the current items are what those events left. A recount reads the
counter item (its `rev`, which every counted event moves), then the client's audit head H, sums the
deltas of events 1..H and replaces the counter item by that sum with `as_of_seq = H`, on condition
that `rev` has not moved. Any event the consumer counted before the read exists in the trail, so its
seq is at most H and the sum includes it; an event counted meanwhile moves `rev` and the recount
tries again; the consumer counts an event later only if its seq is above `as_of_seq`. Rerunning a
recount writes the same counts.
"""

from __future__ import annotations

import random
import time
from typing import Any

from klientportal.repository import keys
from klientportal.repository.operational import OperationalStore
from klientportal.repository.store import Store
from klientportal.sync.counters import counter_change
from klientportal.sync.overview import AS_OF_SEQ

ATTEMPTS = 20


def counts_up_to(events: list[dict[str, Any]], seq: int) -> dict[str, Any]:
    """The counters of the events with seq 1..`seq` (order does not matter)."""
    add: dict[str, int] = {}
    put: dict[str, Any] = {}
    for event in events:
        if int(event["seq"]) > seq:
            continue
        change = counter_change(event)
        for name, delta in change.add.items():
            add[name] = add.get(name, 0) + delta
        for name, value in change.put.items():  # last:<action>: the latest time
            if name not in put or str(value) > str(put[name]):
                put[name] = value
    return {**{k: v for k, v in add.items() if v}, **put}


def recount(store: Store, ops: OperationalStore, client_id: str) -> dict[str, Any]:
    """Replace the client's counters by the recount of its audit trail; the counters written."""
    pk = keys.client_pk(client_id)
    client = store.get(pk, keys.CLIENT_SK)
    if client is None:
        raise LookupError(f"no client {client_id}")
    bureau_pk, sk = keys.bureau_pk(str(client.data["bureau_id"])), keys.overview_sk(client_id)
    for attempt in range(ATTEMPTS):
        before = store.get(bureau_pk, sk)
        expected = None if before is None else _rev_of(before.extra)
        events, head = store.audit_events(pk)  # the head is read after the counter item
        seq = int(head["seq"]) if head else 0
        counts = counts_up_to(events, seq)
        rev = int(before.extra.get("rev", 0)) if before is not None else 0
        values = {
            **counts,
            "entity": "overview_counters",
            "client_id": client_id,
            AS_OF_SEQ: seq,
            "rev": rev + 1,
        }
        if ops.put_counters(bureau_pk, sk, values, expected):
            return values
        time.sleep(random.uniform(0, 0.02 * (attempt + 1)))
    raise RuntimeError(f"the overview counters of {client_id} kept changing; run the recount again")


def _rev_of(extra: dict[str, Any]) -> dict[str, Any]:
    return {"rev": int(extra["rev"])} if "rev" in extra else {}
