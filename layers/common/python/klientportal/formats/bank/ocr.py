"""Nets OCR giro transmissions: a streaming reader that reconciles every control total.

The file is read one 80-character record at a time (never held as objects): transmission start
(10), assignments (start 20, transactions of amount items 30/31 and 32 for the free-text types
20/21, end 88), transmission end (89). Every count, record count, øre sum and first/last Nets date
of the end records is checked against the transactions read; any mismatch, wrong record length,
unknown record type, record out of place or a text that is not ISO-8859-1 rejects the whole file
with the line and reason.

`read_ocr` makes one validating pass and then returns a `BankFile` whose entries re-read the
(now known good) bytes lazily, so nothing is handed out of a file that would be rejected.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import NoReturn
from zoneinfo import ZoneInfo

from klientportal.formats.bank import ocr_records as rec
from klientportal.formats.bank.model import BankEntry, BankFile, BankFileRejected

FORMAT = "nets-ocr"
OSLO = ZoneInfo("Europe/Oslo")
_CONTROL_BYTES = bytes(range(0x00, 0x20)) + bytes(range(0x7F, 0xA0))
_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")


@dataclass(frozen=True, slots=True)
class Transaction:
    """One OCR giro transaction: its amount items 1 and 2 (and 3) joined, in the assignment it is in."""

    assignment: rec.AssignmentStart
    item1: rec.AmountItem1
    item2: rec.AmountItem2
    text: str | None

    @property
    def credit(self) -> bool:
        """Money in, unless it is a terminal reversal (types 18, 20) or carries the minus sign."""
        return not (self.item1.negative or self.item1.transaction_type in rec.REVERSAL_TYPES)


@dataclass(frozen=True, slots=True)
class Summary:
    """What the validating pass learnt: the transmission's identity and its reconciled totals."""

    start: rec.TransmissionStart
    end: rec.TransmissionEnd
    transactions: int
    credit_ore: int
    debit_ore: int


@dataclass(slots=True)
class _Assignment:
    start: rec.AssignmentStart
    records: int = 1
    transactions: int = 0
    total_ore: int = 0
    earliest: date | None = None
    latest: date | None = None
    last_number: int = 0


@dataclass(slots=True)
class _Totals:
    records: int = 1
    transactions: int = 0
    total_ore: int = 0
    credit_ore: int = 0
    debit_ore: int = 0


def _refuse_line(record: bytes, number: int) -> NoReturn:
    if not record.strip():
        raise BankFileRejected("empty line", number, code="record-length")
    try:
        utf8 = not record.isascii() and bool(record.decode("utf-8"))
    except UnicodeDecodeError:
        utf8 = False
    if utf8:
        raise BankFileRejected("the record is UTF-8 encoded: OCR giro is ISO-8859-1", number, code="encoding")
    if record.translate(None, _CONTROL_BYTES) != record:
        raise BankFileRejected(
            "control characters (or a byte 0x7F-0x9F): the text is not ISO-8859-1", number, code="encoding"
        )
    raise BankFileRejected(
        f"a record must be {rec.RECORD_LENGTH} characters, this one is {len(record)}", number, code="record-length"
    )


_PARSERS: dict[bytes, Callable[[bytes, int], rec.Record]] = {
    b"10": rec.transmission_start,
    b"20": rec.assignment_start,
    b"30": rec.amount_item_1,
    b"31": rec.amount_item_2,
    b"32": rec.amount_item_3,
    b"88": rec.assignment_end,
    b"89": rec.transmission_end,
}


def _records(data: bytes) -> Iterator[rec.Record]:
    """Each line as its record object, with the line ending removed and length, encoding, format code
    and record type checked (one loop: this runs for every one of a file's records)."""
    if data.startswith(_BOMS):
        raise BankFileRejected(
            "the file starts with a Unicode byte-order mark: OCR giro is ISO-8859-1", 1, code="encoding"
        )
    parsers, length, controls = _PARSERS, rec.RECORD_LENGTH, _CONTROL_BYTES
    number = 0
    for number, raw in enumerate(io.BytesIO(data), start=1):
        record = raw[:-2] if raw[-2:] == b"\r\n" else raw[:-1] if raw[-1:] == b"\n" else raw
        if len(record) != length or len(record.translate(None, controls)) != length:
            _refuse_line(record, number)
        parser = parsers.get(record[6:8]) if record[:2] == b"NY" else None
        if parser is None:
            _refuse_record(record, number)
        yield parser(record, number)
    if number == 0:
        raise BankFileRejected("the file is empty", None, code="empty")


