"""Skatteetaten's SAF-T code lists, read with the encoding each file actually has."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest


def read_saft_csv(path: Path) -> list[dict[str, str]]:
    """Rows of a ';'-separated SAF-T CSV; UTF-16, UTF-8 (with or without BOM) or cp1252."""
    raw = path.read_bytes()
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = raw.decode("utf-16")
    else:
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = raw.decode("cp1252")
    return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(text.splitlines(), delimiter=";")]


@pytest.fixture(scope="session")
def saft_tax_codes(conformance_dir: Path) -> dict[str, dict[str, str]]:
    rows = read_saft_csv(conformance_dir / "saft" / "standard-tax-codes" / "Standard_Tax_Codes.csv")
    return {row["Code"]: row for row in rows}


@pytest.fixture(scope="session")
def saft_standard_accounts(conformance_dir: Path) -> dict[str, dict[str, str]]:
    path = (
        conformance_dir
        / "saft"
        / "general-ledger-standard-accounts"
        / "General_Ledger_Standard_Accounts_4_character.csv"
    )
    return {row["AccountID"]: row for row in read_saft_csv(path)}
