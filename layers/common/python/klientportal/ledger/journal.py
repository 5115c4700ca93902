"""The one way into the general ledger (contract 2): a journal draft becomes the changes that book it
in the caller's own transaction.

`journal_changes` checks the draft (balanced, two decimals, known accounts, sub-ledger parties, an
open period, a source booked once), takes the next number of its series and year (gapless: the
counter is version-checked in the same transaction as the caller's change) and returns the changes:
the counter, the entry, the source pointer, the period's counts, the balance per account and year,
the party balances and the indexes by account and party (decision 0801). `adopt_changes` writes the
same derived items for an entry booked before the ledger, keeping its number (the backfill, 0812).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from klientportal.errors import FieldError, InvalidInput, RuleViolation
from klientportal.reference.chart_of_accounts import get_account
from klientportal.reference.vat_codes import get_vat_code
from klientportal.repository import keys
from klientportal.repository.records import Record
from klientportal.repository.store import Actor, Change, Store

SERIES = ("bilag", "faktura", "bank", "lonn")
NUMBER_PREFIX = {"bilag": "", "faktura": "F", "bank": "B", "lonn": "L"}
CUSTOMER_LEDGER = "1500"
SUPPLIER_LEDGER = "2400"
ZERO = Decimal("0.00")
CENT = Decimal("0.01")
# A DynamoDB transaction holds at most 100 items and the Store adds an audit event per change: the
# ledger's part stays within 38 changes (77 items) so the caller keeps room for its own changes.
MAX_CHANGES = 38
_SOURCE_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,100}$")
_SOURCE_KIND = re.compile(r"^[a-z][a-z_-]{0,30}$")


@dataclass(frozen=True)
class Posting:
    """One line of an entry: amount in kroner with two decimals, positive = debit, negative = credit."""

    account: str
    amount: Decimal
    text: str
    vat_code: str | None = None
    customer_number: int | None = None
    supplier_number: int | None = None
    employee_number: int | None = None
    department: str | None = None
    project: str | None = None


@dataclass(frozen=True)
class JournalDraft:
    """An entry to book: its series, date (Europe/Oslo), text, the source it books and its postings."""

    series: str
    date: date
    text: str
    source_kind: str
    source_id: str
    postings: tuple[Posting, ...]


# the years the ledger's queries, periods and SAF-T read (YYYY of 19xx or 20xx): an entry outside
# them could be booked but never read, closed or exported
FIRST_YEAR, LAST_YEAR = 1900, 2099


def period_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def entry_ref(series: str, day: date, year: int, number: int) -> str:
    """The sort key suffix of an entry's index items: by date, then series and number."""
    return f"{day.isoformat()}#{series}#{year}#{number:08d}"


def voucher_number(series: str, year: int, number: int) -> str:
    """The number a person reads: "2026-17" (bilag), "F2026-3" (faktura), "B…" (bank), "L…" (lønn)."""
    return f"{NUMBER_PREFIX[series]}{year}-{number}"


