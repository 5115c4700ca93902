"""Nets OCR giro records: one 80-character ISO-8859-1 line → one record object.

Layouts from Nets' "OCR giro – System manual" (sections 2.2–2.6). Each parser checks its fixed
values, that numeric fields are digits, fillers are zeros and dates are real dates, and raises
`BankFileRejected` with the line otherwise. How records belong together (and the control totals)
is `ocr.py`'s business.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from klientportal.formats.bank.model import BankFileRejected

RECORD_LENGTH = 80
OCR_GIRO = b"09"
AVTALEGIRO = b"21"
TEXT_TYPES = frozenset((20, 21))  # terminal and internet payments with free text: amount item 3 follows
REVERSAL_TYPES = frozenset((18, 20))
TRANSACTION_TYPES = frozenset(range(10, 22))


@dataclass(frozen=True, slots=True)
class TransmissionStart:
    line: int
    data_transmitter: str
    transmission_number: str
    data_recipient: str


@dataclass(frozen=True, slots=True)
class AssignmentStart:
    line: int
    service_code: int
    agreement_id: str
    assignment_number: str
    account: str


@dataclass(frozen=True, slots=True)
class AmountItem1:
    line: int
    transaction_type: int
    transaction_number: int
    nets_date: date
    centre_id: str
    day_code: int
    partial_settlement_number: int
    partial_settlement_serial_number: str
    negative: bool
    amount_ore: int
    kid: str | None


@dataclass(frozen=True, slots=True)
class AmountItem2:
    line: int
    transaction_type: int
    transaction_number: int
    form_number: str
    reference: str
    bank_date: date | None
    debit_account: str | None


@dataclass(frozen=True, slots=True)
class AmountItem3:
    line: int
    transaction_type: int
    transaction_number: int
    text: str | None


@dataclass(frozen=True, slots=True)
class AssignmentEnd:
    line: int
    service_code: int
    transactions: int
    records: int
    total_ore: int
    nets_date: date
    earliest: date | None
    latest: date | None


@dataclass(frozen=True, slots=True)
class TransmissionEnd:
    line: int
    transactions: int
    records: int
    total_ore: int
    nets_date: date


Record = TransmissionStart | AssignmentStart | AmountItem1 | AmountItem2 | AmountItem3 | AssignmentEnd | TransmissionEnd

_ZEROS = b"0" * RECORD_LENGTH
# Fast paths for the transaction records: a record matching its whole layout at once is built from
# the groups; any other goes through the field-by-field checks, which name the field at fault.
_ITEM1 = re.compile(rb"NY09(\d\d)30(\d{7})(\d{6})(\d\d)(\d\d)(\d)(\d{5})([-0])(\d{17})( *)(\d+-?|)000000")
_ITEM2 = re.compile(rb"NY09(\d\d)31(\d{7})(\d{10})(\d{9})0000000(\d{6})(\d{11})0{22}")
_dates: dict[bytes, date] = {}


def _reject(line: int, code: str, reason: str) -> BankFileRejected:
    return BankFileRejected(reason, line, code=code)


def _digits(raw: bytes, start: int, end: int, line: int, what: str) -> bytes:
    """Positions `start`..`end` (1-based, inclusive, as in the manual) as digits."""
    value = raw[start - 1 : end]
    if not value.isdigit():
        raise _reject(line, "field", f"{what} (positions {start}-{end}) must be digits, is {value.decode('latin-1')!r}")
    return value


def _zeros(raw: bytes, start: int, end: int, line: int) -> None:
    if raw[start - 1 : end] != _ZEROS[: end - start + 1]:
        value = raw[start - 1 : end].decode("latin-1")
        raise _reject(line, "field", f"filler (positions {start}-{end}) must be zeros, is {value!r}")


def _date(raw: bytes, start: int, line: int, what: str, *, optional: bool = False) -> date | None:
    """DDMMYY; two-digit years as Python's %y reads them (69-99 → 19xx, 00-68 → 20xx)."""
    value = raw[start - 1 : start + 5]
    cached = _dates.get(value)
    if cached is not None:
        return cached
    if optional and value == b"000000":
        return None
    if not value.isdigit():
        raise _reject(
            line, "field", f"{what} (positions {start}-{start + 5}) is not a date: {value.decode('latin-1')!r}"
        )
    yy = int(value[4:6])
    try:
        parsed = date(1900 + yy if yy >= 69 else 2000 + yy, int(value[2:4]), int(value[0:2]))
    except ValueError:
        raise _reject(
            line, "field", f"{what} (positions {start}-{start + 5}) is not a date: {value.decode()!r}"
        ) from None
    _dates[value] = parsed
    return parsed


def _required_date(raw: bytes, start: int, line: int, what: str) -> date:
    parsed = _date(raw, start, line, what)
    assert parsed is not None
    return parsed


def _fixed(raw: bytes, start: int, expected: bytes, line: int, what: str) -> None:
    value = raw[start - 1 : start - 1 + len(expected)]
    if value != expected:
        shown = value.decode("latin-1")
        raise _reject(line, "field", f"{what} (position {start}) must be {expected.decode()}, is {shown!r}")


def _transaction_type(raw: bytes, line: int) -> int:
    value = int(_digits(raw, 5, 6, line, "transaction type"))
    if value not in TRANSACTION_TYPES:
        raise _reject(line, "field", f"transaction type {value:02d} is not an OCR giro transaction type (10-21)")
    return value


