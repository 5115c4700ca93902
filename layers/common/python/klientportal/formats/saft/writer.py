"""The SAF-T Financial 1.30 XML of an `AuditFile` (namespace urn:StandardAuditFile-Taxation-Financial:NO).
Pure: values in, UTF-8 bytes out. Amounts are written as they are (two decimals), never rounded here;
a net balance or line amount becomes the debit or the credit element (the schema's choice)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from decimal import Decimal

from klientportal.formats.saft.model import Account, AuditFile, Company, Line, Party, TaxInfo, Transaction

NS = "urn:StandardAuditFile-Taxation-Financial:NO"
VERSION = "1.30"
ZERO = Decimal("0.00")
_MAX = {"middle1": 35, "middle2": 70, "long": 256, "short": 18}


def _q(tag: str) -> str:
    return f"{{{NS}}}{tag}"


def _add(parent: ET.Element, tag: str, text: object | None = None) -> ET.Element:
    el = ET.SubElement(parent, _q(tag))
    if text is not None:
        el.text = str(text)
    return el


def _money(value: Decimal) -> str:
    if value != value.quantize(Decimal("0.01")):
        raise ValueError(f"{value} has more than two decimals")
    return f"{value:.2f}"


def _text(value: str, kind: str) -> str:
    """Text cut to the schema's length (SAFmiddle1 35, middle2 70, long 256, short 18)."""
    return value[: _MAX[kind]] or "-"


def _split(parent: ET.Element, prefix: str, net: Decimal) -> None:
    """<prefix>DebitBalance, or <prefix>CreditBalance for a credit balance (the schema's choice)."""
    _add(parent, f"{prefix}DebitBalance" if net >= 0 else f"{prefix}CreditBalance", _money(abs(net)))


def _amount(parent: ET.Element, tag: str, value: Decimal) -> None:
    _add(_add(parent, tag), "Amount", _money(value))


def _company(parent: ET.Element, c: Company) -> None:
    _add(parent, "RegistrationNumber", c.orgnr)
    _add(parent, "Name", _text(c.name, "long"))
    address = _add(parent, "Address")
    if c.street:
        _add(address, "StreetName", _text(c.street, "long"))
    if c.city:
        _add(address, "City", _text(c.city, "long"))
    if c.postal_code:
        _add(address, "PostalCode", _text(c.postal_code, "middle2"))
    _add(address, "Country", "NO")
    contact = _add(_add(parent, "Contact"), "ContactPerson")
    _add(contact, "FirstName", _text(c.contact_first_name, "middle1"))
    _add(contact, "LastName", _text(c.contact_last_name, "middle2"))
    if c.mva_registered:
        tax = _add(parent, "TaxRegistration")
        _add(tax, "TaxRegistrationNumber", f"{c.orgnr}MVA")
        _add(tax, "TaxAuthority", "Skatteetaten")


def _account(parent: ET.Element, a: Account) -> None:
    el = _add(parent, "Account")
    _add(el, "AccountID", a.account_id)
    _add(el, "AccountDescription", _text(a.description, "long"))
    _add(el, "GroupingCategory", a.grouping_category)
    _add(el, "GroupingCode", a.grouping_code)
    _add(el, "AccountType", "GL")
    _split(el, "Opening", a.opening)
    _split(el, "Closing", a.closing)


def _party(parent: ET.Element, tag: str, p: Party) -> None:
    el = _add(parent, tag)
    if p.orgnr:
        _add(el, "RegistrationNumber", p.orgnr)
    _add(el, "Name", _text(p.name, "long"))
    _add(el, f"{tag}ID", _text(p.party_id, "middle1"))
    balance = _add(el, "BalanceAccount")
    _add(balance, "AccountID", p.account_id)
    _split(balance, "Opening", p.opening)
    _split(balance, "Closing", p.closing)


def _tax(parent: ET.Element, t: TaxInfo) -> None:
    el = _add(parent, "TaxInformation")
    _add(el, "TaxType", "MVA")
    _add(el, "TaxCode", t.code)
    _add(el, "TaxPercentage", f"{t.percentage.normalize():f}")
    _add(el, "TaxBase", _money(abs(t.base)))
    _amount(el, "DebitTaxAmount" if t.amount >= 0 else "CreditTaxAmount", abs(t.amount))