def check_draft(draft: JournalDraft) -> None:
    """The rules a draft must meet before anything is read: InvalidInput for a malformed draft,
    RuleViolation for one that does not balance."""
    errors: list[FieldError] = []
    if not FIRST_YEAR <= draft.date.year <= LAST_YEAR:
        errors.append(FieldError("date", f"the ledger keeps the years {FIRST_YEAR}–{LAST_YEAR}"))
    if draft.series not in SERIES:
        errors.append(FieldError("series", f"one of {', '.join(SERIES)}"))
    if not _SOURCE_KIND.match(draft.source_kind):
        errors.append(FieldError("source_kind", "lower-case letters, '_' or '-'"))
    if not _SOURCE_ID.match(draft.source_id):
        errors.append(FieldError("source_id", "1 to 100 letters, digits or . _ : -"))
    if len(draft.postings) < 2:
        errors.append(FieldError("postings", "an entry has at least two postings"))
    for i, p in enumerate(draft.postings):
        where = f"postings.{i}"
        if not _two_decimals(p.amount):
            errors.append(FieldError(f"{where}.amount", "kroner with at most two decimals (never rounded here)"))
        elif p.amount == 0:
            errors.append(FieldError(f"{where}.amount", "a posting of 0.00 books nothing"))
        if p.vat_code is not None and get_vat_code(p.vat_code) is None:
            errors.append(FieldError(f"{where}.vat_code", "not a VAT code"))
        if p.account == CUSTOMER_LEDGER and p.customer_number is None:
            errors.append(FieldError(f"{where}.customer_number", "the customer ledger (1500) needs a customer"))
        if p.account == SUPPLIER_LEDGER and p.supplier_number is None:
            errors.append(FieldError(f"{where}.supplier_number", "the supplier ledger (2400) needs a supplier"))
        if p.customer_number is not None and p.supplier_number is not None:
            errors.append(FieldError(where, "a posting belongs to a customer or a supplier, not both"))
    if errors:
        raise InvalidInput("the journal entry is not valid", errors)
    debit = sum((p.amount for p in draft.postings if p.amount > 0), ZERO)
    credit = -sum((p.amount for p in draft.postings if p.amount < 0), ZERO)
    if debit != credit:
        raise RuleViolation(
            f"the entry does not balance: debit {debit}, credit {credit}",
            extra={"debit": str(debit), "credit": str(credit), "difference": str(debit - credit)},
        )


def _two_decimals(amount: object) -> bool:
    if not isinstance(amount, Decimal):
        return False
    try:
        return amount.is_finite() and amount == amount.quantize(CENT)
    except InvalidOperation:
        return False


def line_of(p: Posting) -> dict[str, Any]:
    """The stored line: debit/credit split (two decimals), the optional dimensions only when given."""
    amount = p.amount.quantize(CENT)
    line: dict[str, Any] = {
        "account": p.account,
        "debit": str(amount if amount > 0 else ZERO),
        "credit": str(-amount if amount < 0 else ZERO),
        "text": p.text,
    }
    for name in ("vat_code", "customer_number", "supplier_number", "employee_number", "department", "project"):
        value = getattr(p, name)
        if value is not None:
            line[name] = value
    return line


def signed(line: dict[str, Any]) -> Decimal:
    """A stored line's amount, positive = debit."""
    return Decimal(line["debit"]) - Decimal(line["credit"])


def party_of(line: dict[str, Any]) -> tuple[str, int] | None:
    if line.get("customer_number") is not None:
        return ("C", int(line["customer_number"]))
    if line.get("supplier_number") is not None:
        return ("S", int(line["supplier_number"]))
    return None


def added_to_months(data: dict[str, Any] | None, month: str, debit: Decimal, credit: Decimal) -> dict[str, Any]:
    """Balance data with one month's debit and credit increased."""
    months = dict((data or {}).get("months") or {})
    now = months.get(month) or {"debit": "0.00", "credit": "0.00"}
    months[month] = {"debit": str(Decimal(now["debit"]) + debit), "credit": str(Decimal(now["credit"]) + credit)}
    return {**(data or {}), "months": dict(sorted(months.items()))}


def booking_keys(
    client_pk: str, series: str, day: date, accounts: Iterable[str], parties: Iterable[tuple[str, int]]
) -> list[tuple[str, str]]:
    """What booking an entry of `series` on `day` reads: its series counter, its period, the year's
    balance of each account and party, and the client's own accounts among `accounts`."""
    balances_pk = keys.ledger_balances_pk(keys.client_id_of(client_pk))
    accounts = list(dict.fromkeys(accounts))
    return [
        (client_pk, keys.journal_counter_sk(series, day.year)),
        (client_pk, keys.ledger_period_sk(period_of(day))),
        *((balances_pk, keys.ledger_balance_sk(day.year, a)) for a in accounts),
        *((balances_pk, keys.ledger_party_balance_sk(day.year, k, n)) for k, n in dict.fromkeys(parties)),
        *((client_pk, keys.account_sk(a)) for a in accounts if get_account(a) is None and _plain_key(a)),
    ]


