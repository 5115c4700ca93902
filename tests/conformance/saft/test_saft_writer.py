"""The SAF-T writer's output is valid against Skatteetaten's 1.30 XSD."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest
from lxml import etree

from klientportal.formats.saft.model import (
    Account,
    AuditFile,
    Company,
    Header,
    Journal,
    Line,
    Party,
    TaxCode,
    TaxInfo,
    Transaction,
)
from klientportal.formats.saft.writer import write


@pytest.fixture(scope="session")
def saft_schema(conformance_dir: Path) -> etree.XMLSchema:
    return etree.XMLSchema(
        etree.parse(str(conformance_dir / "saft" / "xsd" / "Norwegian_SAF-T_Financial_Schema_v_1.30.xsd"))
    )


def sample(**changes: object) -> AuditFile:
    invoice = Transaction(
        transaction_id="F2026-1",
        period=3,
        year=2026,
        date=date(2026, 3, 2),
        description="Faktura 10001 Epost Kunde AS",
        system_entry_date=date(2026, 3, 2),
        voucher_type="faktura",
        source_id="u-1",
        customer_id="1",
        lines=(
            Line("1", "1500", "Faktura 10001", D("1250.00"), customer_id="1"),
            Line("2", "3000", "Faktura 10001", D("-1000.00")),
            Line("3", "2700", "Faktura 10001", D("-250.00"), tax=TaxInfo("3", D(25), D("-1000.00"), D("-250.00"))),
        ),
    )
    data: dict[str, object] = dict(
        header=Header(
            company=Company("912345610", "Fjordkaffe AS", "Dagny", "Leder", "Bryggen 1", "5003", "Bergen"),
            created=date(2026, 4, 1),
            start=date(2026, 1, 1),
            end=date(2026, 3, 31),
        ),
        accounts=(
            Account("1500", "Kundefordringer", "balanseverdiForOmloepsmiddel", "1500", D("0.00"), D("1250.00")),
            Account("2700", "Utgående mva", "kortsiktigGjeld", "2740", D("0.00"), D("-250.00")),
            Account("3000", "Salgsinntekt", "salgsinntekt", "3000", D("0.00"), D("-1000.00")),
        ),
        customers=(Party("1", "Epost Kunde AS", "1500", D("0.00"), D("1250.00"), orgnr="923456708"),),
        suppliers=(Party("10001", "Leverandør AS", "2400", D("-10.00"), D("0.00")),),
        tax_codes=(TaxCode("3", "Utgående mva, alminnelig sats", D(25), False),),
        journals=(Journal("faktura", "Utgående fakturaer", "faktura", (invoice,)), Journal("bank", "Bank", "bank")),
    )
    return AuditFile(**(data | changes))  # type: ignore[arg-type]


def test_a_full_file_is_valid(saft_schema: etree.XMLSchema) -> None:
    xml = write(sample())
    doc = etree.fromstring(xml)
    assert saft_schema.validate(doc), saft_schema.error_log
    ns = {"s": "urn:StandardAuditFile-Taxation-Financial:NO"}
    assert doc.findtext("s:Header/s:AuditFileVersion", namespaces=ns) == "1.30"
    assert doc.findtext("s:GeneralLedgerEntries/s:TotalDebit", namespaces=ns) == "1250.00"
    assert doc.findtext("s:GeneralLedgerEntries/s:TotalCredit", namespaces=ns) == "1250.00"
    supplier = doc.find("s:MasterFiles/s:Suppliers/s:Supplier/s:BalanceAccount", ns)
    assert supplier is not None and supplier.findtext("s:OpeningCreditBalance", namespaces=ns) == "10.00"


def test_an_empty_period_is_valid(saft_schema: etree.XMLSchema) -> None:
    xml = write(sample(customers=(), suppliers=(), journals=()))
    assert saft_schema.validate(etree.fromstring(xml)), saft_schema.error_log


def test_an_amount_with_three_decimals_is_refused_not_rounded() -> None:
    with pytest.raises(ValueError, match="more than two decimals"):
        write(sample(accounts=(Account("1500", "K", "balanseverdiForOmloepsmiddel", "1500", D("0.001"), D(0)),)))
