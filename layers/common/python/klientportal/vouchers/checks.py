"""Checks on extracted voucher data: check digits, sums and dates.

`run_checks` returns one result per check that applies; a check whose inputs were not extracted
is not run (the missing field is itself visible in the voucher, confidence 0). Sums are exact for
EHF and allow a small tolerance for PDF text and OCR (whole-krone rounding, OCR misreads).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from decimal import Decimal

from klientportal.vouchers.models import ExtractedVoucher, VoucherSource

EXACT_TOLERANCE = Decimal("0")
EXTRACTED_TOLERANCE = Decimal("1.00")


@dataclass(frozen=True)
class CheckResult:
    code: str
    ok: bool
    message: str

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def kid_is_valid(kid: str) -> bool:
    """A KID whose last character is a valid MOD10 or MOD11 control (rules in `formats.kid`)."""
    from klientportal.formats.kid import validate_kid

    return validate_kid(kid)


def bank_account_is_valid(account: str) -> bool:
    """A Norwegian 11-digit account number (MOD11) or any IBAN with a valid checksum."""
    from stdnum import iban
    from stdnum.no import kontonr

    compact = account.replace(" ", "").replace(".", "")
    if compact[:2].isalpha():
        return iban.is_valid(compact)
    return len(compact) == 11 and kontonr.is_valid(compact)


def run_checks(voucher: ExtractedVoucher, *, tolerance: Decimal | None = None) -> list[CheckResult]:
    """All checks that apply to the voucher's extracted data, in a stable order."""
    if tolerance is None:
        tolerance = EXACT_TOLERANCE if voucher.source is VoucherSource.EHF else EXTRACTED_TOLERANCE
    results = _identifier_checks(voucher)
    results.extend(_sum_checks(voucher, tolerance))
    issue, due = voucher.issue_date.value, voucher.due_date.value
    if issue is not None and due is not None:
        results.append(
            CheckResult(
                "due-date",
                due >= issue,
                f"due date {due} is {'not ' if due < issue else ''}on or after issue date {issue}",
            )
        )
    return results


def _identifier_checks(voucher: ExtractedVoucher) -> list[CheckResult]:
    from stdnum.no import orgnr

    results = []
    for code, value in (("supplier-orgnr", voucher.supplier_orgnr.value), ("buyer-orgnr", voucher.buyer_orgnr.value)):
        if value is not None:
            ok = orgnr.is_valid(value)
            results.append(
                CheckResult(code, ok, f"organisation number {value} {'has a valid' if ok else 'fails the'} MOD11 check")
            )
    account = voucher.bank_account.value
    if account is not None:
        ok = bank_account_is_valid(account)
        results.append(
            CheckResult("bank-account", ok, f"bank account {'passes' if ok else 'fails'} the MOD11/IBAN check")
        )
    kid = voucher.kid.value
    if kid is not None:
        ok = kid_is_valid(kid)
        results.append(CheckResult("kid", ok, f"KID {'has a valid' if ok else 'fails the'} MOD10/MOD11 check digit"))
    return results


def _sum_checks(voucher: ExtractedVoucher, tolerance: Decimal) -> list[CheckResult]:
    totals = voucher.totals
    zero = Decimal(0)
    line_ext, tax_excl = totals.line_extension.value, totals.tax_exclusive.value
    tax, tax_incl, payable = totals.tax.value, totals.tax_inclusive.value, totals.payable.value
    allowance, charge = totals.allowance_total.value or zero, totals.charge_total.value or zero
    results = []

    def compare(code: str, label: str, computed: Decimal, stated: Decimal) -> None:
        ok = abs(computed - stated) <= tolerance
        results.append(CheckResult(code, ok, f"{label}: computed {computed}, stated {stated}"))

    net_amounts = [line.net_amount.value for line in voucher.lines]
    known = [amount for amount in net_amounts if amount is not None]
    lines_target = line_ext if line_ext is not None else (tax_excl if not (allowance or charge) else None)
    if net_amounts and len(known) == len(net_amounts) and lines_target is not None:
        compare("lines-sum", "sum of line amounts", sum(known, zero), lines_target)
    if line_ext is not None and tax_excl is not None:
        compare("tax-exclusive", "lines - allowances + charges", line_ext - allowance + charge, tax_excl)
    if voucher.vat_breakdown and tax is not None:
        compare("vat-sum", "sum of VAT per rate", sum((vat.tax_amount for vat in voucher.vat_breakdown), zero), tax)
    if tax_excl is not None and tax is not None and tax_incl is not None:
        compare("tax-inclusive", "amount without VAT + VAT", tax_excl + tax, tax_incl)
    if tax_incl is not None and payable is not None:
        prepaid, rounding = totals.prepaid.value or zero, totals.rounding.value or zero
        compare("payable", "total with VAT - prepaid + rounding", tax_incl - prepaid + rounding, payable)
    return results
