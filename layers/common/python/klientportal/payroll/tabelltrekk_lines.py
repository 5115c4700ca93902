"""``klientportal payroll tabelltrekk``: JSON lines in, the same lines with ``withholding`` out.

Each input line is an object ``{"year": 2026, "table": "8010", "period": "month", "gross":
"35000"}`` (``gross`` a string or a JSON number, read exactly, never as a float); the line is
written back as it came with ``"withholding": "<whole kroner>"`` added, computed by the same
:func:`klientportal.payroll.tabelltrekk.withholding` the payroll run uses. A line that cannot be
answered is written as ``{"line": n, "error": "...", "input": "<the line>"}`` in its place and
the command exits 1 after reading everything. Blank lines are skipped.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from decimal import Decimal
from typing import IO

from klientportal.payroll.tabelltrekk import TabelltrekkError, withholding

_FIELDS = ("year", "table", "period", "gross")


def answer_line(text: str) -> str:
    """The line with ``withholding`` added (the input's text kept as it was, numbers included).

    Raises TabelltrekkError for a line that cannot be answered.
    """
    try:
        item = json.loads(text, parse_float=Decimal, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise TabelltrekkError(f"not JSON: {exc.msg} at column {exc.colno}") from None
    if not isinstance(item, dict):
        raise TabelltrekkError("a line must be a JSON object")
    missing = [name for name in _FIELDS if name not in item]
    if missing:
        raise TabelltrekkError(f"missing {', '.join(missing)}")
    year, table, period, gross = (item[name] for name in _FIELDS)
    if not isinstance(year, int) or isinstance(year, bool):
        raise TabelltrekkError("year must be an integer")
    if not isinstance(table, str):
        raise TabelltrekkError('table must be a string such as "8010"')
    if not isinstance(period, str):
        raise TabelltrekkError('period must be a string such as "month"')
    if not isinstance(gross, str | int | Decimal) or isinstance(gross, bool):
        raise TabelltrekkError('gross must be an amount, e.g. "35000" or "35000.50"')
    if "withholding" in item:
        raise TabelltrekkError("the line already has a withholding")
    amount = withholding(table, period, gross, year=year)
    body = text.rstrip()
    return f'{body[:-1].rstrip()}, "withholding": "{amount}"}}'


def _no_constant(name: str) -> None:
    raise TabelltrekkError(f"{name} is not an amount")


def run(lines: Iterable[str], out: IO[str], err: IO[str]) -> int:
    refused = answered = 0
    for number, raw in enumerate(lines, start=1):
        text = raw.rstrip("\r\n")
        if not text.strip():
            continue
        try:
            out.write(answer_line(text) + "\n")
            answered += 1
        except TabelltrekkError as exc:
            error = {"line": number, "error": str(exc), "input": text}
            out.write(json.dumps(error, ensure_ascii=False) + "\n")
            refused += 1
    if refused:
        err.write(f"tabelltrekk: {refused} line(s) refused, {answered} answered\n")
        return 1
    return 0


def main(files: list[str]) -> int:
    if not files or files == ["-"]:
        return run(sys.stdin, sys.stdout, sys.stderr)
    status = 0
    for name in files:
        with open(name, encoding="utf-8") as handle:
            status = max(status, run(handle, sys.stdout, sys.stderr))
    return status
