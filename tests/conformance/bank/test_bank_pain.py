"""pain.001.001.03 built valid against the XSD (KID as SCOR, a message line, BBAN and IBAN), refused
before building when a value would make the bank reject it; pain.002.001.03 read strictly."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from lxml import etree

from klientportal.formats.bank import BankFileRejected
from klientportal.formats.bank.pain001 import CreditTransfer, Pain001Error, PaymentOrder, build_pain001, read_pain001
from klientportal.formats.bank.pain002 import Verdict, build_pain002, read_pain002

OSLO = ZoneInfo("Europe/Oslo")
KID = "0012071049"  # MOD10
P = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"}


def _order(*transfers: CreditTransfer, **changes: Any) -> PaymentOrder:
    order = PaymentOrder(
        message_id="PB-c-fjordkaffe-0007-1",
        payment_information_id="PB-0007-20261203",
        created=datetime(2026, 12, 1, 9, 30, tzinfo=OSLO),
        initiating_party="Fjordkaffe AS",
        debtor_name="Fjordkaffe AS",
        debtor_account="15032080119",
        execution_date=date(2026, 12, 3),
        transfers=transfers
        or (
            CreditTransfer("PB-0007-L1", 1_250_00, "Bønner & Co AS", "12345678903", kid=KID),
            CreditTransfer("PB-0007-L2", 99, "Kari Nordmann", "NO9386011117947", message="Faktura 7104 fra mars"),
        ),
        organisation_number="923456783",
        debtor_bic="DNBANOKK",
    )
    return replace(order, **changes)


@pytest.fixture(scope="module")
def xsd(conformance_dir: Path) -> etree.XMLSchema:
    """The conformance copy of the schema, loaded independently of the one the builder uses."""
    return etree.XMLSchema(etree.parse(str(conformance_dir / "iso20022" / "xsd" / "pain.001.001.03.xsd")))


def test_shipped_schemas_are_the_conformance_ones(conformance_dir: Path) -> None:
    shipped = Path("layers/common/python/klientportal/data/iso20022")
    for name in ("camt.053.001.02.xsd", "camt.054.001.02.xsd", "pain.001.001.03.xsd"):
        assert (shipped / name).read_bytes() == (conformance_dir / "iso20022" / "xsd" / name).read_bytes()


def test_built_order_is_valid_with_kid_message_bban_and_iban(xsd: etree.XMLSchema) -> None:
    data = build_pain001(_order())
    root = etree.fromstring(data)
    assert xsd.validate(root), xsd.error_log
    assert root.findtext("p:CstmrCdtTrfInitn/p:GrpHdr/p:NbOfTxs", namespaces=P) == "2"
    assert root.findtext("p:CstmrCdtTrfInitn/p:GrpHdr/p:CtrlSum", namespaces=P) == "1250.99"
    assert root.findtext("p:CstmrCdtTrfInitn/p:PmtInf/p:CtrlSum", namespaces=P) == "1250.99"
    first, second = root.iterfind(".//p:CdtTrfTxInf", P)
    assert first.findtext("p:RmtInf/p:Strd/p:CdtrRefInf/p:Tp/p:CdOrPrtry/p:Cd", namespaces=P) == "SCOR"
    assert first.findtext("p:RmtInf/p:Strd/p:CdtrRefInf/p:Ref", namespaces=P) == KID
    assert first.find("p:RmtInf/p:Ustrd", P) is None
    assert first.findtext("p:CdtrAcct/p:Id/p:Othr/p:SchmeNm/p:Cd", namespaces=P) == "BBAN"
    assert first.findtext("p:Amt/p:InstdAmt", namespaces=P) == "1250.00"
    assert first.find("p:Amt/p:InstdAmt", P).get("Ccy") == "NOK"
    assert second.findtext("p:RmtInf/p:Ustrd", namespaces=P) == "Faktura 7104 fra mars"
    assert second.findtext("p:CdtrAcct/p:Id/p:IBAN", namespaces=P) == "NO9386011117947"
    assert "Bønner &amp; Co AS".encode() in data


def test_built_order_reads_back_the_same() -> None:
    received = read_pain001(build_pain001(_order()))
    assert received.message_id == "PB-c-fjordkaffe-0007-1"
    assert [(t.end_to_end_id, t.amount_ore, t.kid, t.message) for t in received.transfers] == [
        ("PB-0007-L1", 125_000, KID, None),
        ("PB-0007-L2", 99, None, "Faktura 7104 fra mars"),
    ]


def test_the_same_order_builds_the_same_bytes() -> None:
    assert build_pain001(_order()) == build_pain001(_order())


@pytest.mark.parametrize(
    ("transfer", "words"),
    [
        (CreditTransfer("L1", 100, "A", "12345678904", kid=KID), "MOD11"),
        (CreditTransfer("L1", 100, "A", "NO9386011117948", kid=KID), "Norwegian IBAN"),
        (CreditTransfer("L1", 100, "A", "DE89370400440532013000", kid=KID), "Norwegian IBAN"),
        (CreditTransfer("L1", 100, "A", "12345678903", kid="0012071048"), "KID"),
        (CreditTransfer("L1", 0, "A", "12345678903", kid=KID), "positive"),
        (CreditTransfer("L1", 100, "A", "12345678903"), "either"),
        (CreditTransfer("L1", 100, "A", "12345678903", kid=KID, message="x"), "either"),
        (CreditTransfer("L1", 100, "A", "12345678903", message="x" * 141), "1-140"),
        (CreditTransfer("L1" * 20, 100, "A", "12345678903", kid=KID), "EndToEndId"),
        (CreditTransfer("L1", 100, "", "12345678903", kid=KID), "creditor name"),
    ],
)
def test_a_transfer_the_bank_would_reject_is_refused_before_building(transfer: CreditTransfer, words: str) -> None:
    with pytest.raises(Pain001Error) as refused:
        build_pain001(_order(transfer))
    assert words in str(refused.value)


def test_duplicate_end_to_end_ids_and_bad_header_values_are_refused() -> None:
    twice = CreditTransfer("L1", 100, "A", "12345678903", kid=KID)
    with pytest.raises(Pain001Error, match="used twice"):
        build_pain001(_order(twice, twice))
    with pytest.raises(Pain001Error, match="MsgId"):
        build_pain001(_order(message_id="x" * 36))
    with pytest.raises(Pain001Error, match="offset"):
        build_pain001(_order(created=datetime(2026, 12, 1, 9, 30)))
    with pytest.raises(Pain001Error, match="at least one"):
        build_pain001(_order(transfers=()))
    with pytest.raises(Pain001Error, match="MOD11"):
        build_pain001(_order(debtor_account="15032080118"))


def test_received_order_with_a_wrong_control_sum_is_refused() -> None:
    data = build_pain001(_order()).replace(b"<CtrlSum>1250.99</CtrlSum>", b"<CtrlSum>1250.98</CtrlSum>", 1)
    with pytest.raises(BankFileRejected) as refused:
        read_pain001(data)
    assert refused.value.code == "control-total"


def test_dutch_sepa_samples_are_valid_but_not_nok(conformance_dir: Path) -> None:
    for path in (conformance_dir / "iso20022" / "samples" / "bank-nl").glob("*.xml"):
        with pytest.raises(BankFileRejected) as refused:
            read_pain001(path.read_bytes())
        assert "NOK" in refused.value.reason


PAIN002 = """<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.03">
  <CstmrPmtStsRpt>
    <GrpHdr><MsgId>DNB-STS-0001</MsgId><CreDtTm>2026-12-01T09:35:12+01:00</CreDtTm>
      <DbtrAgt><FinInstnId><BIC>DNBANOKK</BIC></FinInstnId></DbtrAgt></GrpHdr>
    <OrgnlGrpInfAndSts>
      <OrgnlMsgId>PB-c-fjordkaffe-0007-1</OrgnlMsgId><OrgnlMsgNmId>pain.001.001.03</OrgnlMsgNmId>
      <OrgnlNbOfTxs>3</OrgnlNbOfTxs><OrgnlCtrlSum>1350.99</OrgnlCtrlSum><GrpSts>PART</GrpSts>
    </OrgnlGrpInfAndSts>
    <OrgnlPmtInfAndSts>
      <OrgnlPmtInfId>PB-0007-20261203</OrgnlPmtInfId><PmtInfSts>PART</PmtInfSts>
      <TxInfAndSts><OrgnlEndToEndId>PB-0007-L1</OrgnlEndToEndId><TxSts>ACCP</TxSts></TxInfAndSts>
      <TxInfAndSts><OrgnlEndToEndId>PB-0007-L2</OrgnlEndToEndId><TxSts>RJCT</TxSts>
        <StsRsnInf><Rsn><Cd>AC01</Cd></Rsn><AddtlInf>Kontonummeret finnes ikke</AddtlInf></StsRsnInf></TxInfAndSts>
      <TxInfAndSts><OrgnlEndToEndId>PB-0007-L3</OrgnlEndToEndId></TxInfAndSts>
    </OrgnlPmtInfAndSts>
  </CstmrPmtStsRpt>
