"""A client's SAF-T Financial 1.30 file for whole months of one year: accounts with balances and their
grouping, customers and suppliers with balances on their control account, the VAT codes used, the
journal entries per series. Accounts without a grouping stop the export with their list (decision
0803): nothing is mapped by guess."""

from __future__ import annotations

import calendar
from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Any

from klientportal import clock
from klientportal.errors import FieldError, InvalidInput, RuleViolation
from klientportal.formats.saft import model as m
from klientportal.ledger.journal import CUSTOMER_LEDGER, SUPPLIER_LEDGER, signed
from klientportal.ledger.mapping import grouping_of, mapped
from klientportal.ledger.service import LedgerService, entry_view
from klientportal.ledger.statements import BEGINNING, is_balance_sheet
from klientportal.reference.vat_codes import get_vat_code
from klientportal.repository import keys
from klientportal.tenancy.models import Client

ZERO = Decimal("0.00")
JOURNALS = {
    "bilag": ("Leverandørbilag", "bilag"),
    "faktura": ("Utgående fakturaer og kreditnotaer", "faktura"),
    "bank": ("Bank", "bank"),
    "lonn": ("Lønn", "lonn"),
}


def checked_range(start: date, end: date) -> tuple[int, int, int]:
    """(year, first month, last month): whole months of one year (balances are kept per month)."""
    errors = []
    if start.day != 1:
        errors.append(FieldError("from", "the first day of a month"))
    if end.day != calendar.monthrange(end.year, end.month)[1]:
        errors.append(FieldError("to", "the last day of a month"))
    if start.year != end.year or start > end:
        errors.append(FieldError("to", "in the same year as from, not before it"))
    if errors:
        raise InvalidInput("SAF-T is exported for whole months of one year", errors)
    return start.year, start.month, end.month


def export(ledger: LedgerService, client: Client, start: date, end: date) -> m.AuditFile:
    year, first, last = checked_range(start, end)
    store, pk = ledger.store, ledger.pk
    balances = ledger.balances(year)
    names = ledger.account_names()
    own = mapped(store, pk)

    def opening(account: str) -> Decimal:
        since = BEGINNING if is_balance_sheet(account) else (year, 1)
        before = (year, first - 1) if first > 1 else (year - 1, 12)
        return balances.net(account, since, before) if (year, first) > since else ZERO

    accounts, unmapped = [], []
    for account in balances.accounts():
        open_ = opening(account)
        moved = balances.movement(account, (year, first), (year, last))
        if open_ == 0 and moved == (ZERO, ZERO):
            continue
        closing = open_ + moved[0] - moved[1]
        found, _ = grouping_of(account, own, closing)
        if found is None:
            unmapped.append({"account": account, "name": names.get(account, "")})
            continue
        accounts.append(m.Account(account, names.get(account) or account, found.category, found.code, open_, closing))
    if unmapped:
        raise RuleViolation(
            f"{len(unmapped)} account(s) have no SAF-T grouping; map them (PUT …/ledger/account-mapping/"
            "{account}) and export again",
            extra={"unmapped": unmapped},
        )

    entries = []
    for month in range(first, last + 1):
        entries += store.query_all(keys.ledger_entries_gsi(client.client_id), f"{year:04d}-{month:02d}", index="GSI1")
    by_series: dict[str, list[m.Transaction]] = defaultdict(list)
    codes: set[str] = set()
    for rec in entries:
        view = entry_view(rec)
        by_series[view["series"]].append(_transaction(view, rec.created_at, codes))

    customers = _parties(ledger, "C", CUSTOMER_LEDGER, year, first, last)
    suppliers = _parties(ledger, "S", SUPPLIER_LEDGER, year, first, last)
    tax_codes = []
    for code in sorted(codes, key=lambda c: int(c)):
        vat = get_vat_code(code)
        if vat is not None:
            tax_codes.append(m.TaxCode(code, vat.description_nb, vat.rate or ZERO, vat.compensation))
    journals = tuple(
        m.Journal(series, JOURNALS[series][0], JOURNALS[series][1], tuple(by_series[series]))
        for series in JOURNALS
        if by_series.get(series)
    )
    header = m.Header(
        company=m.Company(client.orgnr, client.name, "Regnskapsfører", client.name),
        created=clock.today_oslo(),
        start=start,
        end=end,
    )
    return m.AuditFile(header, tuple(accounts), customers, suppliers, tuple(tax_codes), journals)


