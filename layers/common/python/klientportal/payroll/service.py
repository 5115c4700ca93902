"""Payroll use cases: settings, tax cards, runs (compute → approve with step-up → journal),
the a-melding and its submission. Every write is in the client's partition and audited.

A run is computed from the employee register, the stored tax cards and the run's input; nothing is
written unless every employee can be paid (problem+json naming each employee and field). Payslips
are items of their own (a run of 1,000 employees does not fit one item), written before the run
record that makes them visible; a run for an approved period is refused.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from klientportal import clock
from klientportal.crypto.personal_data import decrypt_national_ids
from klientportal.errors import (
    FieldError,
    InvalidInput,
    NotFound,
    RuleViolation,
)
from klientportal.payments.ports import ApprovalWorkflow
from klientportal.payroll.approval_workflow import RunWorkflow, task_id
from klientportal.payroll.models import PayrollSettingsIn, RunIn, TaxCardFetchIn
from klientportal.repository import keys
from klientportal.repository.records import Record
from klientportal.repository.store import Actor, Change, Store
from klientportal.tenancy.models import Client

if TYPE_CHECKING:
    from collections.abc import Callable

    from klientportal.adapters.amelding_submission import AMeldingSubmission
    from klientportal.adapters.skattekort import OrderKind, TaxCardService
    from klientportal.ledger.journal import JournalDraft
    from klientportal.payroll import calculation as calc


OSLO = ZoneInfo("Europe/Oslo")
_PAYSLIPS_PER_WRITE = 10  # + one audit event each; small transactions keep within the 10 s read timeout on moto
ZERO = Decimal("0.00")
_PAGE = 1000  # items a Query asks for (DynamoDB ends a page at 1 MB anyway): fewer Queries for 1,000 employees
_NOT_IN_RUN_VIEW = frozenset({"national_id_ciphertext", "run_id", "pdf_key", "client_id", "period", "pay_date"})


def _month_bounds(period: str) -> tuple[date, date]:
    year, month = int(period[:4]), int(period[5:])
    first = date(year, month, 1)
    following = date(year + (month == 12), month % 12 + 1, 1)
    return first, date.fromordinal(following.toordinal() - 1)


class PayrollService:
    def __init__(
        self,
        store: Store,
        client: Client,
        adapters: Callable[[], tuple[TaxCardService, AMeldingSubmission]],
        payment_workflow: ApprovalWorkflow | None = None,
        run_workflow: RunWorkflow | None = None,
    ) -> None:
        """`adapters` gives (tax cards, a-melding submission) when a route first talks to Skatteetaten
        or Altinn: the other routes (hours, runs, payslips) neither import nor build them."""
        self.payment_workflow = payment_workflow
        self.run_workflow = run_workflow
        self.store = store
        self.client = client
        self.pk = keys.client_pk(client.client_id)
        self._adapters = adapters

    @property
    def tax_card_service(self) -> TaxCardService:
        return self._adapters()[0]

    @property
    def submission(self) -> AMeldingSubmission:
        return self._adapters()[1]

    # settings -------------------------------------------------------------------------------
    def settings(self) -> dict[str, Any] | None:
        rec = self.store.get(self.pk, keys.PAYROLL_SETTINGS_SK)
        return rec.data if rec else None

    def put_settings(self, body: PayrollSettingsIn, actor: Actor) -> dict[str, Any]:
        data = body.model_dump(mode="json")
        current = self.store.get(self.pk, keys.PAYROLL_SETTINGS_SK)
        listed = {"gsi1pk": keys.PAYROLL_CLIENTS_GSI, "gsi1sk": self.client.client_id}  # the reminders' index
        if current is None:
            self.store.create(
                Record(
                    self.pk,
                    keys.PAYROLL_SETTINGS_SK,
                    "payroll_settings",
                    data,
                    gsi1pk=keys.PAYROLL_CLIENTS_GSI,
                    gsi1sk=self.client.client_id,
                ),
                actor,
                "payroll.settings_set",
            )
        else:
            self.store.replace(current, data, actor, "payroll.settings_set", **listed)
        return data

    def _required_settings(self) -> dict[str, Any]:
        found = self.settings()
        if found is None:
            raise RuleViolation("set the payroll settings (business orgnr and zone) first")
        return found

    # employees and tax cards ------------------------------------------------------------------
    def _employees(self) -> list[Record]:
        return self.store.query_all(self.pk, keys.register_prefix("employee"), page_size=_PAGE)

    def fetch_tax_cards(self, body: TaxCardFetchIn, actor: Actor) -> dict[str, Any]:
        from klientportal.payroll.tax_cards import Employed, TaxCardRefused, accept, has_left, order_for

        today = clock.today_oslo()
        ended = [
            (r, date.fromisoformat(r.data["employment_end"]) if r.data.get("employment_end") else None)
            for r in self._employees()
        ]
        staying = [(r, end) for r, end in ended if not has_left(Employed(0, "", end), today)]  # leavers stay encrypted
        ids = decrypt_national_ids(self.client.client_id, [r.data["national_id_ciphertext"] for r, _ in staying])
        staff = [Employed(int(r.data["employee_number"]), nid, end) for (r, end), nid in zip(staying, ids, strict=True)]
        kind: OrderKind = "HENT_KUN_ENDRING" if body.changes_only else "HENT_ALLE_OPPGITTE"
        order, current = order_for(self.client.orgnr, body.income_year, staff, today, kind)
        staff_count = len(ended)
        if not order.national_ids:
            return {"ordered": 0, "received": 0, "left_out": staff_count, "cards": []}
        try:
            cards = accept(order, self.tax_card_service.order(order))
        except TaxCardRefused as exc:
            raise InvalidInput(
                f"Skatteetaten's answer was not used: {exc.reason}",
                [FieldError("tax_card", exc.reason)],
                extra={"national_id_masked": exc.national_id_masked},
            ) from exc
        number_of = {e.national_id: e.employee_number for e in current}
        sks = [keys.tax_card_sk(body.income_year, number_of[c.national_id]) for c in cards]
        existing = self.store.get_many((self.pk, sk) for sk in sks)
        changes = []
        for card, sk in zip(cards, sks, strict=True):
            data = {
                **{k: v for k, v in card.to_json().items() if k != "national_id"},
                "employee_number": number_of[card.national_id],
                "fetched_at": clock.iso(clock.now()),
            }
            before = existing[(self.pk, sk)]
            after = Record(self.pk, sk, "tax_card", data) if before is None else replace(before, data=data)
            changes.append(Change(before, after, "payroll.tax_card_received"))
        for start in range(0, len(changes), _PAYSLIPS_PER_WRITE):
            self.store.write(self.pk, changes[start : start + _PAYSLIPS_PER_WRITE], actor)
        return {
            "ordered": len(order.national_ids),
            "received": len(cards),
            "left_out": staff_count - len(current),
            "cards": [
                {"employee_number": number_of[c.national_id], "result": c.result, "kind": c.kind, "table": c.table}
                for c in cards
            ],
        }

    def tax_cards(self, year: int) -> list[dict[str, Any]]:
        return [r.data for r in self.store.query_all(self.pk, f"{keys.TAX_CARD_PREFIX}{year}#")]

    # runs -------------------------------------------------------------------------------------
    def create_run(self, body: RunIn, actor: Actor) -> dict[str, Any]:
        from klientportal.adapters.skattekort import TaxCard
        from klientportal.payroll import calculation as calc
        from klientportal.payroll.timesheets import Timesheets

        settings = self._required_settings()
        first, last = _month_bounds(body.period)
        period_rec = self.store.get(self.pk, keys.payroll_period_sk(body.period))
        if period_rec is not None and period_rec.data["status"] == "approved":
            raise RuleViolation(
                f"the payroll for {body.period} is approved (run {period_rec.data['run_id']}); "
                "a correction is a new run for a later period",
                [FieldError("period", "already approved")],
            )
        old = self.store.get(self.pk, keys.payroll_run_sk(period_rec.data["run_id"])) if period_rec else None
        if old is not None and old.data.get("decision"):
            raise RuleViolation(
                f"run {old.data['run_id']} for {body.period} has a decision ({old.data['decision']['decision']}) "
                "that its workflow is carrying out; it is not replaced",
                [FieldError("period", "approval being booked")],
            )
        records = [
            r
            for r in self._employees()
            if r.data.get("salary_form")
            and date.fromisoformat(r.data["employment_start"]) <= last
            and not (r.data.get("employment_end") and date.fromisoformat(r.data["employment_end"]) < first)
        ]
        by_number = {int(r.data["employee_number"]): r for r in records}
        problems = [
            FieldError(f"employees.{n}", "no employee with payroll data is employed in the period")
            for n in body.employees
            if n not in by_number
        ]
        year = first.year
        cards = self.store.get_many((self.pk, keys.tax_card_sk(year, n)) for n in by_number)
        ytd_rec = self.store.get(self.pk, keys.payroll_ytd_sk(year))
        ytd: dict[str, Any] = ytd_rec.data if ytd_rec else {"employees": {}, "zone_ia_advantage_used": "0"}
        pays: list[calc.EmployeePay] = []
        employed = {
            n: (
                date.fromisoformat(r.data["employment_start"]),
                date.fromisoformat(r.data["employment_end"]) if r.data.get("employment_end") else None,
            )
            for n, r in by_number.items()
        }
        outside: dict[int, list[date]] = {}
        approved = Timesheets(self.store, self.client.client_id).approved_hours(first, last, employed, outside)
        for n, days in sorted(outside.items()):
            listed = ", ".join(map(str, sorted(set(days))))
            problems.append(FieldError(f"employees.{n}.hours", f"approved hours on {listed}, not employed"))
        from_sheets: list[int] = []
        for number, rec in sorted(by_number.items()):
            d = rec.data
            card_rec = cards[(self.pk, keys.tax_card_sk(year, number))]
            for field_name, message in (
                ("bank_account", "no pay account"),
                ("occupation_code", "no occupation code (yrkeskode) for the a-melding"),
                ("pension_percentage", "no OTP percentage"),
            ):
                if not d.get(field_name):
                    problems.append(FieldError(f"employees.{number}.{field_name}", message))
            if card_rec is None:
                problems.append(FieldError(f"employees.{number}.tax_card", f"no tax card fetched for {year}"))
                continue
            given = body.employees.get(number)
            hours = given.hours if given else ZERO
            overtime = given.overtime_hours if given else ZERO
            if d["salary_form"] == "hourly" and number in approved:  # approved weeks win over the body (0922)
                hours, overtime = approved[number]
                from_sheets.append(number)
            if d["salary_form"] == "hourly" and not hours:
                problems.append(FieldError(f"employees.{number}.hours", "an hourly employee needs the period's hours"))
            person = ytd["employees"].get(str(number), {})
            pays.append(
                calc.EmployeePay(
                    employee_number=number,
                    national_id="",
                    birth_date=date.fromisoformat(d["birth_date"]),
                    salary_form=d["salary_form"],
                    tax_card=TaxCard.from_json({**card_rec.data, "national_id": ""}),
                    monthly_salary=Decimal(d["monthly_salary"]) if d.get("monthly_salary") else None,
                    hourly_rate=Decimal(d["hourly_rate"]) if d.get("hourly_rate") else None,
                    hours=hours,
                    overtime_hours=overtime,
                    pension_percent=Decimal(d.get("pension_percentage") or "2"),
                    fifth_holiday_week=bool(d.get("fifth_holiday_week")),
                    lines=tuple(calc.PayLine(x.salary_type, x.amount, None, x.text) for x in given.lines)
                    if given
                    else (),
                    paid_this_year=Decimal(person.get("gross", "0")),
                    holiday_basis_this_year=Decimal(person.get("holiday_basis", "0")),
                    employment_start=date.fromisoformat(d["employment_start"]),
                    employment_end=date.fromisoformat(d["employment_end"]) if d.get("employment_end") else None,
                    deductions=tuple(calc.Deduction(**x.model_dump()) for x in given.deductions) if given else (),
                )
            )
        if not by_number:
            problems.append(FieldError("employees", "no employee with payroll data is employed in the period"))
        if problems:
            raise InvalidInput(f"the payroll for {body.period} cannot be computed", problems)
        try:
            result = calc.compute_run(
                tuple(pays),
                first,
                settings["zone"],
                zone_ia_advantage_used_before=Decimal(ytd["zone_ia_advantage_used"]),
                holiday_month=body.holiday_pay_month,
            )
        except calc.PayrollInputError as exc:
            raise InvalidInput(
                str(exc), [FieldError(f"employees.{exc.employee_number}.{exc.field}", exc.message)]
            ) from exc
        run_id = f"pr-{body.period}-{uuid.uuid4().hex[:8]}"
        slips = [self._payslip_record(run_id, by_number[p.employee_number], p) for p in result.payslips]
        for start in range(0, len(slips), _PAYSLIPS_PER_WRITE):
            chunk = slips[start : start + _PAYSLIPS_PER_WRITE]
            self.store.write(self.pk, [Change(None, s, "payroll.payslip_computed") for s in chunk], actor)
        run = Record(
            self.pk,
            keys.payroll_run_sk(run_id),
            "payroll_run",
            {
                **self._run_data(run_id, body, settings, result),
                "hours_from_timesheets": from_sheets,
                "approval": {
                    "task_id": task_id(run_id),
                    "execution": self.run_workflow.execution_arn(run_id) if self.run_workflow else None,
                },
            },
        )
        changes = [Change(None, run, "payroll.run_computed")]
        period_data = {"period": body.period, "run_id": run_id, "status": "awaiting_approval"}
        if period_rec is None:
            changes.append(
                Change(
                    None,
                    Record(self.pk, keys.payroll_period_sk(body.period), "payroll_period", period_data),
                    "payroll.period_opened",
                )
            )
        else:
            changes.append(Change(period_rec, replace(period_rec, data=period_data), "payroll.period_rerun"))
            if old is not None:
                superseded = {**old.data, "status": "superseded", "superseded_by": run_id}
                changes.append(Change(old, replace(old, data=superseded), "payroll.run_superseded"))
        self.store.write(self.pk, changes, actor)
        if self.run_workflow is not None:  # the approval workflow owns the run from here (0930)
            if old is not None:
                self.run_workflow.cancel(old.data["run_id"], f"replaced by run {run_id}")
            self.run_workflow.start(run_id)
        return self.get_run(run_id)

    @staticmethod
    def _payslip_record(run_id: str, employee: Record, p: calc.Payslip) -> Record:
        from klientportal.payroll import deduction_records

        d = employee.data
        data = {
            "run_id": run_id,
            "employee_number": p.employee_number,
            "name": f"{d['first_name']} {d['last_name']}",
            "national_id_ciphertext": d["national_id_ciphertext"],
            "national_id_masked": d["national_id_masked"],
            "bank_account": d.get("bank_account"),
            "employment": {
                "start": d["employment_start"],
                "end": d.get("employment_end"),
                "end_reason": d.get("end_reason"),
                "position_percentage": d.get("position_percentage", "100"),
                "occupation_code": d.get("occupation_code"),
                "salary_form": d["salary_form"],
            },
            "incomes": [
                {
                    "salary_type": i.salary_type,
                    "description": i.description,
                    "amount": str(i.amount),
                    "quantity": str(i.quantity) if i.quantity is not None else None,
                    "in_withholding_basis": i.in_withholding_basis,
                    "account": i.account,
                }
                for i in p.incomes
            ],
            "gross": str(p.gross),
            "table_basis": p.table_basis,
            "withholding": p.withholding,
            "withholding_rule": p.withholding_rule,
            "net": str(p.net),
            "holiday_pay_basis": str(p.holiday_pay_basis),
            "holiday_pay_accrued": str(p.holiday_pay_accrued),
            "holiday_pay_paid": str(p.holiday_pay_paid),
            "pension_premium": str(p.pension_premium),
            **deduction_records.payslip_fields(p),
        }
        return Record(employee.pk, keys.payslip_sk(run_id, p.employee_number), "payslip", data)

    @staticmethod
    def _run_data(run_id: str, body: RunIn, settings: dict[str, Any], r: calc.RunResult) -> dict[str, Any]:
        from klientportal.payroll import deduction_records

        def total(values: list[Decimal]) -> str:
            return str(sum(values, ZERO))

        slips = r.payslips
        return {
            "run_id": run_id,
            "period": body.period,
            "pay_date": body.pay_date.isoformat(),
            "status": "awaiting_approval",
            "zone": settings["zone"],
            "business_orgnr": settings["business_orgnr"],
            "employees": len(slips),
            "totals": {
                "gross": total([p.gross for p in slips]),
                "salary_expense": total([p.gross - p.holiday_pay_paid for p in slips]),
                "holiday_pay_paid": total([p.holiday_pay_paid for p in slips]),
                "withholding": r.withholding,
                "net": total([p.net for p in slips]),
                "holiday_pay_accrued": total([p.holiday_pay_accrued for p in slips]),
                "pension_premium": total([p.pension_premium for p in slips]),
                "contribution": r.contribution,
                "contribution_on_holiday_accrual": str(r.contribution_on_holiday_accrual),
                "contribution_on_holiday_pay_paid": str(r.contribution_on_holiday_pay_paid),
                "zone_ia_advantage_used": str(r.zone_ia_advantage_used),
                "deductions": deduction_records.totals(slips),
            },
            "contribution_lines": [
                {
                    "kind": c.kind,
                    "zone": c.zone,
                    "percent": str(c.percent),
                    "base": str(c.base),
                    "amount": str(c.amount),
                }
                for c in r.contribution_lines
            ],
            "submissions": [],
        }

    def _run(self, run_id: str) -> Record:
        try:
            sk = keys.payroll_run_sk(run_id)
        except ValueError:
            raise NotFound(f"no payroll run {run_id}") from None
        rec = self.store.get(self.pk, sk)
        if rec is None:
            raise NotFound(f"no payroll run {run_id}")
        return rec

    def payslips(self, run_id: str) -> list[Record]:
        return self.store.query_all(self.pk, f"{keys.PAYSLIP_PREFIX}{run_id}#", page_size=_PAGE)

    def get_run(self, run_id: str) -> dict[str, Any]:
        run = self._run(run_id)
        slips = [{k: v for k, v in s.data.items() if k not in _NOT_IN_RUN_VIEW} for s in self.payslips(run_id)]
        return {**run.data, "version": run.version, "payslips": slips}

    # the a-melding --------------------------------------------------------------------------
    def a_melding_xml(
        self, run_id: str, replaces: str | None = None, message_id: str | None = None, delivered_at: str | None = None
    ) -> bytes:
        from klientportal.formats.amelding import write_amelding
        from klientportal.payroll.amelding_build import build_amelding

        run = self._run(run_id)
        slips = self.payslips(run_id)
        plain = decrypt_national_ids(self.client.client_id, [s.data["national_id_ciphertext"] for s in slips])
        ids = {s.data["employee_number"]: nid for s, nid in zip(slips, plain, strict=True)}
        submissions = run.data.get("submissions", [])
        mid = message_id or f"{run_id}-{len(submissions) + 1}"
        at = datetime.fromisoformat(delivered_at) if delivered_at else None
        melding = build_amelding(run.data, [s.data for s in slips], ids, self.client.orgnr, mid, replaces, at)
        return write_amelding(melding)

    def submit_a_melding(self, run_id: str, actor: Actor) -> dict[str, Any]:
        """Send the run's a-melding at most once per message id.

        The message (id, replaced id, delivery time, idempotency key) is recorded as ``sending``
        before it is sent; a crash between sending and recording the answer leaves that entry, and
        the retry sends the same bytes with the same key, which the service answers as the first
        time instead of taking a second message for the month.
        """
        from klientportal.adapters.amelding_submission import new_idempotency_key

        run = self._run(run_id)
        if run.data["status"] != "approved":
            raise RuleViolation("only an approved run is reported", [FieldError("status", run.data["status"])])
        submissions = list(run.data.get("submissions", []))
        if submissions and submissions[-1]["status"] == "submitted":
            raise RuleViolation("the last submission has no answer yet; read its status first")
        if submissions and submissions[-1]["status"] == "sending":
            entry: dict[str, Any] = dict(submissions[-1])
        else:
            replaces = next((s["message_id"] for s in reversed(submissions) if s["status"] == "accepted"), None)
            entry = {
                "message_id": f"{run_id}-{len(submissions) + 1}",
                "replaces": replaces,
                "submission_id": None,
                "idempotency_key": new_idempotency_key(),
                "status": "sending",
                "feedback": [],
                "submitted_at": clock.iso(clock.now().astimezone(OSLO)),
            }
            submissions.append(entry)
            run = self.store.write(
                self.pk,
                [Change(run, replace(run, data={**run.data, "submissions": submissions}), "a_melding.sending")],
                actor,
            )[0]
        xml = self.a_melding_xml(run_id, entry["replaces"], entry["message_id"], entry["submitted_at"])
        answer = self.submission.submit(xml, entry["idempotency_key"])
        entry = {  # a new dict: the one in the stored run is the audit event's before image
            **entry,
            "submission_id": answer.submission_id,
            "status": answer.status,
            "feedback": [f.to_json() for f in answer.feedback],
        }
        submissions = [*run.data["submissions"][:-1], entry]
        self.store.write(
            self.pk,
            [Change(run, replace(run, data={**run.data, "submissions": submissions}), "a_melding.submitted")],
            actor,
        )
        return entry

    def refresh_a_melding(self, run_id: str, actor: Actor) -> dict[str, Any]:
        from klientportal.adapters.amelding_submission import new_idempotency_key

        run = self._run(run_id)
        submissions = list(run.data.get("submissions", []))
        if not submissions:
            raise RuleViolation("nothing was submitted for this run")
        last: dict[str, Any] = dict(submissions[-1])
        if last["status"] != "submitted":
            return last
        answer = self.submission.status(last["submission_id"], new_idempotency_key())
        last.update(
            status=answer.status, feedback=[f.to_json() for f in answer.feedback], answered_at=clock.iso(clock.now())
        )
        submissions[-1] = last
        self.store.write(
            self.pk,
            [Change(run, replace(run, data={**run.data, "submissions": submissions}), f"a_melding.{answer.status}")],
            actor,
        )
        return last


def journal_draft(run: dict[str, Any]) -> JournalDraft:
    """The run's entry in series "lonn": salary, withholding, contribution, accruals, OTP (aggregated)."""
    from klientportal.ledger.journal import JournalDraft, Posting
    from klientportal.payroll import deduction_records

    t = run["totals"]
    d = Decimal
    contribution = d(t["contribution"])
    on_paid_holiday = d(t["contribution_on_holiday_pay_paid"])
    lines = [
        ("5000", d(t["salary_expense"]), "Lønn"),
        ("2940", d(t["holiday_pay_paid"]), "Feriepenger utbetalt"),
        ("2930", -d(t["net"]), "Netto lønn til utbetaling"),
        ("2600", -d(t["withholding"]), "Forskuddstrekk"),
        ("5400", contribution - on_paid_holiday, "Arbeidsgiveravgift"),
        ("2785", on_paid_holiday, "Arbeidsgiveravgift av utbetalte feriepenger"),
        ("2770", -contribution, "Arbeidsgiveravgift til betaling"),
        ("5020", d(t["holiday_pay_accrued"]), "Avsatte feriepenger"),
        ("2940", -d(t["holiday_pay_accrued"]), "Avsatte feriepenger"),
        ("5405", d(t["contribution_on_holiday_accrual"]), "Arbeidsgiveravgift av avsatte feriepenger"),
        ("2785", -d(t["contribution_on_holiday_accrual"]), "Arbeidsgiveravgift av avsatte feriepenger"),
        ("5950", d(t["pension_premium"]), "OTP"),
        ("2960", -d(t["pension_premium"]), "OTP-premie påløpt"),
        *deduction_records.journal_lines(t.get("deductions", {})),
    ]
    postings = tuple(Posting(a, amount.quantize(d("0.01")), text) for a, amount, text in lines if amount)
    return JournalDraft(
        "lonn", date.fromisoformat(run["pay_date"]), f"Lønn {run['period']}", "payroll_run", run["run_id"], postings
    )
