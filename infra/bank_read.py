"""`klientportal bank read FILE`: print what a bank file holds as JSON, or refuse it (exit 1) with the
reason and line. OCR giro, camt.053 and camt.054 through `read_bank_file`; a pain.001 or pain.002 is
read with its own reader. Entries are written as they are read, so a large OCR file stays flat."""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any, TextIO

from klientportal.formats.bank import BankFile, BankFileRejected, read_bank_file


def _plain(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    return value


def _write_bank_file(read: BankFile, out: TextIO, *, summary_only: bool) -> None:
    head = {
        "format": read.format,
        "identity": read.identity,
        "created": _plain(read.created),
        "count": read.count,
        "credit_ore": read.credit_ore,
        "debit_ore": read.debit_ore,
    }
    if summary_only:
        out.write(json.dumps(head, ensure_ascii=False, indent=2) + "\n")
        return
    out.write(json.dumps(head, ensure_ascii=False, indent=2)[:-2] + ',\n  "entries": [')
    for n, entry in enumerate(read.entries):
        out.write(("," if n else "") + "\n    " + json.dumps(_plain(entry), ensure_ascii=False))
    out.write("\n  ]\n}\n")


def _read_xml_message(data: bytes) -> dict[str, Any] | None:
    """A pain.001 or pain.002 as plain data; None for anything else (left to read_bank_file)."""
    from klientportal.formats.bank import iso20022

    head = data[:2048]
    if iso20022.PAIN002.encode() in head:
        from klientportal.formats.bank.pain002 import read_pain002

        return {"format": "pain.002", **_plain(read_pain002(data))}
    if iso20022.PAIN001.encode() in head:
        from klientportal.formats.bank.pain001 import read_pain001

        return {"format": "pain.001", **_plain(read_pain001(data))}
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="klientportal bank read", description=__doc__)
    parser.add_argument("file", type=Path)
    parser.add_argument("--summary", action="store_true", help="only the file's identity and totals, not its entries")
    args = parser.parse_args(argv)
    try:
        data = args.file.read_bytes()
    except OSError as exc:
        print(json.dumps({"error": "unreadable-file", "reason": str(exc)}), file=sys.stderr)
        return 2
    try:
        message = _read_xml_message(data)
        if message is not None:
            print(json.dumps(message, ensure_ascii=False, indent=2))
            return 0
        _write_bank_file(read_bank_file(data), sys.stdout, summary_only=args.summary)
    except BankFileRejected as exc:
        refusal = {"error": exc.code, "reason": exc.reason, "line": exc.line, "file": str(args.file)}
        print(json.dumps(refusal, ensure_ascii=False), file=sys.stderr)
        return 1
    return 0