</Document>"""


def test_status_report_with_group_and_transaction_statuses_and_reasons() -> None:
    report = read_pain002(PAIN002.encode())
    assert (report.message_id, report.original_message_id, report.group_status) == (
        "DNB-STS-0001",
        "PB-c-fjordkaffe-0007-1",
        "PART",
    )
    statuses = report.transaction_statuses()
    assert statuses["PB-0007-L1"].status == "ACCP"
    assert statuses["PB-0007-L2"].status == "RJCT"
    assert [(r.code, r.text) for r in statuses["PB-0007-L2"].reasons] == [("AC01", "Kontonummeret finnes ikke")]
    assert statuses["PB-0007-L3"].status == "PART"  # no status of its own: the block's


def test_group_rejection_without_transactions() -> None:
    data = PAIN002.replace(
        "<GrpSts>PART</GrpSts>", "<GrpSts>RJCT</GrpSts><StsRsnInf><Rsn><Cd>FF01</Cd></Rsn></StsRsnInf>"
    )
    start, end = data.index("<OrgnlPmtInfAndSts>"), data.index("</OrgnlPmtInfAndSts>") + len("</OrgnlPmtInfAndSts>")
    report = read_pain002((data[:start] + data[end:]).encode())
    assert (report.group_status, report.group_reasons[0].code, report.payments) == ("RJCT", "FF01", ())


@pytest.mark.parametrize(
    ("change", "code", "words"),
    [
        (("<TxSts>RJCT</TxSts>", "<TxSts>NOPE</TxSts>"), "field", "unknown status"),
        (("<GrpSts>PART</GrpSts>", "<GrpSts>OK</GrpSts>"), "field", "unknown status"),
        (("<OrgnlMsgId>PB-c-fjordkaffe-0007-1</OrgnlMsgId>", ""), "structure", "OrgnlMsgId"),
        (("<TxSts>ACCP</TxSts>", "<TxSts>ACCP</TxSts><Surprise/>"), "structure", "Surprise"),
        (("<Cd>AC01</Cd>", "<Cd>ACCOUNT</Cd>"), "field", "reason code"),
        (('pain.002.001.03">', 'pain.002.001.02">'), "unknown-format", "pain.002.001.03"),
        (
            ('<?xml version="1.0" encoding="UTF-8"?>', "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY e 'x'>]>"),
            "xml",
            "dtd",
        ),
    ],
)
def test_a_status_report_out_of_shape_is_refused(change: tuple[str, str], code: str, words: str) -> None:
    with pytest.raises(BankFileRejected) as refused:
        read_pain002(PAIN002.replace(*change).encode())
    assert refused.value.code == code and words in refused.value.reason


def test_simulator_answer_reads_back() -> None:
    verdicts = (Verdict("L1", "ACCP"), Verdict("L2", "RJCT", "AC01", "Ugyldig kontonummer"))
    data = build_pain002("SIM-1", datetime(2026, 12, 1, 10, tzinfo=OSLO), "PB-1", "PB-1-20261203", verdicts)
    report = read_pain002(data)
    assert report.group_status == "PART"
    assert {k: (v.status, [r.code for r in v.reasons]) for k, v in report.transaction_statuses().items()} == {
        "L1": ("ACCP", []),
        "L2": ("RJCT", ["AC01"]),
    }
