"""The client's gapless invoice number series.

The counter item (INVOICE_COUNTER, data.next) is changed in the SAME `Store.write` transaction as
the invoice that takes the number, each conditional on its version: either both happen or neither,
and of two concurrent issuers exactly one wins; the loser re-reads and takes the next number. So
the series has no holes (a number is consumed only together with an issued invoice) and no
duplicates (the counter moves exactly once per number). Invoices and credit notes share the series.
"""

from __future__ import annotations

from dataclasses import replace

from klientportal.repository import keys
from klientportal.repository.records import Record
from klientportal.repository.store import Change

ASSIGNED = "invoice_number.assigned"


def take_number(counter: Record | None, pk: str, start: int) -> tuple[int, Change]:
    """The number to use and the counter change that consumes it."""
    if counter is None:
        number = start
        after = Record(pk, keys.INVOICE_COUNTER_SK, "invoice_counter", {"next": number + 1})
        return number, Change(None, after, ASSIGNED)
    number = int(counter.data["next"])
    return number, Change(counter, replace(counter, data={"next": number + 1}), ASSIGNED)
