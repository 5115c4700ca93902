"""The stored shape of every entity: keys, type, version, timestamps and a JSON payload."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any


def canonical_json(value: Any) -> str:
    """Deterministic JSON (sorted keys, no spaces); Decimals as exact strings, never floats."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_plain)


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else str(value)
    raise TypeError(f"not JSON-serialisable: {type(value).__name__}")


@dataclass(frozen=True)
class Record:
    """One item of the main table. `data` is the entity as plain JSON values."""

    pk: str
    sk: str
    entity: str
    data: dict[str, Any]
    version: int = 0
    created_at: str = ""
    updated_at: str = ""
    gsi1pk: str | None = None
    gsi1sk: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_item(self) -> dict[str, Any]:
        item: dict[str, Any] = {
            "PK": self.pk,
            "SK": self.sk,
            "entity": self.entity,
            "version": self.version,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "data": canonical_json(self.data),
            **self.extra,
        }
        if self.gsi1pk is not None:
            item["GSI1PK"] = self.gsi1pk
            item["GSI1SK"] = self.gsi1sk or self.sk
        return item

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> Record:
        known = {"PK", "SK", "entity", "version", "created_at", "updated_at", "data", "GSI1PK", "GSI1SK"}
        return cls(
            pk=item["PK"],
            sk=item["SK"],
            entity=item.get("entity", ""),
            data=json.loads(item.get("data", "{}")),
            version=int(item.get("version", 0)),
            created_at=item.get("created_at", ""),
            updated_at=item.get("updated_at", ""),
            gsi1pk=item.get("GSI1PK"),
            gsi1sk=item.get("GSI1SK"),
            extra={k: v for k, v in item.items() if k not in known},
        )

    def with_data(self, data: dict[str, Any]) -> Record:
        return replace(self, data=data)