def _refuse_record(raw: bytes, number: int) -> NoReturn:
    if raw[:2] != b"NY":
        raise BankFileRejected(
            f"format code (positions 1-2) must be NY, is {raw[:2].decode('latin-1')!r}", number, code="record-type"
        )
    raise BankFileRejected(
        f"unknown record type {raw[6:8].decode('latin-1')!r} (positions 7-8)", number, code="record-type"
    )


def _out_of_place(record: rec.Record, expected: str) -> BankFileRejected:
    return BankFileRejected(
        f"{type(record).__name__} record where {expected} was expected", record.line, code="structure"
    )


def _mismatch(line: int, what: str, claimed: object, actual: object) -> BankFileRejected:
    return BankFileRejected(
        f"{what}: the end record says {claimed}, the file holds {actual}", line, code="control-total"
    )


def transactions(data: bytes, summary: list[Summary] | None = None) -> Iterator[Transaction]:
    """Every transaction in file order, checking structure and control totals as it goes.

    A fault raises `BankFileRejected` at the record where it shows (a wrong total at its end
    record), so a caller that must not act on a bad file reads it to the end first (`read_ocr`).
    When `summary` is given, the reconciled `Summary` is appended to it at the end.
    """
    records = _records(data)
    first = next(records, None)
    if not isinstance(first, rec.TransmissionStart):
        raise BankFileRejected("the file must start with a transmission start record (10)", 1, code="structure")
    totals = _Totals()
    assignment: _Assignment | None = None
    pending: rec.AmountItem1 | None = None
    pending2: rec.AmountItem2 | None = None
    end: rec.TransmissionEnd | None = None
    for record in records:
        if end is not None:
            raise BankFileRejected("a record after the transmission end record", record.line, code="structure")
        if pending2 is not None:
            assert pending is not None and assignment is not None
            if isinstance(record, rec.AmountItem3):
                _same_transaction(pending, record)
                totals.records += 1
                assignment.records += 1
                yield Transaction(assignment.start, pending, pending2, record.text)
                pending = pending2 = None
                continue
            if pending.transaction_type in rec.TEXT_TYPES:
                raise _out_of_place(record, f"amount item 3 (transaction type {pending.transaction_type})")
            yield Transaction(assignment.start, pending, pending2, None)
            pending = pending2 = None
        if pending is not None:
            if not isinstance(record, rec.AmountItem2):
                raise _out_of_place(record, "amount item 2")
            _same_transaction(pending, record)
            pending2 = record
            totals.records += 1
            assert assignment is not None
            assignment.records += 1
            continue
        match record:
            case rec.AssignmentStart() if assignment is None:
                assignment = _Assignment(record)
                totals.records += 1
            case rec.AmountItem1() if assignment is not None:
                if record.transaction_number <= assignment.last_number:
                    raise BankFileRejected(
                        f"transaction number {record.transaction_number} does not follow {assignment.last_number}",
                        record.line,
                        code="structure",
                    )
                if record.amount_ore == 0:
                    raise BankFileRejected("a transaction of 0 øre", record.line, code="field")
                assignment.last_number = record.transaction_number
                assignment.records += 1
                assignment.transactions += 1
                assignment.total_ore += record.amount_ore
                day = record.nets_date
                if assignment.earliest is None or day < assignment.earliest:
                    assignment.earliest = day
                if assignment.latest is None or day > assignment.latest:
                    assignment.latest = day
                totals.records += 1
                if record.negative or record.transaction_type in rec.REVERSAL_TYPES:
                    totals.debit_ore += record.amount_ore
                else:
                    totals.credit_ore += record.amount_ore
                pending = record
            case rec.AssignmentEnd() if assignment is not None:
                assignment.records += 1
                _reconcile_assignment(assignment, record)
                totals.records += 1
                totals.transactions += assignment.transactions
                totals.total_ore += assignment.total_ore
                assignment = None
            case rec.TransmissionEnd() if assignment is None:
                totals.records += 1
                _reconcile_transmission(totals, record)
                end = record
            case _:
                expected = "an assignment start (20) or the transmission end (89)"
                if assignment is not None:
                    expected = "amount item 1 (30) or the assignment end (88)"
                raise _out_of_place(record, expected)
    if end is None:
        raise BankFileRejected(
            "the file ends before the transmission end record (89): truncated?", None, code="structure"
        )
    if summary is not None:
        summary.append(Summary(first, end, totals.transactions, totals.credit_ore, totals.debit_ore))


