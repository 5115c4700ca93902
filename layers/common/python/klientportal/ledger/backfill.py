"""Bring a client's data from before the ledger into it (decision 0812), idempotently:

- a supplier voucher booked before the ledger has its entry (`JOURNAL#<year>#<n>`, numbered in the
  bilag series) but no source pointer, balances, indexes or period counts: the entry is adopted with
  its own number (`journal.adopt_changes`);
- an invoice or credit note issued before the ledger has no entry: it is booked now as issuing books
  it (`ledger.invoices.invoice_draft`, series faktura, dated its issue date, the next number of
  that year's series);
- each source is booked once: its pointer `LEDGERSRC#<kind>#<id>` is created in the same transaction,
  so a rerun, or a second backfill running at the same time, finds it booked and changes nothing;
- nothing is written into a closed period: such a source is reported (`blocked`) with its period and
  left as it is; reopen the period (the latest closed first), run the backfill again, close it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from klientportal.errors import AlreadyExists, InvalidInput, RuleViolation
from klientportal.ledger.invoices import invoice_draft
from klientportal.ledger.journal import adopt_changes, journal_changes
from klientportal.repository import keys
from klientportal.repository.records import Record
from klientportal.repository.retry import retry_on_stale
from klientportal.repository.store import Actor, Store


@dataclass
class Backfilled:
    """What one backfill of a client did."""

    client_id: str
    adopted: list[str] = field(default_factory=list)  # voucher numbers of entries now in the ledger
    booked: list[str] = field(default_factory=list)  # voucher numbers of invoices and credit notes booked now
    already: int = 0  # sources found in the ledger already
    nothing_to_book: list[str] = field(default_factory=list)  # invoices whose amounts are all zero
    blocked: list[dict[str, Any]] = field(default_factory=list)  # {kind, id, number, reason, period?}

    def as_dict(self) -> dict[str, Any]:
        return {
            "client_id": self.client_id,
            "adopted": self.adopted,
            "booked": self.booked,
            "already": self.already,
            "nothing_to_book": self.nothing_to_book,
            "blocked": self.blocked,
        }


def backfill(store: Store, client_id: str, actor: Actor) -> Backfilled:
    """Adopt the client's pre-ledger voucher entries and book its unbooked invoices and credit notes."""
    pk = keys.client_pk(client_id)
    done = Backfilled(client_id)
    for entry in store.query_all(pk, keys.JOURNAL_PREFIX):
        if entry.entity != "journal_entry":
            continue
        if entry.data.get("adopted"):
            done.already += 1
        elif not entry.data.get("series") and entry.data.get("voucher_id"):
            _adopt(store, pk, entry, actor, done)
    issued = [
        r
        for r in store.query_all(pk, keys.INVOICE_PREFIX)
        if r.entity == "invoice" and r.data.get("number") and r.data.get("issue_date") and r.data.get("document")
    ]
    issued.sort(key=lambda r: (str(r.data["issue_date"]), int(r.data["number"])))
    pointers = store.get_many(
        (keys.ledger_pk(client_id), keys.ledger_source_sk(_kind(r), r.data["id"])) for r in issued
    )
    for rec in issued:
        if pointers[(keys.ledger_pk(client_id), keys.ledger_source_sk(_kind(rec), rec.data["id"]))] is not None:
            done.already += 1
            continue
        _book_invoice(store, pk, rec, actor, done)
    return done


def _kind(rec: Record) -> str:
    """The source kind the ledger books the invoice record under (as `invoice_draft` names it)."""
    return "credit_note" if rec.data.get("kind") == "credit_note" else "invoice"


def _blocked(done: Backfilled, kind: str, source_id: str, number: object, exc: Exception) -> None:
    row: dict[str, Any] = {"kind": kind, "id": source_id, "number": str(number), "reason": str(exc)}
    period = getattr(exc, "extra", {}).get("period")
    if period:
        row["period"] = period
    done.blocked.append(row)


def _adopt(store: Store, pk: str, entry: Record, actor: Actor, done: Backfilled) -> None:
    voucher_id = str(entry.data["voucher_id"])
    shown = entry.data.get("voucher_number") or entry.sk

    def attempt() -> bool:
        fresh = store.get(pk, entry.sk)
        if fresh is None or fresh.data.get("series"):
            return False  # adopted meanwhile
        store.write(pk, adopt_changes(store, pk, fresh), actor)
        return True

    try:
        if retry_on_stale(attempt, gave_up=f"entry {shown} kept changing; run the backfill again"):
            done.adopted.append(str(shown))
        else:
            done.already += 1
    except AlreadyExists:  # its source pointer: adopted by a backfill running beside this one
        done.already += 1
    except (RuleViolation, InvalidInput) as exc:
        _blocked(done, "voucher", voucher_id, shown, exc)


def _book_invoice(store: Store, pk: str, rec: Record, actor: Actor, done: Backfilled) -> None:
    kind, source_id = _kind(rec), str(rec.data["id"])
    client_id = keys.client_id_of(pk)

    def attempt() -> str | None:
        if store.get(keys.ledger_pk(client_id), keys.ledger_source_sk(kind, source_id)) is not None:
            return None  # booked meanwhile
        draft = invoice_draft(rec.data)
        if draft is None:
            return ""
        changes = journal_changes(store, pk, draft, actor)
        entry = next(c.record for c in changes if c.record.entity == "journal_entry")
        store.write(pk, changes, actor)
        return str(entry.data["voucher_number"])

    try:
        # the counter, period and balances are version-checked: a booking beside this one makes the
        # write stale; the source pointer created meanwhile makes it AlreadyExists; both retried on
        # fresh reads, which then find the source booked
        number = retry_on_stale(
            attempt, also_on_exists=True, gave_up="the ledger kept changing; run the backfill again"
        )
    except (RuleViolation, InvalidInput) as exc:
        _blocked(done, kind, source_id, rec.data.get("number"), exc)
        return
    if number is None:
        done.already += 1
    elif number == "":
        done.nothing_to_book.append(str(rec.data["number"]))
    else:
        done.booked.append(number)
