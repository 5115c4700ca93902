"""Payment batches: lines frozen from the client's payment proposal, approved under the four-eyes rule
with fresh strong authentication, handed to the bank by the payment-approval workflow.

awaiting_approval ──approvals (step-up, four eyes, bound to the hash)──> approved ──workflow──> sent
   │  └─change (execution date, lines): new hash, earlier approvals no longer count      │
   └─expiry / cancellation──> cancelled (vouchers freed)          sent ──bank──> accepted / partly_rejected
                                                                          ──> paid / rejected (bank_status)

A voucher moves from the open proposal into the batch in one transaction (the proposal loses the
line, the voucher gets `payment_batch`); a voucher in a batch is in no other batch or proposal and
cannot be marked paid or returned (vouchers.workflow). Lines, totals and the content hash are
computed when the batch is made or changed and never again: the bank is sent exactly what was approved.
"""

from __future__ import annotations

import builtins
import uuid
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from klientportal import clock
from klientportal.auth.principal import Principal
from klientportal.errors import FieldError, InvalidInput, NotFound, RuleViolation, StaleVersion
from klientportal.payments import content, four_eyes, supplier_accounts
from klientportal.payments import settings as payment_settings
from klientportal.payments.business_days import is_business_day, next_business_day
from klientportal.payments.ports import ApprovalWorkflow
from klientportal.payments.step_up import StepUpPolicy
from klientportal.repository import keys
from klientportal.repository.records import Record
from klientportal.repository.store import Actor, Change, Page, Store
from klientportal.vouchers.ehf_rules import require_not_blocked
from klientportal.vouchers.payments import PAYABLE, NotPayable, payment_line, proposal_totals
from klientportal.vouchers.workflow import VoucherService

#: One transaction: the batch, the proposal and each voucher, with an audit event each, within
#: DynamoDB's 100 items per transaction.
MAX_BATCH_LINES = 45
MAX_DAYS_AHEAD = 365
_ATTEMPTS = 3
CURRENCY = "NOK"


class BatchNotAwaitingApproval(RuleViolation):
    slug, title = "batch-not-awaiting-approval", "The payment batch is not awaiting approval"


class ExecutionDatePassed(RuleViolation):
    slug, title = "execution-date-passed", "The batch's execution date has passed"


class ProposalEmpty(RuleViolation):
    slug, title = "payment-proposal-empty", "The payment proposal has nothing to pay"


class LinesRefused(RuleViolation):
    slug, title = "payment-lines-refused", "Some vouchers cannot be paid in a batch"


def new_batch_id() -> str:
    return "pb-" + uuid.uuid4().hex[:16]


def batch_view(rec: Record) -> dict[str, Any]:
    data = rec.data
    valid = four_eyes.counting(data.get("approvals") or [], data["content_hash"])
    return {
        **data,
        "valid_approvals": len(valid),
        "approvals_missing": (
            max(0, data["required_approvals"] - len(valid)) if data["status"] == "awaiting_approval" else 0
        ),
        "version": rec.version,
        "created_at": rec.created_at,
        "updated_at": rec.updated_at,
    }


def checked_execution_date(requested: date | None, today: date) -> date:
    """The requested execution date, or the next business day; refused in the past, on a day the
    banks are closed, or more than a year ahead."""
    if requested is None:
        return next_business_day(today)
    problem = None
    if requested < today:
        problem = f"{requested.isoformat()} is in the past (today is {today.isoformat()} in Norway)"
    elif not is_business_day(requested):
        problem = f"{requested.isoformat()} is not a bank business day in Norway"
    elif requested > today + timedelta(days=MAX_DAYS_AHEAD):
        problem = f"{requested.isoformat()} is more than {MAX_DAYS_AHEAD} days ahead"
    if problem:
        suggestion = next_business_day(max(requested, today))
        raise InvalidInput(
            problem,
            [FieldError("execution_date", problem)],
            extra={"next_business_day": suggestion.isoformat()},
        )
    return requested


