"""The bank's status of a sent batch (contract 4): the bank routine calls `report` with what the
bank said (pain.002: accepted / rejected / partly_rejected; camt.054 debit: paid), per line where it
knows. The batch and its lines are updated, a paid line marks its voucher paid, a rejected line frees
its voucher with the reason; a final status (paid, rejected) completes the workflow's wait, an
intermediate one keeps it alive (heartbeat). Reporting the same again changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any, Literal

from klientportal import clock
from klientportal.errors import InvalidInput, RuleViolation
from klientportal.payments.batches import PaymentBatchService, batch_view
from klientportal.payments.ports import ApprovalWorkflow
from klientportal.repository import keys
from klientportal.repository.store import Actor, Change, Store
from klientportal.vouchers.records import Status

BankStatus = Literal["accepted", "rejected", "partly_rejected", "paid"]
LINE_STATUSES = frozenset({"accepted", "rejected", "paid"})
FINAL = frozenset({"paid", "rejected"})
_AFTER: dict[str, frozenset[str]] = {
    "sent": frozenset({"accepted", "rejected", "partly_rejected", "paid"}),
    "accepted": frozenset({"accepted", "rejected", "partly_rejected", "paid"}),
    "partly_rejected": frozenset({"partly_rejected", "paid"}),
    "paid": frozenset({"paid"}),
    "rejected": frozenset({"rejected"}),
}
BANK = Actor(sub="bank", kind="system")


def _line_outcome(status: str, reported: Mapping[str, Mapping[str, Any]], line: Mapping[str, Any]) -> dict[str, Any]:
    """A line after the batch status `status`, with what was reported for it."""
    own = reported.get(line["voucher_id"])
    if line.get("status") in ("rejected", "paid"):
        return dict(line)  # settled lines stay settled
    if own is not None:
        new = {**line, "status": own["status"]}
        if own.get("reason"):
            new["reason"] = own["reason"]
        if own["status"] == "paid":
            new["paid_on"] = own.get("paid_on") or clock.today_oslo().isoformat()
        return new
    if status == "rejected":
        return {**line, "status": "rejected", "reason": line.get("reason") or "the bank rejected the batch"}
    if status == "paid":
        return {**line, "status": "paid", "paid_on": clock.today_oslo().isoformat()}
    if status in ("accepted", "partly_rejected"):
        return {**line, "status": "accepted"}
    return dict(line)


def _checked_lines(lines: Sequence[Mapping[str, Any]], known: set[str]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for i, line in enumerate(lines):
        vid, status = line.get("voucher_id"), line.get("status")
        if vid not in known:
            raise InvalidInput(f"line {i}: voucher {vid} is not in the batch")
        if status not in LINE_STATUSES:
            raise InvalidInput(f"line {i}: status {status!r} is not one of {sorted(LINE_STATUSES)}")
        if line.get("paid_on") is not None:
            date.fromisoformat(str(line["paid_on"]))
        out[str(vid)] = {k: line.get(k) for k in ("status", "reason", "paid_on")}
    return out


def report(
    store: Store,
    client_id: str,
    batch_id: str,
    status: BankStatus,
    lines: Sequence[Mapping[str, Any]] = (),
    *,
    workflow: ApprovalWorkflow | None = None,
) -> dict[str, Any]:
    """Apply the bank's `status` of the batch (and of its `lines`: {voucher_id, status, reason?,
    paid_on?}); the batch as it is afterwards."""
    if workflow is None:
        from klientportal.payments.workflow import approval_workflow

        workflow = approval_workflow(store, client_id)
    service = PaymentBatchService(store, client_id, workflow)
    rec = service.get(batch_id)
    data = rec.data
    if data["status"] not in _AFTER or status not in _AFTER[data["status"]]:
        raise RuleViolation(
            f"the bank cannot report {status} for a batch that is {data['status']}",
            extra={"current_status": data["status"]},
        )
    reported = _checked_lines(lines, {x["voucher_id"] for x in data["lines"]})
    new_lines = [_line_outcome(status, reported, x) for x in data["lines"]]
    if status == "partly_rejected" and not any(x["status"] == "rejected" for x in new_lines):
        raise InvalidInput("partly_rejected names the rejected lines")
    task = (data.get("bank_task") or {}).get("task_id")
    if new_lines == data["lines"] and status == data["status"]:
        if status in FINAL and task:
            workflow.complete(task, {"status": status})  # a replay after a lost completion; no-op when done
        return batch_view(rec)
    at = clock.iso(clock.now())
    after = {
        **data,
        "status": status,
        "lines": new_lines,
        "bank_status": [
            *(data.get("bank_status") or []),
            {"at": at, "status": status, "lines": list(reported.values())},
        ],
        "history": [*data.get("history", []), {"at": at, "by": "bank", "what": f"bank status {status}"}],
    }
    changes = [Change(rec, rec.with_data(after), f"payment_batch.{status}")]
    before = {x["voucher_id"]: x for x in data["lines"]}
    newly_paid = [x for x in new_lines if x["status"] == "paid" and before[x["voucher_id"]].get("status") != "paid"]
    newly_rejected = [
        x for x in new_lines if x["status"] == "rejected" and before[x["voucher_id"]].get("status") != "rejected"
    ]
    vouchers = store.get_many([(service.pk, keys.voucher_sk(x["voucher_id"])) for x in newly_paid + newly_rejected])
    for line in newly_paid:
        voucher = vouchers.get((service.pk, keys.voucher_sk(line["voucher_id"])))
        if voucher is None:
            continue
        paid = {**voucher.data, "paid_on": line["paid_on"]}
        if voucher.data["status"] == Status.APPROVED:
            paid["status"] = Status.PAID
        changes.append(
            Change(
                voucher,
                service.vouchers._next(voucher, paid, BANK, f"paid {line['paid_on']} (batch {batch_id})"),
                "voucher.paid",
            )
        )
    for line in newly_rejected:
        voucher = vouchers.get((service.pk, keys.voucher_sk(line["voucher_id"])))
        if voucher is None:
            continue
        freed = {k: v for k, v in voucher.data.items() if k != "payment_batch"}
        freed["payment_rejected"] = {"batch_id": batch_id, "reason": line.get("reason"), "at": at}
        changes.append(
            Change(
                voucher,
                service.vouchers._next(voucher, freed, BANK, f"payment rejected by the bank: {line.get('reason')}"),
                "voucher.payment_rejected",
            )
        )
    saved = store.write(service.pk, changes, BANK)[0]
    if task:
        if status in FINAL:
            workflow.complete(task, {"status": status})
        else:
            workflow.heartbeat(task)
    return batch_view(saved)
