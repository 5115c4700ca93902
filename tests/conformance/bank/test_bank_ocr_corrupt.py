"""A corrupt OCR giro file is refused whole, with the line and the reason, for every kind of fault."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from klientportal.formats.bank import BankFileRejected, read_bank_file
from klientportal.formats.bank.ocr import transactions

Lines = list[str]


@pytest.fixture(scope="module")
def sample(conformance_dir: Path) -> Lines:
    """The netsgiro sample: one assignment, 20 transactions (types 10-21, one free-text 21) on lines 3-43."""
    return (
        (conformance_dir / "nets-ocr" / "netsgiro" / "ocr_giro_transactions.txt").read_text("iso-8859-1").splitlines()
    )


def _put(lines: Lines, number: int, start: int, value: str) -> Lines:
    """Overwrite positions start.. (1-based) of line `number` (1-based)."""
    changed = list(lines)
    line = changed[number - 1]
    changed[number - 1] = line[: start - 1] + value + line[start - 1 + len(value) :]
    return changed


def _refused(lines: Lines, *, encoding: str = "iso-8859-1", ending: str = "\n") -> BankFileRejected:
    data = (ending.join(lines) + ending).encode(encoding)
    with pytest.raises(BankFileRejected) as refused:
        read_bank_file(data)
    return refused.value


def _end(lines: Lines) -> int:
    return len(lines)


CASES: dict[str, tuple[Callable[[Lines], Lines], str, Callable[[Lines], int | None], str]] = {
    # name: (mutation, code, line, words in the reason)
    "record one character short": (lambda ls: [*ls[:5], ls[5][:-1], *ls[6:]], "record-length", lambda _: 6, "79"),
    "record one character long": (lambda ls: [*ls[:5], ls[5] + "0", *ls[6:]], "record-length", lambda _: 6, "81"),
    "empty line in the middle": (lambda ls: [*ls[:7], "", *ls[7:]], "record-length", lambda _: 8, "empty"),
    "unknown record type": (lambda ls: _put(ls, 6, 7, "33"), "record-type", lambda _: 6, "'33'"),
    "format code not NY": (lambda ls: _put(ls, 6, 1, "XY"), "record-type", lambda _: 6, "NY"),
    "amount not digits": (lambda ls: _put(ls, 6, 40, "12a"), "field", lambda _: 6, "amount"),
    "impossible Nets date": (lambda ls: _put(ls, 6, 16, "310292"), "field", lambda _: 6, "Nets date"),
    "KID with a letter": (lambda ls: _put(ls, 6, 70, "A"), "field", lambda _: 6, "KID"),
    "filler not zeros": (lambda ls: _put(ls, 1, 60, "1"), "field", lambda _: 1, "filler"),
    "item 2 of another transaction": (lambda ls: _put(ls, 7, 9, "0000009"), "structure", lambda _: 7, "continue"),
    "item 2 missing": (lambda ls: [*ls[:6], *ls[7:]], "structure", lambda _: 7, "amount item 2"),
    "item 3 missing for a free-text type": (lambda ls: [*ls[:4], *ls[5:]], "structure", lambda _: 5, "amount item 3"),
    "transaction numbers not increasing": (
        lambda ls: _put(_put(ls, 8, 9, "0000001"), 9, 9, "0000001"),
        "structure",
        lambda _: 8,
        "follow",
    ),
    "assignment end missing": (lambda ls: [*ls[:-2], ls[-1]], "structure", lambda ls: len(ls) - 1, "assignment end"),
    "transmission end missing": (lambda ls: ls[:-1], "structure", lambda _: None, "truncated"),
    "record after the end": (lambda ls: [*ls, ls[-1]], "structure", lambda ls: len(ls) + 1, "after"),
    "no transmission start": (lambda ls: ls[1:], "structure", lambda _: 1, "transmission start"),
    "assignment count of transactions": (
        lambda ls: _put(ls, len(ls) - 1, 9, "00000021"),
        "control-total",
        lambda ls: len(ls) - 1,
        "number of transactions in the assignment",
    ),
    "assignment count of records": (
        lambda ls: _put(ls, len(ls) - 1, 17, "00000042"),
        "control-total",
        lambda ls: len(ls) - 1,
        "number of records in the assignment",
    ),
    "assignment total amount": (
        lambda ls: _put(ls, len(ls) - 1, 25, "00000000005144901"),
        "control-total",
        lambda ls: len(ls) - 1,
        "total amount (øre) of the assignment",
    ),
    "assignment earliest date": (
        lambda ls: _put(ls, len(ls) - 1, 48, "190192"),
        "control-total",
        lambda ls: len(ls) - 1,
        "earliest",
    ),
    "assignment latest date": (
        lambda ls: _put(ls, len(ls) - 1, 54, "210192"),
        "control-total",
        lambda ls: len(ls) - 1,
        "latest",
    ),
    "transmission count of transactions": (
        lambda ls: _put(ls, len(ls), 9, "00000019"),
        "control-total",
        _end,
        "number of transactions in the transmission",
    ),
    "transmission count of records": (
        lambda ls: _put(ls, len(ls), 17, "00000044"),
        "control-total",
        _end,
        "number of records in the transmission",
    ),
    "transmission total amount": (
        lambda ls: _put(ls, len(ls), 25, "00000000005144800"),
        "control-total",
        _end,
        "total amount (øre) of the transmission",
    ),
    "zero amount": (
        lambda ls: _put(
            _put(_put(ls, 3, 33, "0" * 17), len(ls) - 1, 25, "00000000005042900"), len(ls), 25, "00000000005042900"
        ),
        "field",
        lambda _: 3,
        "0 øre",
    ),
}


@pytest.mark.parametrize("name", CASES)
def test_corrupt_file_is_refused_with_line_and_reason(sample: Lines, name: str) -> None:
    mutate, code, line, words = CASES[name]
    changed = mutate(sample)
    refused = _refused(changed)
    assert (refused.code, refused.line) == (code, line(sample)), refused
    assert words in refused.reason


def test_the_sample_itself_is_read(sample: Lines) -> None:
    assert read_bank_file(("\n".join(sample) + "\n").encode("iso-8859-1")).count == 20


def test_crlf_and_no_final_newline_are_read(sample: Lines) -> None:
    assert read_bank_file(("\r\n".join(sample) + "\r\n").encode()).count == 20
    assert read_bank_file("\n".join(sample).encode()).count == 20


def test_latin1_text_is_read_and_utf8_is_refused(sample: Lines) -> None:
    with_text = _put(sample, 5, 16, "Blåbær og Ærlig øl".ljust(18))
    entries = list(read_bank_file(("\n".join(with_text) + "\n").encode("iso-8859-1")).entries)
    assert entries[0].message == "Blåbær og Ærlig øl"
    refused = _refused(with_text, encoding="utf-8")
    assert (refused.code, refused.line) == ("encoding", 5)
    assert "UTF-8" in refused.reason


def test_control_characters_and_byte_order_marks_are_encoding_faults(sample: Lines) -> None:
    refused = _refused(_put(sample, 5, 20, "\x85"), encoding="latin-1")
    assert (refused.code, refused.line) == ("encoding", 5)
    with pytest.raises(BankFileRejected) as bom:
        read_bank_file(b"\xef\xbb\xbf" + ("\n".join(sample)).encode())
    assert (bom.value.code, bom.value.line) == ("encoding", 1)
    with pytest.raises(BankFileRejected) as utf16:
        read_bank_file("\n".join(sample).encode("utf-16-le"))
    assert utf16.value.code in {"unknown-format", "encoding", "record-length"}


def test_nothing_is_handed_out_of_a_file_refused_at_its_last_record(sample: Lines) -> None:
    """The streaming generator has yielded 20 transactions by the time it sees the wrong total;
    read_bank_file refuses before giving out any entry."""
    changed = _put(sample, len(sample), 25, "00000000005144800")
    data = ("\n".join(changed) + "\n").encode()
    seen = []
    with pytest.raises(BankFileRejected):
        for t in transactions(data):
            seen.append(t)
    assert len(seen) == 20
    with pytest.raises(BankFileRejected):
        read_bank_file(data)


def test_reversal_is_a_debit_and_counts_in_the_total_unsubtracted(sample: Lines) -> None:
    """Type 18 (reversal with KID): the end records add it (manual 2.5, field 7); it is money out."""
    changed = _put(_put(sample, 6, 5, "18"), 7, 5, "18")
    read = read_bank_file(("\n".join(changed) + "\n").encode())
    entries = list(read.entries)
    assert [e.credit for e in entries].count(False) == 1
    assert read.debit_ore == entries[1].amount_ore == 102000
    assert read.credit_ore + read.debit_ore == 5144900
