"""The checks of a voucher as it stands now: what was read, with the details as edited since. Run at
intake and again on every change of the voucher (workflow `_next`), so a corrected KID, account or
total is checked at once and a stale result is never shown (0268).

A detail overrides what was read only when it differs from the value the intake derived from the
document (`details_from`), so an unedited voucher gets exactly the intake's checks. Checks that need
more than the voucher (the buyer against the client's orgnr) are computed at intake and kept.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from klientportal.vouchers.checks import CheckResult, run_checks
from klientportal.vouchers.models import Extracted, ExtractedVoucher

BUYER_CHECK = "buyer-is-this-company"
LINES_TRUNCATED = "lines-truncated"
EDITED = 1.0  # a value a person typed is taken as stated
_TEXT = {"invoice_number": "invoice_number", "kid": "kid", "bank_account": "bank_account", "currency": "currency"}
_DATES = {"issue_date": "issue_date", "due_date": "due_date"}
_TOTALS = {"net_total": "tax_exclusive", "vat_total": "tax", "total": "tax_inclusive", "payable": "payable"}


def _money(value: Any) -> str | None:
    return None if value is None else f"{value:.2f}"


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def derived_details(ex: ExtractedVoucher) -> dict[str, Any]:
    """The detail values the intake derives from what was read (the editable fields' starting point)."""
    t = ex.totals
    return {
        "invoice_number": ex.invoice_number.value,
        "issue_date": _iso(ex.issue_date.value),
        "due_date": _iso(ex.due_date.value),
        "currency": ex.currency.value or "NOK",
        "kid": ex.kid.value,
        "bank_account": ex.bank_account.value,
        "net_total": _money(t.tax_exclusive.value),
        "vat_total": _money(t.tax.value),
        "total": _money(t.tax_inclusive.value if t.tax_inclusive.found else t.payable.value),
        "payable": _money(t.payable.value if t.payable.found else t.tax_inclusive.value),
    }


def as_edited(ex: ExtractedVoucher, details: dict[str, Any]) -> ExtractedVoucher:
    """`ex` with every detail that was edited (differs from its derived value) in place of the read value."""
    derived = derived_details(ex)
    changed = {k for k in (*_TEXT, *_DATES, *_TOTALS) if k in details and details.get(k) != derived.get(k)}
    update: dict[str, Any] = {}
    for name in changed & set(_TEXT):
        update[_TEXT[name]] = Extracted[str](value=details[name], confidence=EDITED if details[name] else 0.0)
    for name in changed & set(_DATES):
        day = date.fromisoformat(details[name]) if details[name] else None
        update[_DATES[name]] = Extracted[date](value=day, confidence=EDITED if day else 0.0)
    totals: dict[str, Any] = {}
    for name in changed & set(_TOTALS):
        amount = Decimal(str(details[name])) if details[name] is not None else None
        totals[_TOTALS[name]] = Extracted[Decimal](value=amount, confidence=EDITED if amount is not None else 0.0)
    if totals:
        update["totals"] = ex.totals.model_copy(update=totals)
    return ex.model_copy(update=update) if update else ex


def buyer_check(ex: ExtractedVoucher, client_orgnr: str | None) -> CheckResult | None:
    """Whether the document is addressed to this company: a flag when it names another buyer orgnr."""
    from stdnum.no import orgnr as orgnr_check

    buyer = (ex.buyer_orgnr.value or "").replace(" ", "")
    if not client_orgnr or not orgnr_check.is_valid(buyer):
        return None
    ok = buyer == client_orgnr
    return CheckResult(
        BUYER_CHECK,
        ok,
        f"the buyer is this company ({buyer})"
        if ok
        else f"buyer is not this company: the document names {buyer}, this company is {client_orgnr}",
    )


def voucher_checks(
    ex: ExtractedVoucher,
    details: dict[str, Any],
    *,
    kept: list[dict[str, Any]] | None = None,
    lines_truncated: bool = False,
) -> list[dict[str, Any]]:
    """The checks of `ex` as edited by `details`; `kept` are earlier results recomputation cannot
    repeat (the buyer check; the lines sum when only the first lines were stored)."""
    edited = as_edited(ex, details)
    if lines_truncated:
        edited = edited.model_copy(update={"lines": ()})
    results = [c.as_dict() for c in run_checks(edited)]
    keep = {BUYER_CHECK} | ({"lines-sum"} if lines_truncated else set())
    return results + [dict(c) for c in kept or [] if c.get("code") in keep]


def recheck(data: dict[str, Any]) -> list[dict[str, Any]] | None:
    """The checks of a stored voucher (its `extracted`, `details`, `checks`, `notes`), recomputed."""
    if not data.get("extracted"):
        return data.get("checks")
    try:
        ex = ExtractedVoucher.model_validate(data["extracted"])
    except ValidationError:  # stored by an older shape: keep what was computed then
        return data.get("checks")
    truncated = any(str(n).startswith(LINES_TRUNCATED) for n in data.get("notes") or [])
    return voucher_checks(ex, data.get("details") or {}, kept=list(data.get("checks") or []), lines_truncated=truncated)
