"""Reports the bureau publishes to a client, generated from the ledger for a period: profit and loss,
balance sheet or VAT summary, frozen when published (a later booking does not change what the client
was shown). Publishing is the domain event `report.published` (the change feed and webhooks carry it
to whoever follows the client); the first time a client member opens a report it is marked read
(`report.read`), which the bureau sees in the list."""

from __future__ import annotations

import re
import secrets
from decimal import Decimal
from typing import Any

from klientportal import clock
from klientportal.errors import NotFound
from klientportal.ledger.service import LedgerService, month_range
from klientportal.repository import keys
from klientportal.repository.records import Record
from klientportal.repository.store import Actor, Change

STATEMENTS = ("profit-and-loss", "balance-sheet", "vat-summary")
_REPORT_ID = re.compile(r"^rep-[0-9a-f]{16}$")


def vat_summary(ledger: LedgerService, year: int, first: int, last: int) -> dict[str, Any]:
    """Output and input VAT of the months per VAT account (27xx), and what is owed (+) or due back (-)."""
    balances = ledger.balances(year)
    names = ledger.account_names()
    lines = []
    for account in balances.accounts():
        if account.startswith("27") and account not in ("2740", "2770", "2780", "2785", "2790"):
            net = balances.net(account, (year, first), (year, last))
            if net:
                lines.append({"account": account, "name": names.get(account, ""), "amount": str(-net)})
    total = sum((Decimal(x["amount"]) for x in lines), Decimal("0.00"))
    return {
        "period_from": f"{year:04d}-{first:02d}",
        "period_to": f"{year:04d}-{last:02d}",
        "lines": lines,
        "to_pay": str(total),
    }


def content_of(ledger: LedgerService, statement: str, start: str, end: str) -> dict[str, Any]:
    year, first, last = month_range(start, end, clock.today_oslo().year)
    if statement == "profit-and-loss":
        return ledger.profit_and_loss(year, first, last)
    if statement == "balance-sheet":
        return ledger.balance_sheet(end)
    return vat_summary(ledger, year, first, last)


def publish(ledger: LedgerService, title: str, statement: str, start: str, end: str, actor: Actor) -> Record:
    content = content_of(ledger, statement, start, end)
    report_id = f"rep-{secrets.token_hex(8)}"
    data = {
        "report_id": report_id,
        "title": title,
        "statement": statement,
        "period_from": start,
        "period_to": end,
        "content": content,
        "published_at": clock.iso(clock.now()),
        "published_by": actor.email or actor.sub,
        "read_at": None,
        "read_by": None,
    }
    rec = Record(ledger.pk, keys.report_sk(report_id), "report", data)
    return ledger.store.write(ledger.pk, [Change(None, rec, "report.published")], actor)[0]


def reports(ledger: LedgerService) -> list[Record]:
    return sorted(
        ledger.store.query_all(ledger.pk, keys.REPORT_PREFIX), key=lambda r: r.data["published_at"], reverse=True
    )


def open_report(ledger: LedgerService, report_id: str, actor: Actor, *, is_client_member: bool) -> Record:
    """The report; the first opening by a member of the client marks it read."""
    rec = ledger.store.get(ledger.pk, keys.report_sk(report_id)) if _REPORT_ID.match(report_id) else None
    if rec is None:
        raise NotFound(f"no report {report_id[:40]}")
    if is_client_member and rec.data.get("read_at") is None:
        data = {**rec.data, "read_at": clock.iso(clock.now()), "read_by": actor.email or actor.sub}
        rec = ledger.store.write(ledger.pk, [Change(rec, rec.with_data(data), "report.read")], actor)[0]
    return rec