def journal_changes(store: Store, client_pk: str, draft: JournalDraft, actor: Actor) -> list[Change]:
    """The changes that book `draft`, to be written in the caller's transaction (Store.write with the
    caller's own changes). Raises InvalidInput (malformed, unknown account), RuleViolation (unbalanced,
    closed period, too many accounts); a source booked already makes the
    write fail with AlreadyExists. One draft per write: two drafts' changes touch the same counter,
    period and balance items.. Reads what it needs in one batch."""
    check_draft(draft)
    client_id = keys.client_id_of(client_pk)
    year, period = draft.date.year, period_of(draft.date)
    lines = [line_of(p) for p in draft.postings]
    by_account, by_party = _grouped(lines, 4)

    counter_sk = keys.journal_counter_sk(draft.series, year)
    period_sk = keys.ledger_period_sk(period)
    own_accounts = [a for a in by_account if get_account(a) is None]
    found = store.get_many(booking_keys(client_pk, draft.series, draft.date, by_account, by_party))
    unknown = [
        FieldError(f"postings.{i}.account", f"{p.account} is not in the client's chart of accounts")
        for i, p in enumerate(draft.postings)
        if p.account in own_accounts
        and (not _plain_key(p.account) or found[(client_pk, keys.account_sk(p.account))] is None)
    ]
    if unknown:
        raise InvalidInput("unknown account", unknown)
    # A source booked already is not refused here: its pointer is created in the transaction, which
    # then fails (AlreadyExists) and forgets what it read, so a caller holding a stale source retries
    # on fresh reads and finds it booked (two racing issues of one invoice), as a version conflict would.
    period_rec = _open_period(found[(client_pk, period_sk)], draft.date)

    counter = found[(client_pk, counter_sk)]
    number = int(counter.data["next"]) if counter else 1
    counter_entity = "voucher_series" if draft.series == "bilag" else "journal_series"
    counter_data = {"year": year, "next": number + 1, **({} if draft.series == "bilag" else {"series": draft.series})}
    changes = [
        Change(counter, counter.with_data(counter_data), f"{counter_entity}.advanced")
        if counter
        else Change(None, Record(client_pk, counter_sk, counter_entity, counter_data), f"{counter_entity}.advanced")
    ]
    ref = entry_ref(draft.series, draft.date, year, number)
    entry_sk = keys.journal_entry_sk(draft.series, year, number)
    shown = voucher_number(draft.series, year, number)
    total = sum((signed(x) for x in lines if signed(x) > 0), ZERO)
    summary = {
        "series": draft.series,
        "year": year,
        "number": number,
        "voucher_number": shown,
        "date": draft.date.isoformat(),
        "text": draft.text,
        "source": {"kind": draft.source_kind, "id": draft.source_id},
        "entry_sk": entry_sk,
    }
    entry = {
        **summary,
        "period": period,
        "lines": lines,
        "total": str(total),
        "booked_by": actor.sub,
        **({"voucher_id": draft.source_id} if draft.source_kind == "voucher" else {}),
    }
    changes.append(
        Change(
            None,
            Record(
                client_pk,
                entry_sk,
                "journal_entry",
                entry,
                gsi1pk=keys.ledger_entries_gsi(client_id),
                gsi1sk=ref,
            ),
            "journal_entry.created",
        )
    )
    changes += _derived_changes(
        found, client_pk, summary, draft.source_kind, lines, by_account, by_party, ref, total, period_rec
    )
    return changes


