"""Webhook subscriptions of a client (`T#<client>`) or a bureau (`B#<bureau>`), audited writes.

A subscription holds its URL, its event-type filter (audit action names, or `*` for every one),
and its signing secrets, KMS-encrypted: the current one and, during a rotation's overlap, the
previous one with the instant it stops signing. The plain secret is answered once, at creation
and at rotation, and never again.
"""

from __future__ import annotations

import re
import secrets as random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from klientportal import clock
from klientportal.errors import FieldError, InvalidInput, NotFound
from klientportal.repository import keys
from klientportal.repository.records import Record
from klientportal.repository.store import Actor, Store
from klientportal.sync.webhooks import signing
from klientportal.sync.webhooks.secret_store import decrypt_secret, encrypt_secret
from klientportal.sync.webhooks.urls import Resolver, UrlRefused, check_url, system_resolver

PREFIX = keys.WEBHOOK_PREFIX
ENTITY = "webhook_subscription"
EVENT_TYPE = re.compile(r"^(\*|[a-z][a-z0-9_]*\.\*|[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*)$")
MAX_SUBSCRIPTIONS = 25
DEFAULT_OVERLAP_H = 24
MAX_OVERLAP_H = 7 * 24


def subscription_sk(subscription_id: str) -> str:
    return keys.webhook_sk(subscription_id)


def matches(event_types: list[str], action: str) -> bool:
    """`*` = every event; `voucher.*` = every action of vouchers; else the exact action."""
    return any(t == "*" or t == action or (t.endswith(".*") and action.startswith(t[:-1])) for t in event_types)


def signing_secrets(rec: Record, now: datetime) -> list[str]:
    """The plain secrets that sign now: the current one, and the previous one until its overlap ends."""
    out = []
    for s in rec.data["secrets"]:
        expires = s.get("expires_at")
        if expires is None or clock.iso(now) < expires:
            out.append(decrypt_secret(rec.pk, rec.data["id"], s["ciphertext"]))
    return out


@dataclass(frozen=True)
class Created:
    record: Record
    secret: str


class Subscriptions:
    """The subscriptions of one partition (a client's or a bureau's)."""

    def __init__(self, store: Store, partition: str, *, local: bool, resolve: Resolver = system_resolver) -> None:
        self.store = store
        self.partition = partition
        self.local = local
        self.resolve = resolve

    def _checked_url(self, url: str) -> str:
        try:
            check_url(url, local=self.local, resolve=self.resolve)
        except UrlRefused as exc:
            raise InvalidInput(
                f"the webhook URL is refused: {exc.detail}",
                [FieldError("url", exc.detail)],
                extra={"reason": exc.reason},
            ) from None
        return url

    @staticmethod
    def _checked_types(event_types: list[str]) -> list[str]:
        bad = [t for t in event_types if not EVENT_TYPE.match(t)]
        if bad or not event_types:
            raise InvalidInput(
                "event_types lists audit actions (`invoice.issued`), `entity.*` or `*`",
                [FieldError("event_types", f"not an event type: {', '.join(bad) or '(empty list)'}")],
            )
        return sorted(set(event_types))

    def all(self) -> list[Record]:
        return self.store.query_all(self.partition, PREFIX)

    def get(self, subscription_id: str) -> Record:
        rec = self.store.get(self.partition, subscription_sk(subscription_id)) if _valid_id(subscription_id) else None
        if rec is None:
            raise NotFound("no such webhook subscription")
        return rec

    def create(self, url: str, event_types: list[str], description: str | None, actor: Actor) -> Created:
        url, event_types = self._checked_url(url), self._checked_types(event_types)
        if len(self.all()) >= MAX_SUBSCRIPTIONS:
            raise InvalidInput(f"at most {MAX_SUBSCRIPTIONS} webhook subscriptions", [FieldError("url", "too many")])
        subscription_id = "wh_" + random.token_hex(8)
        secret = signing.new_secret()
        now = clock.iso(clock.now())
        data = {
            "id": subscription_id,
            "url": url,
            "event_types": event_types,
            "description": description,
            "active": True,
            "secrets": [
                {
                    "ciphertext": encrypt_secret(self.partition, subscription_id, secret),
                    "created_at": now,
                    "expires_at": None,
                }
            ],
        }
        rec = Record(self.partition, subscription_sk(subscription_id), ENTITY, data)
        return Created(self.store.create(rec, actor, "webhook.created"), secret)

    def update(
        self,
        subscription_id: str,
        *,
        version: int,
        url: str | None,
        event_types: list[str] | None,
        active: bool | None,
        description: str | None,
        actor: Actor,
    ) -> Record:
        rec = self.get(subscription_id)
        _check_version(rec, version)
        data = dict(rec.data)
        if url is not None:
            data["url"] = self._checked_url(url)
        if event_types is not None:
            data["event_types"] = self._checked_types(event_types)
        if active is not None:
            data["active"] = active
        if description is not None:
            data["description"] = description
        return self.store.replace(rec, data, actor, "webhook.updated")

    def rotate(self, subscription_id: str, *, version: int, overlap_hours: int, actor: Actor) -> Created:
        """A new current secret; the old one keeps signing for `overlap_hours` (0 = stops now)."""
        if not 0 <= overlap_hours <= MAX_OVERLAP_H:
            raise InvalidInput("overlap out of range", [FieldError("overlap_hours", f"between 0 and {MAX_OVERLAP_H}")])
        rec = self.get(subscription_id)
        _check_version(rec, version)
        now = clock.now()
        stops = clock.iso(now + timedelta(hours=overlap_hours))
        kept = [
            {**s, "expires_at": min(s["expires_at"] or stops, stops)}
            for s in rec.data["secrets"]
            if s.get("expires_at") is None or s["expires_at"] > clock.iso(now)
        ]
        kept = [s for s in kept if s["expires_at"] > clock.iso(now)]
        secret = signing.new_secret()
        fresh = {
            "ciphertext": encrypt_secret(self.partition, subscription_id, secret),
            "created_at": clock.iso(now),
            "expires_at": None,
        }
        data = {**rec.data, "secrets": [fresh, *kept]}
        return Created(self.store.replace(rec, data, actor, "webhook.secret_rotated"), secret)

    def delete(self, subscription_id: str, *, version: int, actor: Actor) -> None:
        from klientportal.repository.store import Change

        rec = self.get(subscription_id)
        _check_version(rec, version)
        self.store.write(self.partition, [Change(rec, None, "webhook.deleted")], actor)


def _valid_id(subscription_id: str) -> bool:
    return bool(re.fullmatch(r"wh_[0-9a-f]{16}", subscription_id))


def _check_version(rec: Record, version: int) -> None:
    from klientportal.errors import StaleVersion

    if rec.version != version:
        raise StaleVersion(
            f"the subscription is at version {rec.version}, you sent {version}; reload and try again",
            extra={"your_version": version, "current_version": rec.version},
        )


def public_view(rec: Record) -> dict[str, Any]:
    """The subscription as the API shows it: never a secret, only when the previous one stops."""
    d = rec.data
    overlap = [s["expires_at"] for s in d["secrets"] if s.get("expires_at")]
    return {
        "id": d["id"],
        "url": d["url"],
        "event_types": d["event_types"],
        "description": d.get("description"),
        "active": d["active"],
        "previous_secret_signs_until": max(overlap) if overlap else None,
        "version": rec.version,
        "created_at": rec.created_at,
        "updated_at": rec.updated_at,
    }
