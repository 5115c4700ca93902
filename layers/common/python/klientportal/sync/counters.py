"""Which audit events move which overview counter (pure; docs/sync.md has the table).

A counter change is computed from one audit event's before and after images, so applying the
events of a client in any order, each exactly once, gives the same counts:
- `n:<entity>:<status>`: entities by status, for every entity whose images carry a `status`
  (vouchers per queue, invoices, payment batches, bank transactions, questions, …): -1 for the
  status before, +1 for the status after.
- `due:<yyyy-mm-dd>`: open invoices by due date (issued, not paid or credited); the overview sums
  the dates before today as overdue.
- `n:<action>` and `last:<action>` for the routine actions that have no lasting status (payroll,
  a-melding, bank imports, payment batches sent): how many, and when the last one happened.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

OPEN_INVOICE = frozenset({"issued", "sent", "delivery_failed", "partly_paid", "reminded", "in_collection"})
TRACKED_ACTIONS = frozenset(
    {"payslip.issued", "a_melding.submitted", "bank_import.booked", "payment_batch.sent", "voucher.booked"}
)


@dataclass(frozen=True)
class CounterChange:
    add: dict[str, int] = field(default_factory=dict)
    put: dict[str, Any] = field(default_factory=dict)


def _status(image: dict[str, Any] | None) -> str | None:
    value = (image or {}).get("status")
    return value if isinstance(value, str) and value else None


def _open_due(entity: str, image: dict[str, Any] | None) -> str | None:
    if entity != "invoice" or not image or image.get("kind", "invoice") != "invoice":
        return None
    due = image.get("due_date")
    return str(due) if due and _status(image) in OPEN_INVOICE else None


def counter_change(event: dict[str, Any]) -> CounterChange:
    """The counter deltas of one audit event (the stored event: action, entity, before, after, at)."""
    add: dict[str, int] = {}

    def bump(name: str, delta: int) -> None:
        add[name] = add.get(name, 0) + delta

    entity, before, after = str(event["entity"]), event.get("before"), event.get("after")
    if (s := _status(before)) is not None:
        bump(f"n:{entity}:{s}", -1)
    if (s := _status(after)) is not None:
        bump(f"n:{entity}:{s}", +1)
    if (d := _open_due(entity, before)) is not None:
        bump(f"due:{d}", -1)
    if (d := _open_due(entity, after)) is not None:
        bump(f"due:{d}", +1)
    put: dict[str, Any] = {}
    action = str(event["action"])
    if action in TRACKED_ACTIONS:
        bump(f"n:{action}", 1)
        put[f"last:{action}"] = str(event["at"])
    return CounterChange({k: v for k, v in add.items() if v}, put)
