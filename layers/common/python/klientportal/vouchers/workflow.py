"""The voucher workflow of a client (dokumentflyt): queues, details, coding, attestation, approval,
payment marking, and the bureau's booking and return. Every change is versioned and audited; the
audit actions are the domain events (voucher.coded, voucher.approved, voucher.booked, …).

new ──code──> to_approve ──attestation──> in_attestation ──every step approved──> approved ──book──> booked
  └──────────────approve (coded)──────────────────────────────────────┘   │ └─paid─> paid ─book─┘
returned <──────────────────────── return (bureau, with comment) ─────────┘
in_attestation ──a step rejects (comment) / expires──> rejected (coded / sent again)
in_attestation is the attestation workflow's (Step Functions, 0501): it alone moves the voucher on.
EHF failing fatal rules: no approval, attestation or payment until validation-override (reason) or
correction-request ──> correction_requested (0269). The checks are recomputed on every change (0268).
The checks, the supplier register and the journal are imported by the changes that use them, not by
the reads (cold start, bench/README.md).
"""

from __future__ import annotations

import builtins
from datetime import date
from typing import Any

from klientportal import clock
from klientportal.errors import FieldError, InvalidInput, NotFound, RuleViolation, StaleVersion
from klientportal.reference.chart_of_accounts import get_account
from klientportal.reference.vat_codes import get_vat_code
from klientportal.repository import keys
from klientportal.repository.records import Record
from klientportal.repository.store import SYSTEM, Actor, Change, Page, Store
from klientportal.vouchers import attestation_flow
from klientportal.vouchers.ehf_rules import fatal_rules, require_not_blocked
from klientportal.vouchers.ledger import (
    SUPPLIER_LEDGER,
    VAT_TOLERANCE,
    VOUCHER_VAT_CODES,
    check_adds_up,
    computed_vat,
    journal_lines,
    money,
    posting_of,
)
from klientportal.vouchers.records import BUREAU_QUEUE, EDITABLE, QUEUES, Status, valid_voucher_id
from klientportal.workflows import human_tasks

CODABLE = EDITABLE
APPROVABLE = frozenset({Status.NEW, Status.TO_APPROVE, Status.RETURNED})  # in attestation: the workflow decides
# approved: the bureau sends a voucher from its queue out for attestation (e.g. to a project manager)
ATTESTABLE = frozenset({Status.NEW, Status.TO_APPROVE, Status.RETURNED, Status.REJECTED, Status.APPROVED})
BOOKABLE = frozenset(BUREAU_QUEUE)
DETAIL_FIELDS = (
    "supplier_number",
    "invoice_number",
    "issue_date",
    "due_date",
    "currency",
    "kid",
    "bank_account",
    "net_total",
    "vat_total",
    "total",
    "payable",
    "description",
    "document_type",
)


def view(rec: Record) -> dict[str, Any]:
    """The API shape of a voucher."""
    return {**rec.data, "version": rec.version, "created_at": rec.created_at, "updated_at": rec.updated_at}


