"""Versioned, audited access to the main table.

Every write goes through `Store.write`: the changed items (each conditional on its version), the
tenant's audit head and one audit event per change, in a single DynamoDB transaction. A change
that lost a race gets `StaleVersion`; an audit head that moved under us is retried.

A Store made with `cache=True` (one per invocation, by `klientportal.bootstrap`) keeps what it read
and what it wrote for its own lifetime: an item is read from the table at most once per invocation
unless a write of it failed (then it is forgotten, so a retry reads it afresh). `get_many` reads
several items in one strongly consistent BatchGetItem.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Literal

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from klientportal import clock
from klientportal.errors import AlreadyExists, StaleVersion
from klientportal.repository import audit, audit_anchors, keys, retry
from klientportal.repository.pagination import checked_limit, decode_cursor, encode_cursor
from klientportal.repository.records import Record

_SER = TypeSerializer()
_DES = TypeDeserializer()
_AUDIT_RETRIES = retry.ATTEMPTS
_BATCH_KEYS = 100
_BATCH_ROUNDS = 8

Key = tuple[str, str]


def _ser(item: dict[str, Any]) -> dict[str, Any]:
    return {k: _SER.serialize(v) for k, v in item.items() if v is not None}


def _des(item: dict[str, Any]) -> dict[str, Any]:
    return {k: _DES.deserialize(v) for k, v in item.items()}


@dataclass(frozen=True)
class Change:
    """One audited change: create (`before` None), replace, or delete (`after` None)."""

    before: Record | None
    after: Record | None
    action: str

    @property
    def record(self) -> Record:
        rec = self.after or self.before
        if rec is None:
            raise ValueError("a change needs a record before or after it")
        return rec


@dataclass(frozen=True)
class Page:
    items: list[Record]
    next_cursor: str | None


@dataclass(frozen=True)
class Actor:
    """Who makes a change, as written into the audit trail (no personal numbers)."""

    sub: str
    email: str | None = None
    kind: Literal["user", "system"] = "user"

    def as_dict(self) -> dict[str, Any]:
        return {"sub": self.sub, "email": self.email, "kind": self.kind}


SYSTEM = Actor(sub="system", kind="system")


class Store:
    """The only module that talks to the main table."""

    def __init__(
        self, client: Any, table_name: str, now: Callable[[], datetime] = clock.now, *, cache: bool = False
    ) -> None:
        self._client = client
        self._table = table_name
        self._now = now
        self._cache: dict[Key, Record | None] | None = {} if cache else None

    def get(self, pk: str, sk: str) -> Record | None:
        if self._cache is not None and (pk, sk) in self._cache:
            return self._cache[(pk, sk)]
        resp = self._client.get_item(TableName=self._table, Key=_ser({"PK": pk, "SK": sk}), ConsistentRead=True)
        item = resp.get("Item")
        rec = Record.from_item(_des(item)) if item else None
        self._remember((pk, sk), rec)
        return rec

    def get_many(self, keys: Iterable[Key]) -> dict[Key, Record | None]:
        """The items of `keys` (None where there is none), in one BatchGetItem per 100 keys not
        read yet in this invocation; strongly consistent, as `get`."""
        wanted = list(dict.fromkeys(keys))
        found: dict[Key, Record | None] = {}
        missing = [k for k in wanted if self._cache is None or k not in self._cache]
        for start in range(0, len(missing), _BATCH_KEYS):
            found.update(self._batch_get(missing[start : start + _BATCH_KEYS]))
        for key in missing:
            self._remember(key, found.setdefault(key, None))
        return {k: found[k] if k in found else self.get(*k) for k in wanted}

    def _batch_get(self, keys: list[Key]) -> dict[Key, Record | None]:
        out: dict[Key, Record | None] = {}
        request: dict[str, Any] = {
            self._table: {"Keys": [_ser({"PK": pk, "SK": sk}) for pk, sk in keys], "ConsistentRead": True}
        }
        for _ in range(_BATCH_ROUNDS):
            resp = self._client.batch_get_item(RequestItems=request)
            for item in resp.get("Responses", {}).get(self._table, []):
                rec = Record.from_item(_des(item))
                out[(rec.pk, rec.sk)] = rec
            request = resp.get("UnprocessedKeys") or {}
            if not request:
                return out
        raise StaleVersion("the table is busy (unprocessed keys); try again")

    def _remember(self, key: Key, rec: Record | None) -> None:
        if self._cache is not None:
            self._cache[key] = rec

    def _forget(self, keys: Iterable[Key]) -> None:
        if self._cache is not None:
            for key in keys:
                self._cache.pop(key, None)

    def query(
        self,
        pk: str,
        sk_prefix: str = "",
        *,
        limit: int | None = None,
        cursor: str | None = None,
        index: str | None = None,
        forward: bool = True,
        scope: dict[str, Any] | None = None,
    ) -> Page:
        """One page of a list; the cursor is signed and bound to this partition, key range, index and
        direction, plus `scope` (a caller's filter), so it is refused by any other list (422)."""
        bound = {"pk": pk, "sk": sk_prefix, "index": index, "forward": forward, **(scope or {})}
        start = decode_cursor(cursor, bound)
        items, last = self._query_page(pk, sk_prefix, checked_limit(limit), start, index, forward)
        return Page(items, encode_cursor(last, bound))

    def _query_page(
        self,
        pk: str,
        sk_prefix: str,
        limit: int,
        start: dict[str, Any] | None,
        index: str | None,
        forward: bool,
        attributes: tuple[str, ...] = (),
    ) -> tuple[list[Record], dict[str, Any] | None]:
        pk_attr, sk_attr = ("GSI1PK", "GSI1SK") if index == "GSI1" else ("PK", "SK")
        names = {"#pk": pk_attr, **({"#sk": sk_attr} if sk_prefix else {})}
        args: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "#pk = :pk" + (" AND begins_with(#sk, :sk)" if sk_prefix else ""),
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": _ser({":pk": pk, **({":sk": sk_prefix} if sk_prefix else {})}),
            "Limit": limit,
            "ScanIndexForward": forward,
        }
        if attributes:  # the keys are always among them (the page's LastEvaluatedKey is built from them)
            wanted = dict.fromkeys(("PK", "SK", *((pk_attr, sk_attr) if index else ()), *attributes))
            names.update({f"#p{i}": a for i, a in enumerate(wanted)})
            args["ProjectionExpression"] = ", ".join(f"#p{i}" for i in range(len(wanted)))
        if index:
            args["IndexName"] = index
        if start:
            args["ExclusiveStartKey"] = _ser(start)
        resp = self._client.query(**args)
        items = [Record.from_item(_des(i)) for i in resp.get("Items", [])]
        last = _des(resp["LastEvaluatedKey"]) if "LastEvaluatedKey" in resp else None
        return items, last

    def query_all(
        self,
        pk: str,
        sk_prefix: str = "",
        *,
        index: str | None = None,
        page_size: int = 200,
        attributes: tuple[str, ...] = (),
    ) -> list[Record]:
        """Every item of a key range, `page_size` items a Query (DynamoDB ends a page at 1 MB anyway);
        with `attributes`, only those (and the keys) are read."""
        out: list[Record] = []
        start = None
        while True:
            items, start = self._query_page(pk, sk_prefix, page_size, start, index, True, attributes)
            out += items
            if not start:
                return out

    def create(self, record: Record, actor: Actor, action: str) -> Record:
        return self.write(record.pk, [Change(None, record, action)], actor)[0]

    def replace(self, before: Record, data: dict[str, Any], actor: Actor, action: str, **changes: Any) -> Record:
        after = replace(before, data=data, **changes)
        return self.write(before.pk, [Change(before, after, action)], actor)[0]

    def write(self, audit_pk: str, changes: list[Change], actor: Actor) -> list[Record]:
        """Apply `changes` atomically with one audit event each in the chain of `audit_pk`."""
        at = clock.iso(self._now())
        stamped = [self._stamp(c, at) for c in changes]
        touched = [(c.record.pk, c.record.sk) for c in stamped] + [(audit_pk, keys.AUDIT_HEAD_SK)]
        for lost in range(_AUDIT_RETRIES):
            head = self.get(audit_pk, keys.AUDIT_HEAD_SK)
            try:
                new_head = self._transact(audit_pk, stamped, head, actor, at)
            except _HeadMoved:
                self._forget(touched)
                retry.pause(lost)  # racing writers of one tenant spread out instead of colliding again
                continue
            except Exception:
                self._forget(touched)
                raise
            for change in stamped:
                self._remember((change.record.pk, change.record.sk), change.after)
            self._remember((audit_pk, keys.AUDIT_HEAD_SK), new_head)
            return [c.after for c in stamped if c.after is not None]
        raise StaleVersion("the audit trail is busy; try again")

    @staticmethod
    def _stamp(change: Change, at: str) -> Change:
        if change.after is None:
            return change
        if change.before is None:
            after = replace(change.after, version=1, created_at=at, updated_at=at)
        else:
            after = replace(
                change.after, version=change.before.version + 1, created_at=change.before.created_at, updated_at=at
            )
        return replace(change, after=after)

    def _transact(self, audit_pk: str, changes: list[Change], head: Record | None, actor: Actor, at: str) -> Record:
        """Write `changes` with their audit events; the new audit head."""
        seq = int(head.extra.get("seq", 0)) if head else 0
        prev_hash = head.extra.get("hash", audit.GENESIS_HASH) if head else audit.GENESIS_HASH
        items: list[dict[str, Any]] = []
        for change in changes:
            items.append(self._change_item(change))
        for change in changes:
            seq += 1
            rec = change.record
            event = audit.build_event(
                seq=seq,
                prev_hash=prev_hash,
                at=at,
                actor=actor.as_dict(),
                action=change.action,
                entity=rec.entity,
                key=rec.sk,
                before=change.before.data if change.before else None,
                after=change.after.data if change.after else None,
            )
            prev_hash = event["hash"]
            items.append(
                {
                    "Put": {
                        "TableName": self._table,
                        "Item": _ser(
                            {
                                "PK": audit_pk,
                                "SK": keys.audit_event_sk(seq),
                                "entity": "audit_event",
                                "seq": seq,
                                "event": json.dumps(event, sort_keys=True, ensure_ascii=False),
                            }
                        ),
                        "ConditionExpression": "attribute_not_exists(PK)",
                    }
                }
            )
        head_item: dict[str, Any] = {
            "PK": audit_pk,
            "SK": keys.AUDIT_HEAD_SK,
            "entity": "audit_head",
            "seq": seq,
            "hash": prev_hash,
            "GSI1PK": audit_anchors.heads_gsi(audit_pk),
            "GSI1SK": audit_pk,
        }
        if head:
            head_cond = {
                "ConditionExpression": "#seq = :seq",
                "ExpressionAttributeNames": {"#seq": "seq"},
                "ExpressionAttributeValues": _ser({":seq": int(head.extra["seq"])}),
            }
        else:
            head_cond = {"ConditionExpression": "attribute_not_exists(PK)"}
        items.append({"Put": {"TableName": self._table, "Item": _ser(head_item), **head_cond}})
        try:
            self._client.transact_write_items(TransactItems=items)
        except ClientError as exc:
            self._raise_for(exc, changes)
            raise
        return Record.from_item(head_item)

    def _change_item(self, change: Change) -> dict[str, Any]:
        rec = change.record
        if change.before is None:
            return {
                "Put": {
                    "TableName": self._table,
                    "Item": _ser(rec.to_item()),
                    "ConditionExpression": "attribute_not_exists(PK)",
                }
            }
        version_cond = {
            "ConditionExpression": "#v = :v",
            "ExpressionAttributeNames": {"#v": "version"},
            "ExpressionAttributeValues": _ser({":v": change.before.version}),
        }
        if change.after is None:
            return {"Delete": {"TableName": self._table, "Key": _ser({"PK": rec.pk, "SK": rec.sk}), **version_cond}}
        return {"Put": {"TableName": self._table, "Item": _ser(change.after.to_item()), **version_cond}}

    @staticmethod
    def _raise_for(exc: ClientError, changes: list[Change]) -> None:
        if exc.response.get("Error", {}).get("Code") != "TransactionCanceledException":
            return
        reasons = exc.response.get("CancellationReasons") or []
        codes = [r.get("Code") for r in reasons]
        for change, code in zip(changes, codes, strict=False):  # one reason per item; fewer stop early
            if code == "ConditionalCheckFailed":
                if change.before is None:
                    raise AlreadyExists(f"{change.record.entity} {change.record.sk} exists already") from exc
                raise StaleVersion(
                    f"{change.record.entity} was changed by someone else (you had version "
                    f"{change.before.version}); reload and try again",
                    extra={"your_version": change.before.version},
                ) from exc
        if "ConditionalCheckFailed" in codes[len(changes) :]:
            raise _HeadMoved() from exc

    def audit_events(self, audit_pk: str) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
        """Every audit event of a chain in order, and its head."""
        head = self.get(audit_pk, keys.AUDIT_HEAD_SK)
        events = [json.loads(r.extra["event"]) for r in self.query_all(audit_pk, keys.AUDIT_EVENT_PREFIX)]
        return events, ({"seq": int(head.extra["seq"]), "hash": head.extra["hash"]} if head else None)

    def audit_page(
        self, audit_pk: str, *, limit: int | None, cursor: str | None
    ) -> tuple[list[dict[str, Any]], str | None]:
        page = self.query(audit_pk, keys.AUDIT_EVENT_PREFIX, limit=limit, cursor=cursor, forward=False)
        return [json.loads(r.extra["event"]) for r in page.items], page.next_cursor

    def audit_events_after(self, audit_pk: str, after_seq: int, limit: int) -> list[dict[str, Any]]:
        """Up to `limit` audit events of a chain after sequence number `after_seq`, in order (the
        bureau feed's catch-up read: one Query, strongly consistent)."""
        args: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "PK = :pk AND SK BETWEEN :from AND :to",
            "ExpressionAttributeValues": _ser(
                {":pk": audit_pk, ":from": keys.audit_event_sk(after_seq + 1), ":to": keys.audit_event_sk(10**12 - 1)}
            ),
            "Limit": limit,
            "ConsistentRead": True,
        }
        items = self._client.query(**args).get("Items", [])
        return [json.loads(_des(i)["event"]) for i in items]

    def verify_audit(self, audit_pk: str, anchors: Sequence[audit_anchors.Anchor] = ()) -> audit.ChainVerification:
        events, head = self.audit_events(audit_pk)
        return audit.verify_chain(events, head, anchors)

    def audit_heads(self) -> list[tuple[str, int, str]]:
        """(chain partition, seq, hash) of every audit chain, from the sharded heads index."""
        return [
            (r.pk, int(r.extra["seq"]), str(r.extra["hash"]))
            for gsi in audit_anchors.all_heads_gsi()
            for r in self.query_all(gsi, index="GSI1")
        ]

    def count_once(
        self,
        marker: Record,
        counter: Key,
        increments: dict[str, int],
        *,
        guard: Key | None = None,
        counter_fields: dict[str, Any] | None = None,
    ) -> Literal["counted", "duplicate", "guarded"]:
        """A projection outside the audit trail (usage metering, decision 0701): in one transaction,
        `marker` is created if it does not exist and the `counter` item's numbers are increased by
        `increments` (`counter_fields` set where absent), provided the `guard` item does not exist.
        "duplicate": the marker existed (nothing changed); "guarded": the guard exists (nothing
        changed). The projected items are derived from audited events, which they name."""
        items: list[dict[str, Any]] = []
        if guard is not None:
            items.append(
                {
                    "ConditionCheck": {
                        "TableName": self._table,
                        "Key": _ser({"PK": guard[0], "SK": guard[1]}),
                        "ConditionExpression": "attribute_not_exists(PK)",
                    }
                }
            )
        items.append(
            {
                "Put": {
                    "TableName": self._table,
                    "Item": _ser(marker.to_item()),
                    "ConditionExpression": "attribute_not_exists(PK)",
                }
            }
        )
        names: dict[str, str] = {}
        values: dict[str, Any] = {}
        adds, sets = [], []
        for i, (attr, n) in enumerate(sorted(increments.items())):
            names[f"#a{i}"], values[f":a{i}"] = attr, n
            adds.append(f"#a{i} :a{i}")
        for i, (attr, value) in enumerate(sorted((counter_fields or {}).items())):
            names[f"#s{i}"], values[f":s{i}"] = attr, value
            sets.append(f"#s{i} = if_not_exists(#s{i}, :s{i})")
        expression = "ADD " + ", ".join(adds) + (" SET " + ", ".join(sets) if sets else "")
        items.append(
            {
                "Update": {
                    "TableName": self._table,
                    "Key": _ser({"PK": counter[0], "SK": counter[1]}),
                    "UpdateExpression": expression,
                    "ExpressionAttributeNames": names,
                    "ExpressionAttributeValues": _ser(values),
                }
            }
        )
        keys_touched = [(marker.pk, marker.sk), counter]
        try:
            self._client.transact_write_items(TransactItems=items)
        except ClientError as exc:
            self._forget(keys_touched)
            if exc.response.get("Error", {}).get("Code") != "TransactionCanceledException":
                raise
            codes = [r.get("Code") for r in exc.response.get("CancellationReasons") or []]
            offset = 1 if guard is not None else 0
            if guard is not None and codes[:1] == ["ConditionalCheckFailed"]:
                return "guarded"
            if len(codes) > offset and codes[offset] == "ConditionalCheckFailed":
                return "duplicate"
            raise
        self._forget(keys_touched)
        return "counted"


class _HeadMoved(Exception):
    """Another write advanced the audit head first; retry with the fresh head."""