def _derived_changes(
    found: dict[tuple[str, str], Record | None],
    client_pk: str,
    summary: dict[str, Any],
    source_kind: str,
    lines: list[dict[str, Any]],
    by_account: dict[str, list[dict[str, Any]]],
    by_party: dict[tuple[str, int], list[dict[str, Any]]],
    ref: str,
    total: Decimal,
    period_rec: Record | None,
) -> list[Change]:
    """What an entry adds beside itself: its source pointer, the period's counts, the balances per
    account and party and the indexes by account and party (`found` holds the period and balances)."""
    client_id = keys.client_id_of(client_pk)
    ledger_pk, balances_pk = keys.ledger_pk(client_id), keys.ledger_balances_pk(client_id)
    day = date.fromisoformat(summary["date"])
    year, period, month = int(summary["year"]), period_of(day), f"{day.month:02d}"
    source_sk = keys.ledger_source_sk(source_kind, summary["source"]["id"])
    period_sk = keys.ledger_period_sk(period)
    changes: list[Change] = []
    changes.append(
        Change(
            None,
            Record(ledger_pk, source_sk, "ledger_source", {**summary, "kind": source_kind}),
            "ledger_source.booked",
        )
    )
    period_data = {
        "period": period,
        "status": "open",
        **({k: v for k, v in period_rec.data.items() if k not in ("period", "status")} if period_rec else {}),
    }
    period_data["entries"] = int(period_data.get("entries", 0)) + 1
    period_data["total"] = str(Decimal(period_data.get("total", "0.00")) + total)
    changes.append(
        Change(period_rec, period_rec.with_data(period_data), "ledger_period.posted")
        if period_rec
        else Change(None, Record(client_pk, period_sk, "ledger_period", period_data), "ledger_period.posted")
    )
    for account, account_lines in by_account.items():
        debit = sum((Decimal(x["debit"]) for x in account_lines), ZERO)
        credit = sum((Decimal(x["credit"]) for x in account_lines), ZERO)
        bal_sk = keys.ledger_balance_sk(year, account)
        before = found[(balances_pk, bal_sk)]
        data = added_to_months(before.data if before else {"account": account, "year": year}, month, debit, credit)
        changes.append(_upsert(balances_pk, bal_sk, "ledger_balance", before, data, "ledger_balance.updated"))
        changes.append(
            Change(
                None,
                Record(
                    ledger_pk,
                    keys.ledger_account_index_sk(account, ref),
                    "ledger_posting",
                    {"ref": summary, "account": account, "lines": account_lines},
                ),
                "ledger_posting.indexed",
            )
        )
    for (kind, party_number), party_lines in by_party.items():
        debit = sum((Decimal(x["debit"]) for x in party_lines), ZERO)
        credit = sum((Decimal(x["credit"]) for x in party_lines), ZERO)
        bal_sk = keys.ledger_party_balance_sk(year, kind, party_number)
        before = found[(balances_pk, bal_sk)]
        start = {"kind": kind, "number": party_number, "year": year}
        data = added_to_months(before.data if before else start, month, debit, credit)
        changes.append(
            _upsert(balances_pk, bal_sk, "ledger_party_balance", before, data, "ledger_party_balance.updated")
        )
        changes.append(
            Change(
                None,
                Record(
                    ledger_pk,
                    keys.ledger_party_index_sk(kind, party_number, ref),
                    "ledger_party_posting",
                    {"ref": summary, "kind": kind, "number": party_number, "lines": party_lines},
                ),
                "ledger_party_posting.indexed",
            )
        )
    return changes


