"""What the payroll routes answer (closed models, decision 0012). Money as strings of kroner."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)


class PayrollSettingsOut(_Out):
    business_orgnr: str | None = None
    zone: str | None = None
    tax_account: str | None = None
    withholding_kid: str | None = None
    contribution_kid: str | None = None


class TaxCardFetchLine(_Out):
    employee_number: int
    result: str
    kind: str | None
    table: str | None


class TaxCardFetchOut(_Out):
    ordered: int
    received: int
    left_out: int
    cards: list[TaxCardFetchLine]


class TaxCardOut(_Out):
    employee_number: int
    employer_orgnr: str
    income_year: int
    result: str
    card_id: str | None
    issued: str | None
    kind: str | None
    table: str | None
    percent: str | None
    months: str | None
    frikort_amount: str | None
    fetched_at: str


class TaxCardList(_Out):
    items: list[TaxCardOut]


class PayslipIncomeOut(_Out):
    salary_type: str
    description: str
    amount: str
    quantity: str | None
    in_withholding_basis: bool
    account: str


class PayslipEmploymentOut(_Out):
    start: str
    end: str | None
    end_reason: str | None
    position_percentage: str
    occupation_code: str | None
    salary_form: str


class PayslipDeductionOut(_Out):
    """A deduction that is neither income nor tax (decision 0941)."""

    kind: str
    label: str
    amount: str
    account: str
    reported_as: Literal["fradrag", "utleggstrekk"] | None
    description: str | None
    payee_account: str | None
    kid: str | None
    reference: str | None


class PayslipProrationOut(_Out):
    """A fixed salary for part of the month, by working days (decision 0940)."""

    method: Literal["working_days"]
    employed_from: str
    employed_to: str
    employed_working_days: int
    working_days: int


class PayslipOut(_Out):
    employee_number: int
    name: str
    national_id_masked: str
    bank_account: str | None
    employment: PayslipEmploymentOut
    incomes: list[PayslipIncomeOut]
    gross: str
    table_basis: int
    withholding: int
    withholding_rule: str
    net: str
    holiday_pay_basis: str
    holiday_pay_accrued: str
    holiday_pay_paid: str
    pension_premium: str
    deductions: list[PayslipDeductionOut] = []
    deductions_total: str = "0.00"
    withholding_relief: str = "0.00"
    proration: PayslipProrationOut | None = None
    payslip_id: str | None = None
    issued_at: str | None = None


class IssuedPayslipOut(PayslipOut):
    """An issued payslip as its employee and the client's admins see it; `pdf_url` lives 5 minutes."""

    payslip_id: str
    issued_at: str
    client_id: str
    run_id: str
    period: str
    pay_date: str
    pdf_url: str | None = None


class IssuedPayslipList(_Out):
    items: list[IssuedPayslipOut]


class PayrollTotalsOut(_Out):
    gross: str
    salary_expense: str
    holiday_pay_paid: str
    withholding: int
    net: str
    holiday_pay_accrued: str
    pension_premium: str
    contribution: int
    contribution_on_holiday_accrual: str
    contribution_on_holiday_pay_paid: str
    zone_ia_advantage_used: str
    deductions: dict[str, str] = {}


class PayrollContributionLineOut(_Out):
    kind: Literal["salary", "pension"]
    zone: str
    percent: str
    base: str
    amount: str


class AMeldingFindingOut(_Out):
    code: str
    severity: str
    message: str
    where: str | None


class AMeldingSubmissionOut(_Out):
    message_id: str
    replaces: str | None
    submission_id: str | None
    idempotency_key: str
    status: Literal["sending", "submitted", "accepted", "rejected"]
    feedback: list[AMeldingFindingOut]
    submitted_at: str
    answered_at: str | None = None


class ActorOut(_Out):
    sub: str
    email: str | None
    kind: str


class RunDecisionOut(_Out):
    decision: Literal["approve", "reject"]
    by: str
    by_email: str | None
    at: str
    auth_level: str | None
    auth_time: int | None
    comment: str | None


class RunReturnedOut(_Out):
    reason: str
    at: str
    decision: RunDecisionOut | None


class RunApprovalRefOut(_Out):
    task_id: str
    execution: str | None


class WorkflowEventOut(_Out):
    id: int
    type: str
    at: str
    state: str | None


class WorkflowExecutionOut(_Out):
    arn: str
    status: str
    started_at: str
    stopped_at: str | None


class RunWorkflowOut(_Out):
    """The approval task (never its token) and the execution with its history, as attestation shows them."""

    task_id: str
    task_status: str | None
    execution: WorkflowExecutionOut | None
    history: list[WorkflowEventOut]


class PayrollRunOut(_Out):
    run_id: str
    period: str
    pay_date: str
    status: Literal["awaiting_approval", "approved", "draft", "superseded"]
    zone: str
    business_orgnr: str
    employees: int
    totals: PayrollTotalsOut
    contribution_lines: list[PayrollContributionLineOut]
    submissions: list[AMeldingSubmissionOut]
    version: int
    payslips: list[PayslipOut]
    superseded_by: str | None = None
    payment_batch_id: str | None = None
    hours_from_timesheets: list[int] = []
    approved_by: ActorOut | None = None
    approved_at: str | None = None
    decision: RunDecisionOut | None = None
    returned: RunReturnedOut | None = None
    approval: RunApprovalRefOut | None = None
    workflow: RunWorkflowOut | None = None


class HourEntryOut(_Out):
    entry_id: str
    date: str
    hours: str
    overtime: bool
    project: str | None
    activity: str | None
    customer_number: int | None
    billable: bool
    comment: str | None


class WeekStepOut(_Out):
    at: str
    by: str


class WeekOut(_Out):
    employee_number: int
    week: str
    status: Literal["open", "submitted", "approved"]
    entries: list[HourEntryOut]
    version: int
    submitted: WeekStepOut | None = None
    approved: WeekStepOut | None = None


class HoursInvoiceLineOut(_Out):
    description: str
    quantity: str


class HoursInvoiceOut(_Out):
    invoice_id: str
    customer_number: int
    hour_entries: int
    hours: str
    lines: list[HoursInvoiceLineOut]
