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
- payroll runs (h-payflow, decision 0931): `n:payroll_run:<status>` as any entity; the status of each
  run's latest a-melding message, `n:a_melding:<status>` (−1 before, +1 after, from the run's
  `submissions`); and each message's answer once, `afb:<period>#<message id>` (status, findings,
  time), written by the one event that gave the message its final status, so order does not matter.
"""

from __future__ import annotations

import json
from collections.abc import Callable
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
    if entity == "payroll_run":
        _a_melding_change(before, after, bump, put)
    action = str(event["action"])
    if action in TRACKED_ACTIONS:
        bump(f"n:{action}", 1)
        put[f"last:{action}"] = str(event["at"])
    return CounterChange({k: v for k, v in add.items() if v}, put)


A_MELDING_FINAL = frozenset({"accepted", "rejected"})
_FINDINGS_KEPT, _FINDING_TEXT = 3, 120  # one answer per message stays small on the counter item


def _latest_message(image: dict[str, Any] | None) -> dict[str, Any] | None:
    submissions = (image or {}).get("submissions") or []
    last = submissions[-1] if submissions else None
    return last if isinstance(last, dict) and _status(last) else None


def _a_melding_change(
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    bump: Callable[[str, int], None],
    put: dict[str, Any],
) -> None:
    """A run's a-melding: its latest message's status moved, and a message's final answer kept once."""
    was, now = _latest_message(before), _latest_message(after)
    if was is not None:
        bump(f"n:a_melding:{was['status']}", -1)
    if now is not None:
        bump(f"n:a_melding:{now['status']}", +1)
    answered_before = {
        m.get("message_id") for m in (before or {}).get("submissions") or [] if _status(m) in A_MELDING_FINAL
    }
    for m in (after or {}).get("submissions") or []:
        if _status(m) in A_MELDING_FINAL and m.get("message_id") not in answered_before:
            findings = [
                {
                    "code": f.get("code"),
                    "severity": f.get("severity"),
                    "message": str(f.get("message", ""))[:_FINDING_TEXT],
                }
                for f in (m.get("feedback") or [])[:_FINDINGS_KEPT]
            ]
            answer = {
                "period": (after or {}).get("period"),
                "run_id": (after or {}).get("run_id"),
                "message_id": m.get("message_id"),
                "status": m["status"],
                "findings": findings,
                "findings_total": len(m.get("feedback") or []),
                "at": m.get("answered_at") or m.get("submitted_at"),
            }
            put[f"afb:{answer['period']}#{answer['message_id']}"] = json.dumps(answer, sort_keys=True)