def _grouped(
    lines: list[dict[str, Any]], own: int
) -> tuple[dict[str, list[dict[str, Any]]], dict[tuple[str, int], list[dict[str, Any]]]]:
    """The lines by account and by party; refused when the entry's changes (`own` of its own plus two
    per account and party) would not fit one transaction."""
    by_account: dict[str, list[dict[str, Any]]] = defaultdict(list)
    by_party: dict[tuple[str, int], list[dict[str, Any]]] = defaultdict(list)
    for line in lines:
        by_account[line["account"]].append(line)
        party = party_of(line)
        if party:
            by_party[party].append(line)
    if own + 2 * len(by_account) + 2 * len(by_party) > MAX_CHANGES:
        raise RuleViolation(
            f"the entry touches {len(by_account)} accounts and {len(by_party)} customers or suppliers; "
            f"split it (at most {(MAX_CHANGES - own) // 2} accounts and parties together per entry)",
            extra={"accounts": len(by_account), "parties": len(by_party)},
        )
    return by_account, by_party


def _open_period(period_rec: Record | None, day: date) -> Record | None:
    """The period record of `day` (None: never written), refused when the period is closed."""
    period = period_of(day)
    if period_rec is not None and period_rec.data.get("status") == "closed":
        raise RuleViolation(
            f"the period {period} is closed; book into an open period or reopen it",
            [FieldError("date", f"{day.isoformat()} is in the closed period {period}")],
            extra={"period": period},
        )
    return period_rec


def adopt_changes(store: Store, client_pk: str, entry: Record) -> list[Change]:
    """The changes that bring an entry booked before the ledger (a supplier voucher's
    `JOURNAL#<year>#<n>`: number, date, voucher_id and lines, no series, source, balances or indexes)
    into the ledger as it stands, keeping its number: the entry gets its series, source and period
    and joins the entries index; its source pointer, period counts, balances and indexes are written
    as journal_changes writes them. The caller writes them in one transaction; a second adoption of the
    same voucher fails with AlreadyExists (the source pointer). RuleViolation: a closed period, or an
    entry too large for one transaction."""
    data = entry.data
    if data.get("series") or not data.get("voucher_id"):
        raise RuleViolation(f"{entry.sk} is not an entry booked before the ledger")
    client_id = keys.client_id_of(client_pk)
    balances_pk = keys.ledger_balances_pk(client_id)
    day = date.fromisoformat(data["date"])
    year, number = int(data["year"]), int(data["number"])
    lines = [{k: v for k, v in line.items() if v is not None} for line in data["lines"]]
    by_account, by_party = _grouped(lines, 3)
    period_sk = keys.ledger_period_sk(period_of(day))
    found = store.get_many(
        [
            (client_pk, period_sk),
            *((balances_pk, keys.ledger_balance_sk(year, a)) for a in by_account),
            *((balances_pk, keys.ledger_party_balance_sk(year, k, n)) for k, n in by_party),
        ]
    )
    period_rec = _open_period(found[(client_pk, period_sk)], day)
    ref = entry_ref("bilag", day, year, number)
    total = sum((signed(x) for x in lines if signed(x) > 0), ZERO)
    supplier = next((x.get("text") for x in lines if x.get("supplier_number") is not None), None)
    summary = {
        "series": "bilag",
        "year": year,
        "number": number,
        "voucher_number": data.get("voucher_number") or voucher_number("bilag", year, number),
        "date": day.isoformat(),
        "text": data.get("text") or supplier or "bilag",
        "source": {"kind": "voucher", "id": data["voucher_id"]},
        "entry_sk": entry.sk,
    }
    adopted = replace(
        entry,
        data={**data, **summary, "period": period_of(day), "total": str(total), "adopted": True},
        gsi1pk=keys.ledger_entries_gsi(client_id),
        gsi1sk=ref,
    )
    changes = [Change(entry, adopted, "journal_entry.adopted")]
    return changes + _derived_changes(
        found, client_pk, summary, "voucher", lines, by_account, by_party, ref, total, period_rec
    )


def _plain_key(account: str) -> bool:
    return account.isalnum() and len(account) <= 20


def _upsert(pk: str, sk: str, entity: str, before: Record | None, data: dict[str, Any], action: str) -> Change:
    if before is None:
        return Change(None, Record(pk, sk, entity, data), action)
    return Change(before, before.with_data(data), action)