def transmission_start(raw: bytes, line: int) -> TransmissionStart:
    _fixed(raw, 3, b"0000", line, "service code and transmission type")
    _zeros(raw, 32, 80, line)
    return TransmissionStart(
        line,
        _digits(raw, 9, 16, line, "data transmitter").decode(),
        _digits(raw, 17, 23, line, "transmission number").decode(),
        _digits(raw, 24, 31, line, "data recipient").decode(),
    )


def assignment_start(raw: bytes, line: int) -> AssignmentStart:
    service = raw[2:4]
    if service == AVTALEGIRO:
        raise _reject(
            line,
            "avtalegiro",
            "an AvtaleGiro assignment (service code 21: agreements or payment claims) carries no incoming "
            "payments; AvtaleGiro payments arrive in OCR giro files as transaction type 15",
        )
    if service != OCR_GIRO:
        raise _reject(line, "service", f"service code {service.decode('latin-1')!r} is not OCR giro (09)")
    _fixed(raw, 5, b"00", line, "assignment type")
    _zeros(raw, 36, 80, line)
    return AssignmentStart(
        line,
        9,
        _digits(raw, 9, 17, line, "agreement id").decode(),
        _digits(raw, 18, 24, line, "assignment number").decode(),
        _digits(raw, 25, 35, line, "assignment account").decode(),
    )


def amount_item_1(raw: bytes, line: int) -> AmountItem1:
    match = _ITEM1.fullmatch(raw)
    if match is not None and int(match[1]) in TRANSACTION_TYPES:
        kind, number, _, centre, day, partial, serial, sign, amount, _, kid = match.groups()
        return AmountItem1(
            line,
            int(kind),
            int(number),
            _required_date(raw, 16, line, "Nets date"),
            centre.decode(),
            int(day),
            int(partial),
            serial.decode(),
            sign == b"-",
            int(amount),
            kid.decode() or None,
        )
    kind = _transaction_type(raw, line)
    sign = raw[31:32]
    if sign not in (b"0", b"-"):
        raise _reject(line, "field", f"sign (position 32) must be 0 or -, is {sign.decode('latin-1')!r}")
    kid = raw[49:74].lstrip(b" ")
    if kid and not (kid.isdigit() or (kid[-1:] == b"-" and kid[:-1].isdigit())):
        raise _reject(
            line, "field", f"KID (positions 50-74) must be digits right-aligned, is {kid.decode('latin-1')!r}"
        )
    _zeros(raw, 75, 80, line)
    return AmountItem1(
        line,
        kind,
        int(_digits(raw, 9, 15, line, "transaction number")),
        _required_date(raw, 16, line, "Nets date"),
        _digits(raw, 22, 23, line, "centre id").decode(),
        int(_digits(raw, 24, 25, line, "day code")),
        int(_digits(raw, 26, 26, line, "partial settlement number")),
        _digits(raw, 27, 31, line, "partial settlement serial number").decode(),
        sign == b"-",
        int(_digits(raw, 33, 49, line, "amount")),
        kid.decode() or None,
    )


def amount_item_2(raw: bytes, line: int) -> AmountItem2:
    match = _ITEM2.fullmatch(raw)
    if match is not None and int(match[1]) in TRANSACTION_TYPES:
        kind, number, form, reference, _, account = match.groups()
        return AmountItem2(
            line,
            int(kind),
            int(number),
            form.decode(),
            reference.decode(),
            _date(raw, 42, line, "bank date", optional=True),
            None if account == b"00000000000" else account.decode(),
        )
    kind = _transaction_type(raw, line)
    debit_account = _digits(raw, 48, 58, line, "debit account")
    _zeros(raw, 59, 80, line)
    return AmountItem2(
        line,
        kind,
        int(_digits(raw, 9, 15, line, "transaction number")),
        _digits(raw, 16, 25, line, "form number").decode(),
        _digits(raw, 26, 34, line, "archive reference").decode(),
        _date(raw, 42, line, "bank date", optional=True),
        None if debit_account == b"00000000000" else debit_account.decode(),
    )


def amount_item_3(raw: bytes, line: int) -> AmountItem3:
    kind = _transaction_type(raw, line)
    _zeros(raw, 56, 80, line)
    text = raw[15:55].decode("latin-1").strip()
    return AmountItem3(line, kind, int(_digits(raw, 9, 15, line, "transaction number")), text or None)


def assignment_end(raw: bytes, line: int) -> AssignmentEnd:
    service = raw[2:4]
    if service != OCR_GIRO:
        raise _reject(line, "service", f"service code {service.decode('latin-1')!r} is not OCR giro (09)")
    _fixed(raw, 5, b"00", line, "assignment type")
    _zeros(raw, 60, 80, line)
    return AssignmentEnd(
        line,
        9,
        int(_digits(raw, 9, 16, line, "number of transactions")),
        int(_digits(raw, 17, 24, line, "number of records")),
        int(_digits(raw, 25, 41, line, "total amount")),
        _required_date(raw, 42, line, "Nets date"),
        _date(raw, 48, line, "earliest Nets date", optional=True),
        _date(raw, 54, line, "latest Nets date", optional=True),
    )


def transmission_end(raw: bytes, line: int) -> TransmissionEnd:
    _fixed(raw, 3, b"0000", line, "service code and transmission type")
    _zeros(raw, 48, 80, line)
    return TransmissionEnd(
        line,
        int(_digits(raw, 9, 16, line, "number of transactions")),
        int(_digits(raw, 17, 24, line, "number of records")),
        int(_digits(raw, 25, 41, line, "total amount")),
        _required_date(raw, 42, line, "Nets date"),
    )
