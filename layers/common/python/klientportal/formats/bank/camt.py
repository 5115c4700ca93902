"""ISO 20022 camt.053.001.02 / camt.054.001.02 reader (being written: until then every camt is refused)."""

from __future__ import annotations

from klientportal.formats.bank.model import BankFile, BankFileRejected


def read_camt(data: bytes) -> BankFile:
    raise BankFileRejected("camt reading is not implemented yet", None, code="unsupported")