def _totals(lines: Sequence[dict[str, Any]]) -> tuple[int, str]:
    total = sum(int(x["amount_ore"]) for x in lines)
    return total, content.ore_text(total)


class PaymentBatchService:
    def __init__(
        self,
        store: Store,
        client_id: str,
        workflow: ApprovalWorkflow | None = None,
        step_up: StepUpPolicy | None = None,
    ) -> None:
        self.store, self.client_id = store, client_id
        self.pk = keys.client_pk(client_id)
        self.vouchers = VoucherService(store, client_id)
        self._workflow = workflow
        self.step_up = step_up or StepUpPolicy.from_env()

    @property
    def workflow(self) -> ApprovalWorkflow:
        if self._workflow is None:
            raise RuntimeError("no approval workflow configured")
        return self._workflow

    # ---- reading ---------------------------------------------------------------------------
    def get(self, batch_id: str) -> Record:
        try:
            rec = self.store.get(self.pk, keys.payment_batch_sk(batch_id))
        except ValueError:
            rec = None
        if rec is None:
            raise NotFound(f"no payment batch {batch_id}")
        return rec

    def list(self, limit: int | None, cursor: str | None) -> Page:
        return self.store.query(self.pk, keys.PAYMENT_BATCH_PREFIX, limit=limit, cursor=cursor, forward=False)

    def _current(self, batch_id: str, version: int) -> Record:
        rec = self.get(batch_id)
        if rec.version != version:
            raise StaleVersion(
                f"the payment batch is at version {rec.version}, you sent {version}; reload and try again",
                extra={"current_version": rec.version},
            )
        return rec

    @staticmethod
    def _awaiting(rec: Record, verb: str) -> None:
        if rec.data["status"] != "awaiting_approval":
            raise BatchNotAwaitingApproval(
                f"the batch is {rec.data['status']}; only a batch awaiting approval can be {verb}",
                extra={"current_status": rec.data["status"]},
            )

    # ---- making a batch --------------------------------------------------------------------
    def _frozen_lines(self, vouchers: Sequence[Record], proposal_id: str) -> builtins.list[dict[str, Any]]:
        """The batch lines of `vouchers`, computed afresh, or LinesRefused naming each voucher at fault."""
        numbers = {(v.data.get("details") or {}).get("supplier_number") for v in vouchers}
        supplier_keys = [(self.pk, keys.register_sk("supplier", int(n))) for n in numbers if n is not None]
        suppliers = self.store.get_many(supplier_keys)
        pending = supplier_accounts.pending_by_supplier(self.store, self.client_id)
        lines, errors = [], []
        for voucher in vouchers:
            vid = voucher.data["voucher_id"]
            where = f"vouchers.{vid}"
            if (voucher.data.get("payment_proposal") or {}).get("proposal_id") != proposal_id:
                errors.append(FieldError(where, "not in the open payment proposal"))
                continue
            if voucher.data.get("payment_batch"):
                errors.append(FieldError(where, f"in payment batch {voucher.data['payment_batch']['batch_id']}"))
                continue
            if voucher.data["status"] not in PAYABLE or voucher.data.get("paid_on"):
                errors.append(FieldError(where, f"the voucher is {voucher.data['status']}, not approved and unpaid"))
                continue
            raw = (voucher.data.get("details") or {}).get("supplier_number")
            number = int(raw) if raw is not None else 0
            supplier = suppliers.get((self.pk, keys.register_sk("supplier", number))) if number else None
            if supplier is None:
                errors.append(FieldError(where, "a batch pays suppliers of the register: choose the supplier"))
                continue
            try:
                require_not_blocked(voucher.data, "paid")
                line = payment_line(voucher.data, supplier.data)
            except NotPayable as exc:
                errors += [FieldError(f"{where}.{e.field}", e.message) for e in exc.errors] or [
                    FieldError(where, exc.detail)
                ]
                continue
            except RuleViolation as exc:
                errors.append(FieldError(where, exc.detail))
                continue
            refusal = supplier_accounts.account_refusal(supplier.data, line["creditor_account"], pending.get(number))
            if refusal:
                errors.append(FieldError(f"{where}.creditor_account", refusal))
                continue
            if line["currency"] != CURRENCY:
                errors.append(
                    FieldError(f"{where}.currency", f"a batch pays {CURRENCY}; this voucher is in {line['currency']}")
                )
                continue
            try:
                ore = content.to_ore(line["amount"])
            except content.NotWholeOre as exc:
                errors.append(FieldError(f"{where}.payable", str(exc)))
                continue
            lines.append({**line, "amount_ore": ore, "status": "pending"})
        if errors:
            raise LinesRefused(f"{len(errors)} of the vouchers cannot be paid in a batch; nothing was changed", errors)
        return sorted(lines, key=lambda x: x["voucher_id"])

    def create(self, execution_date: date | None, voucher_ids: Sequence[str] | None, actor: Actor) -> Record:
        """A batch of the open proposal's vouchers (all, or those named), taken out of the proposal."""
        when = checked_execution_date(execution_date, clock.today_oslo())
        proposal = self.store.get(self.pk, keys.PAYMENT_PROPOSAL_OPEN_SK)
        in_proposal = [x["voucher_id"] for x in (proposal.data["lines"] if proposal else [])]
        if proposal is None or not in_proposal:
            raise ProposalEmpty("the open payment proposal is empty: add approved vouchers to it first")
        chosen = list(dict.fromkeys(voucher_ids)) if voucher_ids else in_proposal
        unknown = [v for v in chosen if v not in in_proposal]
        if unknown:
            raise InvalidInput(
                "some vouchers are not in the open payment proposal",
                [FieldError(f"voucher_ids.{v}", "not in the open payment proposal") for v in unknown],
            )
        if len(chosen) > MAX_BATCH_LINES:
            raise InvalidInput(
                f"a batch holds at most {MAX_BATCH_LINES} payments; name the vouchers of this batch (voucher_ids)",
                [FieldError("voucher_ids", f"at most {MAX_BATCH_LINES}")],
                extra={"proposal_lines": len(in_proposal)},
            )
        found = self.store.get_many([(self.pk, keys.voucher_sk(v)) for v in chosen])
        vouchers = [r for r in found.values() if r is not None]
        if len(vouchers) != len(chosen):
            raise NotFound("a voucher of the proposal no longer exists")
        lines = self._frozen_lines(vouchers, proposal.data["proposal_id"])
        total_ore, total = _totals(lines)
        batch_id = new_batch_id()
        at = clock.iso(clock.now())
        content_hash = content.content_hash(when.isoformat(), lines)
        data = {
            "batch_id": batch_id,
            "client_id": self.client_id,
            "status": "awaiting_approval",
            "execution_date": when.isoformat(),
            "currency": CURRENCY,
            "lines": lines,
            "line_count": len(lines),
            "total": total,
            "total_ore": total_ore,
            "content_hash": content_hash,
            "required_approvals": four_eyes.required_approvals(
                total_ore, payment_settings.threshold_ore(self.store, self.client_id)
            ),
            "approvals": [],
            "superseded_approvals": [],
            "created_by": {"sub": actor.sub, "email": actor.email},
            "proposal_id": proposal.data["proposal_id"],
            "history": [{"at": at, "by": actor.email or actor.sub, "what": "created", "content_hash": content_hash}],
        }
        batch = Record(self.pk, keys.payment_batch_sk(batch_id), "payment_batch", data)
        remaining = [x for x in proposal.data["lines"] if x["voucher_id"] not in set(chosen)]
        proposal_after = proposal.with_data({**proposal.data, "lines": remaining, "totals": proposal_totals(remaining)})
        changes = [
            Change(None, batch, "payment_batch.created"),
            Change(proposal, proposal_after, "payment_proposal.vouchers_batched"),
        ]
        marker = {"batch_id": batch_id, "added_at": at, "by": actor.sub}
        for voucher in vouchers:
            moved = {k: v for k, v in voucher.data.items() if k != "payment_proposal"}
            moved["payment_batch"] = marker
            after = self.vouchers._next(voucher, moved, actor, f"in payment batch {batch_id}")
            changes.append(Change(voucher, after, "voucher.added_to_payment_batch"))
        saved = self.store.write(self.pk, changes, actor)[0]
        if self._workflow is not None:
            self.workflow.start(self.client_id, batch_id)
        return saved

    def batch_of_lines(
        self,
        batch_id: str,
        execution_date: date,
        lines: Sequence[dict[str, Any]],
        source: dict[str, Any],
        actor: Actor,
    ) -> Record:
        """A batch record of lines that are not vouchers (payroll: net pay and the tax payments,
        h-payroll2, decision 0921), for the caller's own transaction: each line has the voucher
        line's shape (`voucher_id` is the line's id, `supplier_name` the payee), so the hash, the
        approval rules, the pain.001 and the bank's status apply unchanged. Nothing is written."""
        total_ore, total = _totals(lines)
        at = clock.iso(clock.now())
        content_hash = content.content_hash(execution_date.isoformat(), lines)
        data = {
            "batch_id": batch_id,
            "client_id": self.client_id,
            "status": "awaiting_approval",
            "execution_date": execution_date.isoformat(),
            "currency": CURRENCY,
            "lines": sorted(lines, key=lambda x: x["voucher_id"]),
            "line_count": len(lines),
            "total": total,
            "total_ore": total_ore,
            "content_hash": content_hash,
            "required_approvals": four_eyes.required_approvals(
                total_ore, payment_settings.threshold_ore(self.store, self.client_id)
            ),
            "approvals": [],
            "superseded_approvals": [],
            "created_by": {"sub": actor.sub, "email": actor.email},
            "source": source,
            "history": [{"at": at, "by": actor.email or actor.sub, "what": "created", "content_hash": content_hash}],
        }
        return Record(self.pk, keys.payment_batch_sk(batch_id), "payment_batch", data)

    # ---- changing a batch before it is approved ---------------------------------------------
    def change(
        self,
        batch_id: str,
        version: int,
        actor: Actor,
        *,
        execution_date: date | None = None,
        remove_voucher_ids: Sequence[str] = (),
    ) -> Record:
        """A new execution date and/or fewer lines: a new content hash, so earlier approvals no
        longer count; the removed vouchers are freed (they may be proposed again)."""
        rec = self._current(batch_id, version)
        self._awaiting(rec, "changed")
        data = dict(rec.data)
        lines = list(data["lines"])
        ids = {x["voucher_id"] for x in lines}
        unknown = [v for v in remove_voucher_ids if v not in ids]
        if unknown:
            raise InvalidInput(
                "some vouchers are not in the batch",
                [FieldError(f"remove_voucher_ids.{v}", "not in this batch") for v in unknown],
            )
        lines = [x for x in lines if x["voucher_id"] not in set(remove_voucher_ids)]
        if not lines:
            raise RuleViolation("a batch keeps at least one payment; cancel the batch instead")
        when = (
            checked_execution_date(execution_date, clock.today_oslo()).isoformat()
            if execution_date is not None
            else data["execution_date"]
        )
        new_hash = content.content_hash(when, lines)
        if new_hash == data["content_hash"]:
            return rec  # nothing that is paid changes: the approvals stand
        total_ore, total = _totals(lines)
        superseded = [a for a in data.get("approvals") or [] if a["content_hash"] == data["content_hash"]]
        data.update(
            {
                "execution_date": when,
                "lines": lines,
                "line_count": len(lines),
                "total": total,
                "total_ore": total_ore,
                "content_hash": new_hash,
                "required_approvals": four_eyes.required_approvals(
                    total_ore, payment_settings.threshold_ore(self.store, self.client_id)
                ),
                "approvals": [],
                "superseded_approvals": [*(data.get("superseded_approvals") or []), *superseded],
                "history": [
                    *data.get("history", []),
                    {
                        "at": clock.iso(clock.now()),
                        "by": actor.email or actor.sub,
                        "what": "changed" + (f"; {len(superseded)} approval(s) no longer count" if superseded else ""),
                        "content_hash": new_hash,
                    },
                ],
            }
        )
        changes = [Change(rec, rec.with_data(data), "payment_batch.changed")]
        changes += self._freed(remove_voucher_ids, actor, f"taken out of payment batch {batch_id}")
        return self.store.write(self.pk, changes, actor)[0]

    def _freed(self, voucher_ids: Sequence[str], actor: Actor, what: str, **mark: Any) -> builtins.list[Change]:
        found = self.store.get_many([(self.pk, keys.voucher_sk(v)) for v in voucher_ids])
        changes = []
        for voucher in found.values():
            if voucher is None or not voucher.data.get("payment_batch"):
                continue
            freed = {k: v for k, v in voucher.data.items() if k != "payment_batch"}
            freed.update(mark)
            changes.append(
                Change(voucher, self.vouchers._next(voucher, freed, actor, what), "voucher.removed_from_payment_batch")
            )
        return changes

    # ---- approval ---------------------------------------------------------------------------
    def approve(self, batch_id: str, seen_hash: str, principal: Principal, now_s: int | None = None) -> Record:
        """Add `principal`'s approval of the content they saw, or refuse it with nothing changed. Two
        approvers at the same moment: the one whose write lost reads the batch again and is judged on it."""
        for attempt in range(_ATTEMPTS):
            try:
                return self._approve_once(batch_id, seen_hash, principal, now_s)
            except StaleVersion:
                if attempt == _ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable")

    def _approve_once(self, batch_id: str, seen_hash: str, principal: Principal, now_s: int | None) -> Record:
        rec = self.get(batch_id)
        self._awaiting(rec, "approved")
        acr, auth_time = self.step_up.check(principal, now_s)
        today = clock.today_oslo()
        if date.fromisoformat(rec.data["execution_date"]) < today:
            raise ExecutionDatePassed(
                f"the batch's execution date {rec.data['execution_date']} has passed; change it before approving",
                extra={"next_business_day": next_business_day(today).isoformat()},
            )
        data = rec.data
        creator = data["created_by"]["sub"]
        approvals = list(data.get("approvals") or [])
        four_eyes.check_approval(
            approver=principal.sub,
            seen_hash=seen_hash,
            current_hash=data["content_hash"],
            creator=creator,
            approvals=approvals,
            required=data["required_approvals"],
        )
        at = clock.iso(clock.now())
        approvals.append(
            {
                "sub": principal.sub,
                "email": principal.email,
                "content_hash": seen_hash,
                "at": at,
                "auth_level": acr,
                "auth_time": auth_time,
                "creator": principal.sub == creator,
            }
        )
        done = four_eyes.is_approved(approvals, data["content_hash"], creator, data["required_approvals"])
        after = {
            **data,
            "approvals": approvals,
            "history": [
                *data.get("history", []),
                {"at": at, "by": principal.email or principal.sub, "what": "approved" if done else "approval added"},
            ],
        }
        if done:
            after.update({"status": "approved", "approved": {"at": at, "content_hash": data["content_hash"]}})
        actor = Actor(sub=principal.sub, email=principal.email)
        saved = self.store.write(
            self.pk,
            [Change(rec, rec.with_data(after), "payment_batch.approved" if done else "payment_batch.approval_added")],
            actor,
        )[0]
        if done and self._workflow is not None:
            from klientportal.payments.workflow import approval_task_id

            output = {"approved": True, "content_hash": data["content_hash"]}
            if not self.workflow.complete(approval_task_id(batch_id), output):
                self.workflow.start(self.client_id, batch_id)  # not waiting yet: it reads the status when it does
        return saved

    def cancel(self, batch_id: str, actor: Actor, reason: str, *, version: int | None = None) -> Record | None:
        """Cancel a batch awaiting approval and free its vouchers; None when it is no longer awaiting
        (an expiry that lost the race against the last approval)."""
        rec = self.get(batch_id) if version is None else self._current(batch_id, version)
        if rec.data["status"] != "awaiting_approval":
            if version is not None:
                self._awaiting(rec, "cancelled")
            return None
        at = clock.iso(clock.now())
        data = {
            **rec.data,
            "status": "cancelled",
            "cancelled": {"at": at, "reason": reason, "by": actor.email or actor.sub},
            "history": [
                *rec.data.get("history", []),
                {"at": at, "by": actor.email or actor.sub, "what": f"cancelled: {reason}"},
            ],
        }
        changes = [Change(rec, rec.with_data(data), "payment_batch.cancelled")]
        changes += self._freed([x["voucher_id"] for x in rec.data["lines"]], actor, f"freed: batch {batch_id} {reason}")
        saved = self.store.write(self.pk, changes, actor)[0]
        if self._workflow is not None and actor.kind == "user":
            from klientportal.payments.workflow import approval_task_id

            self.workflow.fail(approval_task_id(batch_id), "BatchCancelled", reason)
        return saved

    # ---- the workflow's steps ------------------------------------------------------------------
    def hand_to_bank(self, batch_id: str, task_id: str, actor: Actor) -> Record:
        """Mark the approved batch sent (the bank's status will complete `task_id`). Sent again
        (a retried workflow step) it only records the new task: the lines stay as they were sent."""
        rec = self.get(batch_id)
        data = rec.data
        at = clock.iso(clock.now())
        if data["status"] == "approved":
            approved_hash = (data.get("approved") or {}).get("content_hash")
            if (
                approved_hash != data["content_hash"]
                or content.content_hash(data["execution_date"], data["lines"]) != approved_hash
            ):
                raise RuleViolation("the batch's content is not the content that was approved; nothing is sent")
            after = {
                **data,
                "status": "sent",
                "sent": {"at": at, "content_hash": data["content_hash"]},
                "lines": [{**x, "status": "sent"} for x in data["lines"]],
                "bank_task": {"task_id": task_id, "at": at},
                "history": [*data.get("history", []), {"at": at, "by": "workflow", "what": "handed to the bank"}],
            }
            return self.store.write(self.pk, [Change(rec, rec.with_data(after), "payment_batch.sent")], actor)[0]
        if data["status"] in ("sent", "accepted", "partly_rejected"):
            if (data.get("bank_task") or {}).get("task_id") == task_id:
                return rec
            after = {**data, "bank_task": {"task_id": task_id, "at": at}}
            return self.store.write(self.pk, [Change(rec, rec.with_data(after), "payment_batch.bank_wait")], actor)[0]
        raise RuleViolation(f"the batch is {data['status']}; only an approved batch is sent")

    def note_bank_silent(self, batch_id: str, actor: Actor) -> Record:
        """The bank gave no final status in time: said on the batch, for a person to check (never resent)."""
        rec = self.get(batch_id)
        at = clock.iso(clock.now())
        data = {
            **rec.data,
            "bank_silent": {"at": at},
            "history": [
                *rec.data.get("history", []),
                {"at": at, "by": "workflow", "what": "no final bank status in time"},
            ],
        }
        return self.store.write(self.pk, [Change(rec, rec.with_data(data), "payment_batch.bank_silent")], actor)[0]
