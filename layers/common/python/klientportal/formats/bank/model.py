"""The shapes every bank file is read into (contract 3): one `BankFile` holding `BankEntry`s.

A reader either returns a whole, reconciled file or raises `BankFileRejected` with the reason and
the line (1-based; for XML the line of the offending element): a file is never half read.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime


class BankFileRejected(ValueError):
    """The file must be refused whole. `reason` says why in words; `line` points at the culprit.

    `code` is a short stable slug of the kind of fault (e.g. `record-length`, `control-total`,
    `xsd`), for tests and for grouping in the portal; the words of `reason` may change.
    """

    def __init__(self, reason: str, line: int | None = None, *, code: str = "rejected") -> None:
        super().__init__(reason if line is None else f"line {line}: {reason}")
        self.reason = reason
        self.line = line
        self.code = code


@dataclass(frozen=True, slots=True)
class BankEntry:
    """One payment as the bank reported it, credit (money in) or debit (money out).

    `reference` is the bank's unique reference of the payment (see docs/formats-bank.md per format);
    `account` is the client's own account; `payer_*` the counterparty's (the payer of a credit, the
    payee of a debit).
    """

    reference: str
    amount_ore: int
    credit: bool
    kid: str | None
    message: str | None
    booking_date: date
    value_date: date | None
    payer_name: str | None
    payer_account: str | None
    account: str | None
    end_to_end_id: str | None
    line: int | None
    currency: str = "NOK"  # ISO 4217 of `amount_ore` (hundredths of this currency): OCR giro is NOK; camt says


@dataclass(frozen=True, slots=True)
class BankFile:
    """A read bank file. `format` is `nets-ocr`, `camt.053` or `camt.054`; `identity` is the bank's own
    identity of the file (OCR: data recipient and transmission number; camt: the message id).

    `entries` of an OCR file is a one-shot iterator over an already reconciled file (so a
    200,000-transaction file never sits in memory as objects); camt entries are a tuple.
    `count` and the øre totals are known before the entries are iterated.
    """

    format: str
    identity: str
    created: datetime | None
    entries: tuple[BankEntry, ...] | Iterator[BankEntry]
    count: int = 0
    credit_ore: int = 0
    debit_ore: int = 0
