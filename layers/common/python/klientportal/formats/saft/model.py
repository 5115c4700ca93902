"""What a SAF-T Financial 1.30 file holds, as plain values (amounts Decimal kroner, two decimals)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True)
class Company:
    orgnr: str
    name: str
    contact_first_name: str
    contact_last_name: str
    street: str | None = None
    postal_code: str | None = None
    city: str | None = None
    mva_registered: bool = True


@dataclass(frozen=True)
class Header:
    company: Company
    created: dt.date
    start: dt.date
    end: dt.date
    software_company: str = "Klientportal"
    software_id: str = "Klientportal"
    software_version: str = "1"
    currency: str = "NOK"


@dataclass(frozen=True)
class Account:
    """A general-ledger account with its næringsspesifikasjon grouping and balances (opening and
    closing as a net amount: positive = debit)."""

    account_id: str
    description: str
    grouping_category: str
    grouping_code: str
    opening: Decimal
    closing: Decimal


@dataclass(frozen=True)
class Party:
    """A customer or supplier with its balance on one control account (1500 / 2400)."""

    party_id: str
    name: str
    account_id: str
    opening: Decimal
    closing: Decimal
    orgnr: str | None = None


@dataclass(frozen=True)
class TaxCode:
    code: str
    description: str
    percentage: Decimal
    compensation: bool


@dataclass(frozen=True)
class TaxInfo:
    code: str
    percentage: Decimal
    base: Decimal
    amount: Decimal  # positive = debit


@dataclass(frozen=True)
class Line:
    record_id: str
    account_id: str
    description: str
    amount: Decimal  # positive = debit
    customer_id: str | None = None
    supplier_id: str | None = None
    tax: TaxInfo | None = None


@dataclass(frozen=True)
class Transaction:
    transaction_id: str
    period: int
    year: int
    date: dt.date
    description: str
    system_entry_date: dt.date
    voucher_type: str
    source_id: str | None
    lines: tuple[Line, ...]
    customer_id: str | None = None
    supplier_id: str | None = None


@dataclass(frozen=True)
class Journal:
    journal_id: str
    description: str
    type: str
    transactions: tuple[Transaction, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class AuditFile:
    header: Header
    accounts: tuple[Account, ...]
    customers: tuple[Party, ...]
    suppliers: tuple[Party, ...]
    tax_codes: tuple[TaxCode, ...]
    journals: tuple[Journal, ...]
