"""Bank files, I/O-free (contract 3): read Nets OCR giro, camt.053 and camt.054 into `BankFile`s;
build pain.001 credit transfers and read pain.002 status reports (see docs/formats-bank.md)."""

from __future__ import annotations

from klientportal.formats.bank.model import BankEntry, BankFile, BankFileRejected
from klientportal.formats.bank.read import read_bank_file, sniff

__all__ = ["BankEntry", "BankFile", "BankFileRejected", "read_bank_file", "sniff"]
