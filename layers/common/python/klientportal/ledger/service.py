"""Reading a client's ledger: entries, postings by account, period, voucher (source), customer or
supplier (paginated, signed cursors bound to the query: decision 0016), statements from the
balances kept on write, open items, periods."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from klientportal.errors import FieldError, InvalidInput, NotFound
from klientportal.ledger import periods as ledger_periods
from klientportal.ledger import statements
from klientportal.ledger.journal import SERIES
from klientportal.reference.chart_of_accounts import standard_chart
from klientportal.repository import keys
from klientportal.repository.records import Record
from klientportal.repository.store import Actor, Page, Store

_DATE_PREFIX = re.compile(r"^(19|20)[0-9]{2}(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01]))?)?$")
_ACCOUNT = re.compile(r"^[0-9]{4,6}$")
PARTY_KINDS = {"customers": "C", "suppliers": "S"}


def checked_date_prefix(value: str | None, field: str = "period") -> str:
    """'' (everything), YYYY, YYYY-MM or YYYY-MM-DD: the entries' date prefix."""
    if value is None:
        return ""
    if not _DATE_PREFIX.match(value):
        raise InvalidInput("not a period", [FieldError(field, "YYYY, YYYY-MM or YYYY-MM-DD")])
    if len(value) == 10:
        try:
            date.fromisoformat(value)
        except ValueError:
            raise InvalidInput("not a day", [FieldError(field, f"{value} is not a day of the calendar")]) from None
    return value


def month_range(start: str | None, end: str | None, today_year: int) -> tuple[int, int, int]:
    """(year, from month, to month) of a from/to pair of YYYY-MM within one year (default: the year)."""
    if start is None and end is None:
        return today_year, 1, 12
    first = ledger_periods.checked_period(start or f"{(end or '')[:4]}-01", "from")
    last = ledger_periods.checked_period(end or f"{first[:4]}-12", "to")
    if first[:4] != last[:4] or first > last:
        raise InvalidInput("not a range", [FieldError("to", "from and to are months of one year, from ≤ to")])
    return int(first[:4]), int(first[5:]), int(last[5:])


def entry_view(rec: Record) -> dict[str, Any]:
    """An entry as the API shows it; entries booked before the ledger (0801) read as bilag."""
    d = rec.data
    source = d.get("source") or {"kind": "voucher", "id": d.get("voucher_id")}
    return {
        "series": d.get("series", "bilag"),
        "year": d["year"],
        "number": d["number"],
        "voucher_number": d["voucher_number"],
        "date": d["date"],
        "period": d.get("period", d["date"][:7]),
        "text": d.get("text", ""),
        "source": source,
        "lines": d["lines"],
        "booked_by": d.get("booked_by"),
        "booked_at": rec.created_at,
    }


class LedgerService:
    def __init__(self, store: Store, client_id: str) -> None:
        self.store = store
        self.client_id = client_id
        self.pk = keys.client_pk(client_id)
        self.ledger_pk = keys.ledger_pk(client_id)
        self.balances_pk = keys.ledger_balances_pk(client_id)

    # ---- entries and postings -----------------------------------------------------------------
    def entries(self, period: str | None, limit: int | None, cursor: str | None) -> Page:
        prefix = checked_date_prefix(period)
        return self.store.query(
            keys.ledger_entries_gsi(self.client_id), prefix, index="GSI1", limit=limit, cursor=cursor
        )

    def entry(self, series: str, year: int, number: int) -> Record:
        if series not in SERIES:
            raise NotFound(f"no series {series[:20]}")
        rec = self.store.get(self.pk, keys.journal_entry_sk(series, year, number))
        if rec is None or rec.entity != "journal_entry":
            raise NotFound(f"no entry {number} of {series} {year}")
        return rec

    def entry_of_source(self, kind: str, source_id: str) -> Record:
        """The entry that booked a voucher, invoice, bank entry or payroll run."""
        if not re.match(r"^[a-z_-]{1,31}$", kind) or not re.match(r"^[A-Za-z0-9_.:-]{1,100}$", source_id):
            raise NotFound("no such source")
        pointer = self.store.get(self.ledger_pk, keys.ledger_source_sk(kind, source_id))
        if pointer is None:
            raise NotFound(f"{kind} {source_id} is not booked")
        rec = self.store.get(self.pk, pointer.data["entry_sk"])
        if rec is None:
            raise NotFound(f"{kind} {source_id} is not booked")
        return rec

    def account_postings(self, account: str, period: str | None, limit: int | None, cursor: str | None) -> Page:
        if not _ACCOUNT.match(account):
            raise InvalidInput("not an account", [FieldError("account", "4 to 6 digits")])
        prefix = keys.ledger_account_index_sk(account, checked_date_prefix(period))
        return self.store.query(self.ledger_pk, prefix, limit=limit, cursor=cursor)

    def party_postings(
        self, party: str, number: int, period: str | None, limit: int | None, cursor: str | None
    ) -> Page:
        prefix = keys.ledger_party_index_sk(PARTY_KINDS[party], number, checked_date_prefix(period))
        return self.store.query(self.ledger_pk, prefix, limit=limit, cursor=cursor)

    def open_items(self, party: str, number: int) -> dict[str, Any]:
        kind = PARTY_KINDS[party]
        recs = self.store.query_all(self.ledger_pk, keys.ledger_party_index_sk(kind, number, ""))
        return {"party": party, "number": number, **statements.open_items((r.data for r in recs), kind)}

    # ---- statements ---------------------------------------------------------------------------
    def balances(self, up_to_year: int | None = None) -> statements.Balances:
        recs = self.store.query_all(self.balances_pk, keys.LEDGER_BALANCE_PREFIX)
        return statements.Balances.of(r.data for r in recs if up_to_year is None or r.data["year"] <= up_to_year)

    def account_names(self) -> dict[str, str]:
        names = {a.number: a.name for a in standard_chart()}
        for rec in self.store.query_all(self.pk, keys.ACCOUNT_PREFIX):
            names[rec.data["number"]] = rec.data["name"]
        return names

    def trial_balance(self, year: int, from_month: int, to_month: int) -> dict[str, Any]:
        return statements.trial_balance(self.balances(year), year, from_month, to_month, self.account_names())

    def profit_and_loss(self, year: int, from_month: int, to_month: int) -> dict[str, Any]:
        return statements.profit_and_loss(self.balances(year), year, from_month, to_month, self.account_names())

    def balance_sheet(self, period: str) -> dict[str, Any]:
        ledger_periods.checked_period(period, "at")
        year, month = int(period[:4]), int(period[5:])
        return statements.balance_sheet(self.balances(year), year, month, self.account_names())

    # ---- periods ------------------------------------------------------------------------------
    def periods(self, year: int | None) -> list[dict[str, Any]]:
        recs = {r.data["period"]: r for r in ledger_periods.periods(self.store, self.pk)}
        if year is not None:
            months = [f"{year:04d}-{m:02d}" for m in range(1, 13)]
            return [ledger_periods.view(recs.get(p), p) for p in months]
        return [ledger_periods.view(r, p) for p, r in sorted(recs.items())]

    def close(self, period: str, actor: Actor) -> dict[str, Any]:
        return ledger_periods.view(ledger_periods.close(self.store, self.pk, period, actor), period)

    def reopen(self, period: str, actor: Actor) -> dict[str, Any]:
        return ledger_periods.view(ledger_periods.reopen(self.store, self.pk, period, actor), period)