class VoucherService:
    def __init__(self, store: Store, client_id: str) -> None:
        self.store = store
        self.client_id = client_id
        self.pk = keys.client_pk(client_id)

    # ---- reading ----------------------------------------------------------------------------
    def get(self, voucher_id: str) -> Record:
        rec = self.store.get(self.pk, keys.voucher_sk(voucher_id)) if valid_voucher_id(voucher_id) else None
        if rec is None:
            raise NotFound(f"no voucher {voucher_id[:40]}")
        return rec

    def list(self, queue: str | None, limit: int | None, cursor: str | None) -> Page:
        if queue is None:
            return self.store.query(self.pk, keys.VOUCHER_PREFIX, limit=limit, cursor=cursor)
        if queue not in QUEUES:
            raise InvalidInput("unknown queue", [FieldError("query.queue", f"one of {', '.join(QUEUES)}")])
        return self.store.query(
            keys.voucher_queue_gsi(self.client_id, queue), index="GSI1", limit=limit, cursor=cursor, forward=False
        )

    def quarantine(self) -> builtins.list[dict[str, Any]]:
        """Refused messages and attachments, and vouchers whose file could not be read."""
        items = [
            {**r.data, "kind": "message-or-attachment"} for r in self.store.query_all(self.pk, keys.QUARANTINE_PREFIX)
        ]
        for r in self.store.query_all(keys.voucher_queue_gsi(self.client_id, Status.QUARANTINED), index="GSI1"):
            items.append(
                {
                    "quarantine_id": r.data["voucher_id"],
                    "kind": "voucher",
                    "voucher_id": r.data["voucher_id"],
                    "client_id": self.client_id,
                    "channel": r.data["channel"],
                    "reason": r.data["quarantine"]["reason"],
                    "message": r.data["quarantine"]["detail"],
                    "filename": r.data["original"].get("filename"),
                    "original": r.data["original"],
                    "received_at": r.data["received_at"],
                }
            )
        return sorted(items, key=lambda i: i.get("received_at", ""), reverse=True)

    # ---- client side ------------------------------------------------------------------------
    def update_details(self, voucher_id: str, version: int, changes: dict[str, Any], actor: Actor) -> Record:
        rec = self._current(voucher_id, version)
        self._require(rec, EDITABLE, "edit")
        details = dict(rec.data.get("details") or {})
        for name, value in changes.items():
            if name not in DETAIL_FIELDS:
                raise InvalidInput("unknown field", [FieldError(name, "not a voucher detail")])
            if name in ("net_total", "vat_total", "total", "payable") and value is not None:
                value = str(money(value))
            if isinstance(value, date):
                value = value.isoformat()
            details[name] = value
        data = {**rec.data, "details": details}
        if "supplier_number" in changes:
            from klientportal.vouchers.interpret import supplier_by_number

            supplier = (
                supplier_by_number(self.store, self.client_id, changes["supplier_number"])
                if changes["supplier_number"] is not None
                else None
            )
            if changes["supplier_number"] is not None and supplier is None:
                raise InvalidInput("unknown supplier", [FieldError("supplier_number", "not in the supplier register")])
            data["supplier"] = {**supplier.as_dict(), "matched_by": "chosen"} if supplier else None
            if supplier:
                details["supplier_name"] = supplier.name
        return self._save(rec, data, actor, "voucher.updated", "details edited")

    def code(self, voucher_id: str, version: int, lines: builtins.list[dict[str, Any]], actor: Actor) -> Record:
        rec = self._current(voucher_id, version)
        self._require(rec, CODABLE, "code")
        checked = [self._checked_line(i, line) for i, line in enumerate(lines)]
        status = (
            Status.TO_APPROVE
            if rec.data["status"] in (Status.NEW, Status.RETURNED, Status.REJECTED)
            else Status(rec.data["status"])
        )
        data = {**rec.data, "coding": checked, "status": status}
        after = self._next(rec, data, actor, "coded")
        changes = [Change(rec, after, "voucher.coded")]
        supplier = (rec.data.get("details") or {}).get("supplier_number")
        if supplier is not None:
            from klientportal.vouchers.interpret import coding_stats_change

            changes.append(
                coding_stats_change(self.store, self.client_id, int(supplier), rec.data.get("coding") or [], checked)
            )
        return self.store.write(self.pk, changes, actor)[0]

    def send_to_attestation(
        self, voucher_id: str, version: int, actor: Actor, comment: str | None, attester: str | None = None
    ) -> Record:
        """To attestation: the chain from the client's rules (or `attester`, 0270, plus the amount
        bands), then the attestation workflow is started; from here the workflow decides (0501)."""
        rec = self._current(voucher_id, version)
        self._require(rec, ATTESTABLE, "send to attestation")
        if not rec.data.get("coding"):
            raise RuleViolation("code the voucher before sending it to attestation")
        require_not_blocked(rec.data, "sent to attestation")
        _not_in_payment_proposal(rec, "sent to attestation")
        plan = attestation_flow.plan(
            self.store, self.client_id, rec.data, attester=attester, actor=actor, comment=comment
        )
        data = {**rec.data, "status": Status.IN_ATTESTATION, "attestation": plan}
        data.pop("approved", None)
        steps = ", ".join(s["attester_email"] or s["attester"] for s in plan["chain"])
        sent = self._save(rec, data, actor, "voucher.sent_to_attestation", f"sent to attestation ({steps})", comment)
        try:
            attestation_flow.start(self.client_id, sent.data)
        except Exception:
            back = {**sent.data, "status": rec.data["status"], "attestation": {**plan, "status": "not_started"}}
            self._save(sent, back, SYSTEM, "voucher.attestation_not_started", "the attestation workflow did not start")
            raise
        return sent

    def record_workflow(
        self, rec: Record, data: dict[str, Any], action: str, what: str, comment: str | None = None
    ) -> Record:
        """A change the attestation workflow decided (its tasks call this), audited as the system's."""
        return self._save(rec, data, SYSTEM, action, what, comment)

    def approve(self, voucher_id: str, version: int, actor: Actor, comment: str | None) -> Record:
        rec = self._current(voucher_id, version)
        self._require(rec, APPROVABLE, "approve")
        require_not_blocked(rec.data, "approved")
        check_adds_up(rec.data.get("coding") or [], (rec.data.get("details") or {}).get("total"))
        data = {**rec.data, "status": Status.APPROVED, "approved": {"at": clock.iso(clock.now()), "by": actor.sub}}
        return self._save(rec, data, actor, "voucher.approved", "approved", comment)

    def mark_paid(self, voucher_id: str, version: int, paid_on: date, actor: Actor) -> Record:
        rec = self._current(voucher_id, version)
        status = Status(rec.data["status"])
        if status in (Status.RECEIVED, Status.QUARANTINED):
            raise RuleViolation(f"a {status} voucher cannot be marked paid")
        if rec.data.get("paid_on"):
            raise RuleViolation(f"the voucher was marked paid on {rec.data['paid_on']}")
        _not_in_payment_proposal(rec, "marked paid")
        require_not_blocked(rec.data, "marked paid")
        new_status = Status.PAID if status == Status.APPROVED else status
        data = {**rec.data, "paid_on": paid_on.isoformat(), "status": new_status}
        return self._save(rec, data, actor, "voucher.paid", f"marked paid {paid_on.isoformat()}")

    # ---- an EHF failing fatal rules (0269) ---------------------------------------------------
    def override_validation(self, voucher_id: str, version: int, reason: str, actor: Actor) -> Record:
        """Accept an EHF that fails fatal rules, with the reason recorded; a correction request ends."""
        rec = self._current(voucher_id, version)
        rules = fatal_rules(rec.data)
        if not rules:
            raise RuleViolation("the voucher fails no fatal EHF rules; there is nothing to override")
        if rec.data.get("validation_override"):
            raise RuleViolation("the failed rules were overridden already")
        self._require(rec, EDITABLE | {Status.CORRECTION_REQUESTED}, "be overridden")
        status = Status(rec.data["status"])
        if status == Status.CORRECTION_REQUESTED:
            status = Status.TO_APPROVE if rec.data.get("coding") else Status.NEW
        data = {
            **rec.data,
            "status": status,
            "validation_override": {
                "reason": reason,
                "by": actor.sub,
                "by_email": actor.email,
                "at": clock.iso(clock.now()),
                "rules": rules,
            },
        }
        return self._save(rec, data, actor, "voucher.validation_overridden", "failed EHF rules overridden", reason)

    def request_correction(self, voucher_id: str, version: int, comment: str, actor: Actor) -> Record:
        """The supplier is asked for a corrected invoice: the voucher waits in `correction_requested`."""
        rec = self._current(voucher_id, version)
        if not fatal_rules(rec.data) or rec.data.get("validation_override"):
            raise RuleViolation("only an EHF failing fatal rules (not overridden) waits for a correction")
        self._require(rec, EDITABLE, "wait for a correction")
        data = {
            **rec.data,
            "status": Status.CORRECTION_REQUESTED,
            "correction_request": {"comment": comment, "by": actor.sub, "at": clock.iso(clock.now())},
        }
        return self._save(rec, data, actor, "voucher.correction_requested", "corrected invoice requested", comment)

    # ---- attestation steps (the human tasks of the workflow, 0501) ---------------------------------
    def waiting_for(
        self, sub: str, limit: int | None = None, cursor: str | None = None
    ) -> tuple[builtins.list[Record], str | None]:
        """One page of the attestation steps of this client waiting for `sub`, oldest first.

        The page is read from the assignee's partition and then narrowed to this client, so a page
        may hold fewer items than `limit` while `next_cursor` still leads to more."""
        page = human_tasks.waiting_page(
            self.store, sub, limit=limit, cursor=cursor, scope={"client": self.client_id, "kind": "attestation"}
        )
        items = [
            r for r in page.items if r.data["client_id"] == self.client_id and r.data["kind"] == attestation_flow.KIND
        ]
        return items, page.next_cursor

    def get_waiting(self, task_id: str, sub: str) -> tuple[Record, Record]:
        """The step `task_id` assigned to `sub` and its voucher; not found for anyone else."""
        task = human_tasks.HumanTasks(self.store, self.client_id).require_assigned(task_id, sub)
        if task.data["kind"] != attestation_flow.KIND:
            raise NotFound(f"no attestation step {task_id[:64]} assigned to you")
        return task, self.get(task.data["subject"]["voucher_id"])

    def decide_attestation(
        self, task_id: str, decision: str, comment: str | None, actor: Actor
    ) -> tuple[Record, Record]:
        """The assignee's decision on their step: recorded once (a replay is refused and changes
        nothing), then handed to the waiting workflow, which moves the voucher on."""
        task, rec = self.get_waiting(task_id, actor.sub)
        result = attestation_flow.decision_result(decision, comment, actor)
        att = rec.data.get("attestation") or {}
        if task.data["status"] == human_tasks.OPEN and (
            rec.data["status"] != Status.IN_ATTESTATION
            or att.get("attestation_id") != task.data["subject"]["attestation_id"]
        ):
            raise RuleViolation(
                "the voucher is no longer in this attestation", extra={"current_status": rec.data["status"]}
            )
        if decision == "approve" and task.data["status"] == human_tasks.OPEN:
            require_not_blocked(rec.data, "attested")
        done = human_tasks.HumanTasks(self.store, self.client_id).complete(
            task_id, actor, result, "voucher.attestation_step_answered"
        )
        return done, rec

    # ---- bureau side ------------------------------------------------------------------------
    def book(self, voucher_id: str, version: int, actor: Actor) -> Record:
        from klientportal.ledger.journal import JournalDraft, journal_changes

        rec = self._current(voucher_id, version)
        self._require(rec, BOOKABLE, "book")
        details = rec.data.get("details") or {}
        supplier = details.get("supplier_number")
        if supplier is None:
            raise RuleViolation("link the voucher to a supplier before booking (the supplier sub-ledger)")
        day = date.fromisoformat(details["issue_date"]) if details.get("issue_date") else clock.today_oslo()
        text = " ".join(str(x) for x in (details.get("supplier_name"), details.get("invoice_number")) if x)[:200]
        lines = journal_lines(
            rec.data.get("coding") or [],
            total=details.get("total"),
            supplier_number=int(supplier),
            credit_note=details.get("document_type") == "credit-note",
            text=text or "bilag",
        )
        draft = JournalDraft(
            series="bilag",
            date=day,
            text=text or "bilag",
            source_kind="voucher",
            source_id=voucher_id,
            postings=tuple(posting_of(x) for x in lines),
        )
        journal = journal_changes(self.store, self.pk, draft, actor)
        entry = next(c.record for c in journal if c.record.entity == "journal_entry").data
        data = {
            **rec.data,
            "status": Status.BOOKED,
            "booking": {
                "voucher_number": entry["voucher_number"],
                "year": entry["year"],
                "number": entry["number"],
                "date": entry["date"],
                "journal_key": entry["entry_sk"],
                "lines": entry["lines"],
            },
        }
        after = self._next(rec, data, actor, f"booked as {entry['voucher_number']}")
        changes = [*journal, Change(rec, after, "voucher.booked")]
        return self.store.write(self.pk, changes, actor)[len(journal)]

    def return_to_client(self, voucher_id: str, version: int, comment: str, actor: Actor) -> Record:
        rec = self._current(voucher_id, version)
        self._require(rec, BOOKABLE, "return")
        _not_in_payment_proposal(rec, "returned")
        return self._save(
            rec,
            {**rec.data, "status": Status.RETURNED, "returned": {"comment": comment, "by": actor.sub}},
            actor,
            "voucher.returned",
            "returned",
            comment,
        )

    # ---- helpers ----------------------------------------------------------------------------
    def _checked_line(self, index: int, line: dict[str, Any]) -> dict[str, Any]:
        where = f"lines.{index}"
        errors: list[FieldError] = []
        account = get_account(line["account"]) or self._own_account(line["account"])
        if account is None:
            errors.append(FieldError(f"{where}.account", "not in the chart of accounts"))
        elif line["account"] == SUPPLIER_LEDGER or line["account"].startswith("27"):
            errors.append(
                FieldError(f"{where}.account", "the supplier ledger and VAT accounts are posted automatically")
            )
        code = line.get("vat_code")
        vat = get_vat_code(code) if code else None
        if code and vat is None:
            errors.append(FieldError(f"{where}.vat_code", "not a VAT code"))
        elif vat is not None and (not vat.is_input or code not in VOUCHER_VAT_CODES):
            errors.append(
                FieldError(
                    f"{where}.vat_code",
                    f"supplier vouchers take the input codes {', '.join(sorted(VOUCHER_VAT_CODES))}",
                )
            )
        for register, name in (("PROJECT", "project"), ("DEPARTMENT", "department")):
            value = line.get(name)
            if value is not None and self.store.get(self.pk, f"{register}#{value}") is None:
                errors.append(FieldError(f"{where}.{name}", f"no {name} {value}"))
        net = money(line["net_amount"])
        if line.get("vat_amount") is not None and not errors:
            given = money(line["vat_amount"])
            if abs(given - computed_vat(net, code)) > VAT_TOLERANCE:
                errors.append(
                    FieldError(f"{where}.vat_amount", f"differs from {computed_vat(net, code)} by more than 1.00")
                )
        if errors:
            raise InvalidInput("the coding is not valid", errors)
        out = {
            "account": line["account"],
            "vat_code": code,
            "net_amount": str(net),
            "vat_amount": str(money(line["vat_amount"]))
            if line.get("vat_amount") is not None
            else str(computed_vat(net, code)),
            "project": line.get("project"),
            "department": line.get("department"),
            "description": line.get("description"),
        }
        return out

    def _own_account(self, number: str) -> object | None:
        return self.store.get(self.pk, keys.account_sk(number))

    def _current(self, voucher_id: str, version: int) -> Record:
        rec = self.get(voucher_id)
        if rec.version != version:
            raise StaleVersion(
                f"the voucher is at version {rec.version}, you sent {version}; reload and try again",
                extra={"current_version": rec.version},
            )
        return rec

    @staticmethod
    def _require(rec: Record, allowed: frozenset[Status], verb: str) -> None:
        if rec.data["status"] not in allowed:
            raise RuleViolation(
                f"a voucher in status {rec.data['status']} cannot {verb}; allowed from "
                f"{', '.join(sorted(str(s) for s in allowed))}",
                extra={"current_status": rec.data["status"]},
            )

    def _next(self, rec: Record, data: dict[str, Any], actor: Actor, what: str, comment: str | None = None) -> Record:
        entry = {"at": clock.iso(clock.now()), "by": actor.email or actor.sub, "what": what}
        if comment:
            entry["comment"] = comment
        data = {**data, "history": [*(rec.data.get("history") or []), entry][-50:]}
        if data.get("extracted"):
            from klientportal.vouchers.current_checks import recheck  # the checks: for changes, not reads

            data["checks"] = recheck(data)
        return Record(
            rec.pk,
            rec.sk,
            rec.entity,
            data,
            version=rec.version,
            created_at=rec.created_at,
            gsi1pk=keys.voucher_queue_gsi(self.client_id, data["status"]),
            gsi1sk=rec.gsi1sk,
        )

    def _save(
        self, rec: Record, data: dict[str, Any], actor: Actor, action: str, what: str, comment: str | None = None
    ) -> Record:
        return self.store.write(self.pk, [Change(rec, self._next(rec, data, actor, what, comment), action)], actor)[0]


def preview_of(rec: Record) -> dict[str, Any]:
    """Where the voucher's preview is: {bucket, key, content_type, kind} (the original when none was made)."""
    found: dict[str, Any] | None = rec.data.get("preview")
    if found:
        return found
    original = rec.data["original"]
    return {
        "bucket": original["bucket"],
        "key": original["key"],
        "content_type": original["content_type"],
        "kind": "original",
    }


def _not_in_payment_proposal(rec: Record, verb: str) -> None:
    batch = (rec.data.get("payment_batch") or {}).get("batch_id")
    if batch:
        raise RuleViolation(
            f"the voucher is in payment batch {batch}; it is paid or freed by the batch, not {verb} by hand",
            extra={"payment_batch": batch},
        )
    proposal = (rec.data.get("payment_proposal") or {}).get("proposal_id")
    if proposal:
        raise RuleViolation(
            f"the voucher is in payment proposal {proposal}; remove it from the proposal before it is {verb}",
            extra={"payment_proposal": proposal},
        )