def _line(parent: ET.Element, line: Line) -> None:
    el = _add(parent, "Line")
    _add(el, "RecordID", _text(line.record_id, "short"))
    _add(el, "AccountID", line.account_id)
    if line.customer_id:
        _add(el, "CustomerID", line.customer_id)
    if line.supplier_id:
        _add(el, "SupplierID", line.supplier_id)
    _add(el, "Description", _text(line.description, "long"))
    _amount(el, "DebitAmount" if line.amount >= 0 else "CreditAmount", abs(line.amount))
    if line.tax is not None:
        _tax(el, line.tax)


def _transaction(parent: ET.Element, t: Transaction) -> None:
    el = _add(parent, "Transaction")
    _add(el, "TransactionID", _text(t.transaction_id, "middle2"))
    _add(el, "Period", t.period)
    _add(el, "PeriodYear", t.year)
    _add(el, "TransactionDate", t.date.isoformat())
    if t.source_id:
        _add(el, "SourceID", _text(t.source_id, "middle1"))
    _add(el, "VoucherType", _text(t.voucher_type, "middle2"))
    _add(el, "Description", _text(t.description, "long"))
    _add(el, "SystemEntryDate", t.system_entry_date.isoformat())
    _add(el, "GLPostingDate", t.date.isoformat())
    if t.customer_id:
        _add(el, "CustomerID", t.customer_id)
    if t.supplier_id:
        _add(el, "SupplierID", t.supplier_id)
    for line in t.lines:
        _line(el, line)


def write(audit: AuditFile) -> bytes:
    """The audit file as SAF-T Financial 1.30 XML (UTF-8, with declaration)."""
    ET.register_namespace("", NS)
    root = ET.Element(_q("AuditFile"))
    h = audit.header
    header = _add(root, "Header")
    _add(header, "AuditFileVersion", VERSION)
    _add(header, "AuditFileCountry", "NO")
    _add(header, "AuditFileDateCreated", h.created.isoformat())
    _add(header, "SoftwareCompanyName", h.software_company)
    _add(header, "SoftwareID", h.software_id)
    _add(header, "SoftwareVersion", h.software_version)
    _company(_add(header, "Company"), h.company)
    _add(header, "DefaultCurrencyCode", h.currency)
    selection = _add(header, "SelectionCriteria")
    _add(selection, "SelectionStartDate", h.start.isoformat())
    _add(selection, "SelectionEndDate", h.end.isoformat())
    _add(header, "TaxAccountingBasis", "A")

    master = _add(root, "MasterFiles")
    if audit.accounts:
        accounts = _add(master, "GeneralLedgerAccounts")
        for a in audit.accounts:
            _account(accounts, a)
    for tag, parties in (("Customer", audit.customers), ("Supplier", audit.suppliers)):
        if parties:
            group = _add(master, f"{tag}s")
            for p in parties:
                _party(group, tag, p)
    if audit.tax_codes:
        entry = _add(_add(master, "TaxTable"), "TaxTableEntry")
        _add(entry, "TaxType", "MVA")
        _add(entry, "Description", "Merverdiavgift")
        for code in audit.tax_codes:
            details = _add(entry, "TaxCodeDetails")
            _add(details, "TaxCode", code.code)
            _add(details, "Description", _text(code.description, "long"))
            _add(details, "TaxPercentage", f"{code.percentage.normalize():f}")
            _add(details, "Country", "NO")
            _add(details, "StandardTaxCode", code.code)
            _add(details, "Compensation", "true" if code.compensation else "false")
            _add(details, "BaseRate", "100")

    transactions = [t for j in audit.journals for t in j.transactions]
    entries = _add(root, "GeneralLedgerEntries")
    _add(entries, "NumberOfEntries", len(transactions))
    debit = sum((x.amount for t in transactions for x in t.lines if x.amount > 0), ZERO)
    credit = -sum((x.amount for t in transactions for x in t.lines if x.amount < 0), ZERO)
    _add(entries, "TotalDebit", _money(debit))
    _add(entries, "TotalCredit", _money(credit))
    for j in audit.journals:
        journal = _add(entries, "Journal")
        _add(journal, "JournalID", _text(j.journal_id, "short"))
        _add(journal, "Description", _text(j.description, "long"))
        _add(journal, "Type", _text(j.type, "short")[:9])
        for t in j.transactions:
            _transaction(journal, t)
    ET.indent(root)
    body: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return body
