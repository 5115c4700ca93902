"""Webhook delivery: fan-out of a domain event to the subscriptions it matches, the signed POST,
retries with backoff, the dead-letter list and manual redelivery (decision 0823).

One delivery record per (subscription, event), created once (conditional put: a redelivered
event fans out once), operational and unaudited (repository/operational.py):
`<partition>` / `WHDELIVERY#<subscription>#<client>#<seq>`, with its status (`pending`,
`delivered`, `dead`, `cancelled`), attempts and the log of every attempt. A message on the
`webhook-deliveries` queue names the record; the delivering worker claims the attempt with a
conditional write (a lease), so parallel workers never POST the same attempt twice. A failed
attempt is retried after the backoff (SQS message delay); after `MAX_ATTEMPTS` the record is dead
and listed on the subscription's dead-letter list (GSI1), from where a person redelivers it.
Receivers deduplicate on `id` (the event id): delivery is at least once.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from klientportal import clock
from klientportal.errors import AlreadyExists, NotFound, RuleViolation, StaleVersion
from klientportal.events import DomainEvent
from klientportal.repository import keys
from klientportal.repository.operational import OperationalStore
from klientportal.repository.records import Record, canonical_json
from klientportal.repository.store import Store
from klientportal.sync.webhooks import signing
from klientportal.sync.webhooks.subscriptions import PREFIX, matches, signing_secrets, subscription_sk
from klientportal.sync.webhooks.transport import Outcome, Transport, post
from klientportal.sync.webhooks.urls import Resolver, UrlRefused, check_url, system_resolver

ENTITY = "webhook_delivery"
RETRY_DELAYS_VAR = "KP_WEBHOOK_RETRY_DELAYS_S"
DEFAULT_RETRY_DELAYS_S = (30, 120, 600, 900, 900, 900, 900)  # SQS delays at most 900 s
LEASE_S = 60
LOG_KEPT = 20

Send = Callable[[dict[str, Any], int], None]  # (message, delay seconds)


def retry_delays() -> tuple[int, ...]:
    raw = os.environ.get(RETRY_DELAYS_VAR)
    if not raw:
        return DEFAULT_RETRY_DELAYS_S
    return tuple(min(900, max(0, int(x))) for x in raw.split(","))


def max_attempts() -> int:
    return len(retry_delays()) + 1


def delivery_prefix(subscription_id: str) -> str:
    return keys.webhook_delivery_prefix(subscription_id)


def delivery_id(client_id: str, seq: int) -> str:
    return f"{client_id}.{seq}"


def delivery_sk(subscription_id: str, client_id: str, seq: int) -> str:
    return keys.webhook_delivery_sk(subscription_id, client_id, seq)


def dead_gsi(partition: str, subscription_id: str) -> str:
    return keys.webhook_dead_letters_gsi(partition, subscription_id)


def payload(event: DomainEvent, subscription_id: str) -> bytes:
    """The body POSTed: the same bytes at every attempt and redelivery of one delivery."""
    body = {
        "id": event.id,
        "type": event.action,
        "occurred_at": event.at,
        "client_id": keys.client_of_partition(event.tenant),
        "seq": event.seq,
        "entity": event.entity,
        "key": event.key,
        "actor": event.actor,
        "subscription_id": subscription_id,
    }
    return canonical_json(body).encode()


class Deliveries:
    def __init__(
        self,
        store: Store,
        ops: OperationalStore,
        send: Send,
        *,
        local: bool,
        transport: Transport = post,
        resolve: Resolver = system_resolver,
        now: Callable[[], datetime] = clock.now,
    ) -> None:
        self.store, self.ops, self.send = store, ops, send
        self.local, self.transport, self.resolve, self.now = local, transport, resolve, now
        self._subs: dict[str, list[Record]] = {}

    # fan-out -------------------------------------------------------------------------------
    def _subscriptions(self, partition: str) -> list[Record]:
        if partition not in self._subs:
            self._subs[partition] = self.store.query_all(partition, PREFIX)
        return self._subs[partition]

    def fan_out(self, event: DomainEvent) -> int:
        """One delivery per matching active subscription of the client and of its bureau."""
        if keys.client_of_partition(event.tenant) is None:
            return 0
        client = self.store.get(event.tenant, keys.CLIENT_SK)
        if client is None:
            return 0
        partitions = [event.tenant, keys.bureau_pk(str(client.data["bureau_id"]))]
        queued = 0
        for partition in partitions:
            for sub in self._subscriptions(partition):
                if (
                    sub.data.get("active")
                    and matches(sub.data["event_types"], event.action)
                    and event.at >= sub.created_at  # a subscription gets what happens from its creation on
                ):
                    queued += self._queue(sub, event)
        return queued

    def _queue(self, sub: Record, event: DomainEvent) -> int:
        client_id = str(keys.client_of_partition(event.tenant))
        sk = delivery_sk(sub.data["id"], client_id, event.seq)
        data = {
            "id": delivery_id(client_id, event.seq),
            "subscription_id": sub.data["id"],
            "event": {
                "id": event.id,
                "tenant": event.tenant,
                "seq": event.seq,
                "at": event.at,
                "actor": event.actor,
                "entity": event.entity,
                "key": event.key,
                "action": event.action,
            },
            "status": "pending",
            "attempts": 0,
            "log": [],
        }
        try:
            self.ops.create(Record(sub.pk, sk, ENTITY, data))
        except AlreadyExists:
            existing = self.store.get(sub.pk, sk)
            if existing is None or existing.data["status"] != "pending" or existing.data["attempts"] > 0:
                return 0  # fanned out before and already under way
        self.send({"pk": sub.pk, "sk": sk}, 0)
        return 1

    # one attempt ---------------------------------------------------------------------------
    def attempt(self, message: Mapping[str, Any]) -> str:
        """Try the delivery `message` names once; what happened (for logs and tests)."""
        pk, sk = str(message["pk"]), str(message["sk"])
        rec = self.store.get(pk, sk)
        if rec is None or rec.data["status"] != "pending":
            return "nothing-to-do"
        now = self.now()
        lease = rec.data.get("lease_until")
        if lease and lease > clock.iso(now):
            raise RuntimeError("the attempt is leased by another worker; the message comes back later")
        sub = self.store.get(pk, subscription_sk(rec.data["subscription_id"]))
        if sub is None or not sub.data.get("active"):
            self.ops.replace(rec, {**rec.data, "status": "cancelled", "lease_until": None})
            return "cancelled"
        try:
            rec = self.ops.replace(rec, {**rec.data, "lease_until": clock.iso(now + timedelta(seconds=LEASE_S))})
        except StaleVersion:
            return "taken-by-another-worker"
        outcome = self._post(sub, rec, now)
        return self._record(rec, outcome, now)

    def _post(self, sub: Record, rec: Record, now: datetime) -> Outcome:
        try:
            target = check_url(sub.data["url"], local=self.local, resolve=self.resolve)
        except UrlRefused as exc:
            return Outcome(None, f"url refused: {exc.detail}", 0)
        event = DomainEvent(**rec.data["event"])
        body = payload(event, sub.data["id"])
        timestamp = int(now.timestamp())
        headers = {
            signing.HEADER: signing.signature_header(signing_secrets(sub, now), timestamp, body),
            "Klientportal-Event-Id": event.id,
            "Klientportal-Event-Type": event.action,
            "Klientportal-Delivery-Attempt": str(int(rec.data["attempts"]) + 1),
            "User-Agent": "Klientportal-Webhooks/1",
        }
        return self.transport(target, body, headers)

    def _record(self, rec: Record, outcome: Outcome, now: datetime) -> str:
        attempts = int(rec.data["attempts"]) + 1
        entry = {
            "at": clock.iso(now),
            "attempt": attempts,
            "status_code": outcome.status,
            "error": outcome.error,
            "duration_ms": outcome.duration_ms,
        }
        data = {**rec.data, "attempts": attempts, "lease_until": None, "log": [*rec.data["log"], entry][-LOG_KEPT:]}
        if outcome.ok:
            self.ops.replace(rec, {**data, "status": "delivered", "delivered_at": clock.iso(now)})
            return "delivered"
        delays = retry_delays()
        in_round = attempts - int(rec.data.get("retry_from", 0))  # attempts since queued (or redelivered)
        if in_round > len(delays):
            self.ops.replace(
                rec,
                {**data, "status": "dead", "dead_at": clock.iso(now)},
                gsi1pk=dead_gsi(rec.pk, rec.data["subscription_id"]),
                gsi1sk=rec.sk,
            )
            return "dead"
        delay = delays[in_round - 1]
        self.ops.replace(rec, {**data, "next_attempt_at": clock.iso(now + timedelta(seconds=delay))})
        self.send({"pk": rec.pk, "sk": rec.sk}, delay)
        return "retry"

    # people --------------------------------------------------------------------------------
    def redeliver(self, partition: str, subscription_id: str, delivery: str) -> Record:
        """A dead (or delivered) delivery queued again, once: parallel callers get 409."""
        client_id, _, seq = delivery.rpartition(".")
        if not client_id or not seq.isdigit():
            raise NotFound("no such delivery")
        rec = self.store.get(partition, delivery_sk(subscription_id, client_id, int(seq)))
        if rec is None:
            raise NotFound("no such delivery")
        if rec.data["status"] == "pending":
            raise RuleViolation("the delivery is pending already (queued or being retried)")
        data = {**rec.data, "status": "pending", "retry_from": rec.data["attempts"], "lease_until": None}
        try:
            after = self.ops.replace(rec, data, gsi1pk=None, gsi1sk=None)
        except StaleVersion:
            raise RuleViolation("the delivery was redelivered by someone else just now") from None
        self.send({"pk": rec.pk, "sk": rec.sk}, 0)
        return after