def _transaction(view: dict[str, Any], created_at: str, codes: set[str]) -> m.Transaction:
    lines = view["lines"]
    vat_codes = {x["vat_code"] for x in lines if x.get("vat_code")}
    codes |= vat_codes
    vat_lines = {x["vat_code"] for x in lines if x.get("vat_code") and x["account"].startswith("27")}
    out = []
    for i, line in enumerate(lines, 1):
        code = line.get("vat_code")
        tax = None
        vat = get_vat_code(code) if code else None
        if vat is not None and code is not None:
            rate = vat.rate or ZERO
            if line["account"].startswith("27"):
                base = sum(
                    (signed(x) for x in lines if x.get("vat_code") == code and not x["account"].startswith("27")), ZERO
                )
                tax = m.TaxInfo(code, rate, base, signed(line))
            elif code not in vat_lines:
                tax = m.TaxInfo(code, rate, signed(line), ZERO)
        out.append(
            m.Line(
                record_id=str(i),
                account_id=line["account"],
                description=line.get("text") or view["text"],
                amount=signed(line),
                customer_id=str(line["customer_number"]) if line.get("customer_number") is not None else None,
                supplier_id=str(line["supplier_number"]) if line.get("supplier_number") is not None else None,
                tax=tax,
            )
        )
    customer = next((x.customer_id for x in out if x.customer_id), None)
    supplier = next((x.supplier_id for x in out if x.supplier_id), None)
    day = date.fromisoformat(view["date"])
    return m.Transaction(
        transaction_id=view["voucher_number"],
        period=day.month,
        year=day.year,
        date=day,
        description=view["text"] or view["voucher_number"],
        system_entry_date=date.fromisoformat(created_at[:10]) if created_at else day,
        voucher_type=view["series"],
        source_id=view.get("booked_by"),
        lines=tuple(out),
        customer_id=customer,
        supplier_id=supplier,
    )


def _parties(ledger: LedgerService, kind: str, control: str, year: int, first: int, last: int) -> tuple[m.Party, ...]:
    """Customers or suppliers with a balance or movement, from the party balances (all years to `year`)."""
    moves: dict[int, dict[tuple[int, int], Decimal]] = defaultdict(dict)
    for rec in ledger.store.query_all(ledger.balances_pk, keys.LEDGER_PARTY_BALANCE_PREFIX):
        d = rec.data
        if d["kind"] != kind or d["year"] > year:
            continue
        for month, v in d["months"].items():
            moves[int(d["number"])][(int(d["year"]), int(month))] = Decimal(v["debit"]) - Decimal(v["credit"])
    before = (year, first - 1) if first > 1 else (year - 1, 12)
    register = "customer" if kind == "C" else "supplier"
    found = ledger.store.get_many((ledger.pk, keys.register_sk(register, n)) for n in moves)
    parties = []
    for number, by_month in sorted(moves.items()):
        opening = sum((v for ym, v in by_month.items() if ym <= before), ZERO)
        closing = sum((v for ym, v in by_month.items() if ym <= (year, last)), ZERO)
        moved = any((year, first) <= ym <= (year, last) for ym in by_month)
        if opening == 0 and closing == 0 and not moved:
            continue
        reg = found.get((ledger.pk, keys.register_sk(register, number)))
        name = (reg.data.get("name") if reg else None) or f"{register} {number}"
        orgnr = reg.data.get("orgnr") if reg else None
        parties.append(m.Party(str(number), name, control, opening, closing, orgnr=orgnr))
    return tuple(parties)
