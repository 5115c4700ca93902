"""Unaudited operational items of the main table: webhook delivery records, the bureau overview's
counters and their per-event markers (decision 0821).

These are bookkeeping about domain events, not domain facts: writing them through `Store.write`
would append audit events, which become domain events, which would be delivered and counted again.
Every write here is still conditional (on absence or on the item's version) and scoped to a tenant
partition; reads go through `Store`. Nothing else writes without an audit event.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

from boto3.dynamodb.types import TypeSerializer
from botocore.exceptions import ClientError

from klientportal import clock
from klientportal.errors import AlreadyExists, StaleVersion
from klientportal.repository.records import Record

_SER = TypeSerializer()
MARKER_TTL_S = 15 * 24 * 3600  # beyond SQS's 14-day retention and EventBridge's 24 h of retries


def _ser(item: dict[str, Any]) -> dict[str, Any]:
    return {k: _SER.serialize(v) for k, v in item.items() if v is not None}


def _condition_failed(exc: ClientError) -> bool:
    code = exc.response.get("Error", {}).get("Code")
    if code == "ConditionalCheckFailedException":
        return True
    reasons = exc.response.get("CancellationReasons") or []
    return code == "TransactionCanceledException" and any(r.get("Code") == "ConditionalCheckFailed" for r in reasons)


class OperationalStore:
    """Conditional writes of operational items (no audit event)."""

    def __init__(self, client: Any, table_name: str, idempotency_table: str) -> None:
        self._client = client
        self._table = table_name
        self._markers = idempotency_table
        self.calls = 0  # DynamoDB calls made (the bench counts them)

    def create(self, record: Record) -> Record:
        """Put `record` as version 1 if no item has its key; else AlreadyExists."""
        at = clock.iso(clock.now())
        rec = replace(record, version=1, created_at=at, updated_at=at)
        try:
            self.calls += 1
            self._client.put_item(
                TableName=self._table, Item=_ser(rec.to_item()), ConditionExpression="attribute_not_exists(PK)"
            )
        except ClientError as exc:
            if _condition_failed(exc):
                raise AlreadyExists(f"{record.entity} {record.sk} exists already") from exc
            raise
        return rec

    def replace(self, before: Record, data: dict[str, Any], **changes: Any) -> Record:
        """Replace `before` with `data` (and other Record fields) if it is still at its version."""
        after = replace(before, data=data, version=before.version + 1, updated_at=clock.iso(clock.now()), **changes)
        try:
            self.calls += 1
            self._client.put_item(
                TableName=self._table,
                Item=_ser(after.to_item()),
                ConditionExpression="#v = :v",
                ExpressionAttributeNames={"#v": "version"},
                ExpressionAttributeValues=_ser({":v": before.version}),
            )
        except ClientError as exc:
            if _condition_failed(exc):
                raise StaleVersion(
                    f"{before.entity} was changed meanwhile (version {before.version})",
                    extra={"your_version": before.version},
                ) from exc
            raise
        return after

    def add_once(
        self,
        pk: str,
        sk: str,
        marker: str,
        add: dict[str, int],
        put: dict[str, Any] | None = None,
        *,
        unless_at_least: tuple[str, int] | None = None,
    ) -> bool:
        """Add `add` to numeric attributes of (pk, sk) and set `put`, once per `marker`: the marker
        is claimed in the idempotency table in the same transaction. False if it was applied before,
        or if `unless_at_least` = (attribute, n) and the item's attribute is n or more (nothing is
        written then, the marker neither)."""
        names: dict[str, str] = {}
        values: dict[str, Any] = {":zero": 0} if add else {}
        sets: list[str] = []
        for i, (attr, delta) in enumerate(sorted(add.items())):
            names[f"#a{i}"] = attr
            values[f":a{i}"] = delta
            sets.append(f"#a{i} = if_not_exists(#a{i}, :zero) + :a{i}")
        for i, (attr, value) in enumerate(sorted((put or {}).items())):
            names[f"#s{i}"] = attr
            values[f":s{i}"] = value
            sets.append(f"#s{i} = :s{i}")
        items: list[dict[str, Any]] = [
            {
                "Put": {
                    "TableName": self._markers,
                    "Item": _ser({"id": marker, "expiration": int(time.time()) + MARKER_TTL_S}),
                    "ConditionExpression": "attribute_not_exists(id)",
                }
            }
        ]
        if sets:
            update: dict[str, Any] = {
                "TableName": self._table,
                "Key": _ser({"PK": pk, "SK": sk}),
                "UpdateExpression": "SET " + ", ".join(sets),
            }
            if unless_at_least is not None:
                names["#least"] = unless_at_least[0]
                values[":least"] = unless_at_least[1]
                update["ConditionExpression"] = "attribute_not_exists(#least) OR #least < :least"
            items.append(
                {"Update": {**update, "ExpressionAttributeNames": names, "ExpressionAttributeValues": _ser(values)}}
            )
        try:
            self.calls += 1
            self._client.transact_write_items(TransactItems=items)
        except ClientError as exc:
            if _condition_failed(exc):
                return False
            raise
        return True

    def put_counters(self, pk: str, sk: str, values: dict[str, Any], expected: dict[str, Any] | None) -> bool:
        """Replace the counter item (pk, sk) by `values` if it is as read: absent (`expected` None),
        without a "rev" (`{}`) or at `{"rev": n}`; False when it changed meanwhile."""
        condition: dict[str, Any]
        if expected is None:
            condition = {"ConditionExpression": "attribute_not_exists(PK)"}
        elif "rev" not in expected:
            condition = {
                "ConditionExpression": "attribute_exists(PK) AND attribute_not_exists(#rev)",
                "ExpressionAttributeNames": {"#rev": "rev"},
            }
        else:
            condition = {
                "ConditionExpression": "#rev = :rev",
                "ExpressionAttributeNames": {"#rev": "rev"},
                "ExpressionAttributeValues": _ser({":rev": expected["rev"]}),
            }
        try:
            self.calls += 1
            self._client.put_item(TableName=self._table, Item=_ser({**values, "PK": pk, "SK": sk}), **condition)
        except ClientError as exc:
            if _condition_failed(exc):
                return False
            raise
        return True