def _same_transaction(item1: rec.AmountItem1, item: rec.AmountItem2 | rec.AmountItem3) -> None:
    if item.transaction_number != item1.transaction_number or item.transaction_type != item1.transaction_type:
        raise BankFileRejected(
            f"transaction {item.transaction_number} type {item.transaction_type:02d} does not continue "
            f"transaction {item1.transaction_number} type {item1.transaction_type:02d} of line {item1.line}",
            item.line,
            code="structure",
        )


def _reconcile_assignment(assignment: _Assignment, end: rec.AssignmentEnd) -> None:
    if end.transactions != assignment.transactions:
        raise _mismatch(end.line, "number of transactions in the assignment", end.transactions, assignment.transactions)
    if end.records != assignment.records:
        raise _mismatch(end.line, "number of records in the assignment", end.records, assignment.records)
    if end.total_ore != assignment.total_ore:
        raise _mismatch(end.line, "total amount (øre) of the assignment", end.total_ore, assignment.total_ore)
    if end.earliest != assignment.earliest:
        raise _mismatch(end.line, "earliest Nets date of the assignment", end.earliest, assignment.earliest)
    if end.latest != assignment.latest:
        raise _mismatch(end.line, "latest Nets date of the assignment", end.latest, assignment.latest)


def _reconcile_transmission(totals: _Totals, end: rec.TransmissionEnd) -> None:
    if end.transactions != totals.transactions:
        raise _mismatch(end.line, "number of transactions in the transmission", end.transactions, totals.transactions)
    if end.records != totals.records:
        raise _mismatch(end.line, "number of records in the transmission", end.records, totals.records)
    if end.total_ore != totals.total_ore:
        raise _mismatch(end.line, "total amount (øre) of the transmission", end.total_ore, totals.total_ore)


def validate(data: bytes) -> Summary:
    """Read the whole file once (nothing kept) and return its reconciled summary, or raise."""
    summary: list[Summary] = []
    for _ in transactions(data, summary):
        pass
    return summary[0]


def entry(transmission: rec.TransmissionStart, transaction: Transaction) -> BankEntry:
    """The contract's view of one transaction (see docs/formats-bank.md for the reference)."""
    item1, item2 = transaction.item1, transaction.item2
    return BankEntry(
        reference=f"{transmission.transmission_number}-{transaction.assignment.assignment_number}-{item1.transaction_number}",
        amount_ore=item1.amount_ore,
        credit=transaction.credit,
        kid=item1.kid,
        message=transaction.text,
        booking_date=item1.nets_date,
        value_date=None,
        payer_name=None,
        payer_account=item2.debit_account,
        account=transaction.assignment.account,
        end_to_end_id=None,
        line=item1.line,
    )


def read_ocr(data: bytes) -> BankFile:
    """Validate the whole transmission, then hand out its entries lazily; raises `BankFileRejected`."""
    summary = validate(data)
    start = summary.start

    def entries() -> Iterator[BankEntry]:
        for transaction in transactions(data):
            yield entry(start, transaction)

    return BankFile(
        format=FORMAT,
        identity=f"{start.data_recipient}-{start.transmission_number}",
        created=datetime.combine(summary.end.nets_date, time(), OSLO),
        entries=entries(),
        count=summary.transactions,
        credit_ore=summary.credit_ore,
        debit_ore=summary.debit_ore,
    )
