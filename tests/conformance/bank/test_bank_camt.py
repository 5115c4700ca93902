"""camt.053.001.02 and camt.054.001.02: every ISO 20022 sample read (or refused with its reason), a
Norwegian KID notification with a batch entry, and the faults a bank file can have."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from lxml import etree

from klientportal.formats.bank import BankFileRejected, read_bank_file
from klientportal.formats.bank.iso20022 import CAMT054, schema

# sample: (format, entries, credit hundredths, debit hundredths) or (refusal code, line)
READ = {
    "genkgo-camt/camt053.v2.all-balance-types.xml": ("camt.053", 1, 885, 0),
    "genkgo-camt/camt053.v2.five.decimals.xml": ("camt.053", 1, 885, 0),
    "genkgo-camt/camt053.v2.minimal.ultimate.xml": ("camt.053", 1, 885, 0),
    "genkgo-camt/camt053.v2.minimal.xml": ("camt.053", 1, 885, 0),
    "genkgo-camt/camt053.v2.multi.statement.xml": ("camt.053", 2, 885, 700),
    "genkgo-camt/camt053.v2.with-account-name.xml": ("camt.053", 1, 885, 0),
    "genkgo-camt/camt053.v2.with-party-ids.xml": ("camt.053", 1, 885, 0),
    "genkgo-camt/camt054.v2.with-account-name.xml": ("camt.054", 1, 0, 20_000_000),
    "genkgo-camt/camt054.v2.xml": ("camt.054", 1, 0, 20_000_000),
    "iso-mdr/camt.053.001.02_AAAASESS-FP-STAT001.xml": ("camt.053", 3, 13_567_850, 20_000_000),
    "iso-mdr/camt.054.001.02_AAAASESS-FP-00001.xml": ("camt.054", 1, 10_567_850, 0),
}
REFUSED = {
    "genkgo-camt/camt053.v2.wrong.xml": ("xsd", 3, "Stmt"),
    "tryton/camt.053.001.02_example-BE.xml": ("xsd", 12, "LastPgInd"),
    "genkgo-camt/camt052.v2.xml": ("unsupported", 2, "camt.052"),
    "genkgo-camt/camt052.v2.other-account.xml": ("unsupported", 2, "camt.052"),
    "genkgo-camt/camt052.v2.with-account-name.xml": ("unsupported", 2, "camt.052"),
    "bank-nl/abn-amro_pain.001.001.03_voorbeeldbestand.xml": ("unknown-format", 3, "pain.001"),
    "bank-nl/ing_pain.001.001.03_voorbeeldbestand.xml": ("unknown-format", 3, "pain.001"),
}


def test_every_sample_is_listed(conformance_dir: Path) -> None:
    samples = {
        str(p.relative_to(conformance_dir / "iso20022" / "samples"))
        for p in (conformance_dir / "iso20022" / "samples").rglob("*.xml")
    }
    assert samples == set(READ) | set(REFUSED)


@pytest.mark.parametrize("name", sorted(READ))
def test_sample_is_read(conformance_dir: Path, name: str) -> None:
    data = (conformance_dir / "iso20022" / "samples" / name).read_bytes()
    fmt, count, credit, debit = READ[name]
    read = read_bank_file(data)
    entries = list(read.entries)
    assert (read.format, len(entries), read.credit_ore, read.debit_ore) == (fmt, count, credit, debit)
    assert read.identity and read.created is not None and read.created.tzinfo is not None
    assert all(e.amount_ore > 0 and e.reference and e.currency in {"EUR", "SEK"} for e in entries)
    assert len({e.reference for e in entries}) == len(entries)


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_sample_is_refused_with_the_reason(conformance_dir: Path, name: str) -> None:
    data = (conformance_dir / "iso20022" / "samples" / name).read_bytes()
    code, line, words = REFUSED[name]
    with pytest.raises(BankFileRejected) as refused:
        read_bank_file(data)
    assert (refused.value.code, refused.value.line) == (code, line)
    assert words in refused.value.reason


def test_iso_statement_details(conformance_dir: Path) -> None:
    data = (
        conformance_dir / "iso20022" / "samples" / "iso-mdr" / "camt.053.001.02_AAAASESS-FP-STAT001.xml"
    ).read_bytes()
    first = next(iter(read_bank_file(data).entries))
    assert (first.reference, first.amount_ore, first.credit, first.payer_name) == (
        "AAAASESS-FP-CN_98765/01",
        10_567_850,
        True,
        "MUELLER",
    )
    assert (first.end_to_end_id, first.booking_date, first.account) == (
        "MUELL/FINP/RA12345",
        date(2010, 10, 18),
        "50000000054910000003",
    )


def _notification(entries: str, summary: str = "") -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="{CAMT054}">
  <BkToCstmrDbtCdtNtfctn>
    <GrpHdr><MsgId>DNB-CN-20261201-0001</MsgId><CreDtTm>2026-12-01T06:10:00</CreDtTm></GrpHdr>
    <Ntfctn>
      <Id>CN-0001</Id>
      <CreDtTm>2026-12-01T06:10:00</CreDtTm>
      <Acct><Id><Othr><Id>15032080119</Id><SchmeNm><Cd>BBAN</Cd></SchmeNm></Othr></Id><Ccy>NOK</Ccy></Acct>{summary}
{entries}
    </Ntfctn>
  </BkToCstmrDbtCdtNtfctn>
</Document>""".encode()


def _tx(ref: str, amount: str, kid: str | None = None, text: str | None = None, name: str = "Ola Nordmann") -> str:
    rmt = ""
    if kid is not None:
        scor = "<Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry></Tp>"
        rmt = f"<RmtInf><Strd><CdtrRefInf>{scor}<Ref>{kid}</Ref></CdtrRefInf></Strd></RmtInf>"
    elif text is not None:
        rmt = f"<RmtInf><Ustrd>{text}</Ustrd></RmtInf>"
    return f"""<TxDtls><Refs><AcctSvcrRef>{ref}</AcctSvcrRef><EndToEndId>NOTPROVIDED</EndToEndId></Refs>
  <AmtDtls><TxAmt><Amt Ccy="NOK">{amount}</Amt></TxAmt></AmtDtls>
  <RltdPties><Dbtr><Nm>{name}</Nm></Dbtr><DbtrAcct><Id><Othr><Id>12345678903</Id><SchmeNm><Cd>BBAN</Cd></SchmeNm></Othr></Id></DbtrAcct></RltdPties>{rmt}</TxDtls>"""


def _ntry(amount: str, txs: str, ref: str = "E-1", indicator: str = "CRDT", status: str = "BOOK") -> str:
    return f"""<Ntry><Amt Ccy="NOK">{amount}</Amt><CdtDbtInd>{indicator}</CdtDbtInd><Sts>{status}</Sts>
  <BookgDt><Dt>2026-12-01</Dt></BookgDt><ValDt><Dt>2026-12-01</Dt></ValDt><AcctSvcrRef>{ref}</AcctSvcrRef>
  <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>DMCT</SubFmlyCd></Fmly></Domn></BkTxCd>
  <NtryDtls><Btch><NbOfTxs>2</NbOfTxs></Btch>{txs}</NtryDtls></Ntry>"""


BATCH = _ntry(
    "1500.50",
    _tx("A-1", "1000.00", kid="000123400017") + _tx("A-2", "500.50", text="Faktura 7104", name="Kari Nordmann"),
)


def test_norwegian_kid_batch_notification_is_split_per_transaction() -> None:
    data = _notification(BATCH)
    assert schema(CAMT054).validate(etree.fromstring(data)), "the fixture is a valid camt.054"
    read = read_bank_file(data)
    first, second = read.entries
    assert (read.format, read.identity, read.count, read.credit_ore) == ("camt.054", "DNB-CN-20261201-0001", 2, 150_050)
    assert (first.reference, first.amount_ore, first.kid, first.message, first.end_to_end_id) == (
        "A-1",
        100_000,
        "000123400017",
        None,
        None,
    )
    assert (first.payer_name, first.payer_account, first.account, first.currency) == (
        "Ola Nordmann",
        "12345678903",
        "15032080119",
        "NOK",
    )
    assert (second.reference, second.amount_ore, second.kid, second.message) == ("A-2", 50_050, None, "Faktura 7104")
    assert read.created is not None and read.created.utcoffset() is not None  # local time without offset: Oslo


def test_batch_whose_transactions_do_not_sum_to_the_entry_is_refused() -> None:
    data = _notification(_ntry("1500.00", _tx("A-1", "1000.00", kid="000123400017") + _tx("A-2", "500.50")))
    with pytest.raises(BankFileRejected) as refused:
        read_bank_file(data)
    assert (
        refused.value.code == "control-total"
        and "1500.50" in refused.value.reason
        and "1500.00" in refused.value.reason
    )


def test_pending_entries_are_not_money_yet() -> None:
    read = read_bank_file(_notification(BATCH + _ntry("99.00", _tx("P-1", "99.00"), ref="E-2", status="PDNG")))
    assert read.count == 2


def test_summary_totals_are_reconciled() -> None:
    good = "<TxsSummry><TtlNtries><NbOfNtries>1</NbOfNtries><Sum>1500.50</Sum></TtlNtries></TxsSummry>"
    assert read_bank_file(_notification(BATCH, good)).count == 2
    for wrong, words in (
        ("<NbOfNtries>2</NbOfNtries><Sum>1500.50</Sum>", "NbOfNtries"),
        ("<NbOfNtries>1</NbOfNtries><Sum>1500.00</Sum>", "Sum"),
    ):
        with pytest.raises(BankFileRejected) as refused:
            read_bank_file(_notification(BATCH, f"<TxsSummry><TtlNtries>{wrong}</TtlNtries></TxsSummry>"))
        assert refused.value.code == "control-total" and words in refused.value.reason


def test_amount_with_a_third_decimal_is_never_rounded() -> None:
    data = _notification(
        _ntry("1000.005", _tx("A-1", "1000.005", kid="000123400017")).replace("<Btch><NbOfTxs>2</NbOfTxs></Btch>", "")
    )
    with pytest.raises(BankFileRejected) as refused:
        read_bank_file(data)
    assert refused.value.code == "amount-precision"


def test_debit_notification_names_the_creditor() -> None:
    tx = _tx("D-1", "250.00").replace("<Dbtr>", "<Cdtr>").replace("</Dbtr>", "</Cdtr>").replace("DbtrAcct", "CdtrAcct")
    (entry,) = read_bank_file(_notification(_ntry("250.00", tx, indicator="DBIT"))).entries
    assert (entry.credit, entry.payer_name, entry.payer_account) == (False, "Ola Nordmann", "12345678903")


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><Document>&x;</Document>', "xml"),
        (b"<Document xmlns='urn:iso:std:iso:20022:tech:xsd:camt.054.001.02'><BkToCstmrDbtCdtNtfctn>", "xml"),
        (b"<Other/>", "unknown-format"),
        (b"%PDF-1.4", "unknown-format"),
    ],
)
def test_hostile_or_foreign_xml_is_refused(data: bytes, code: str) -> None:
    with pytest.raises(BankFileRejected) as refused:
        read_bank_file(data)
    assert refused.value.code == code


def test_a_file_failing_its_xsd_names_the_line() -> None:
    data = _notification(BATCH).replace(b"<CdtDbtInd>CRDT</CdtDbtInd>", b"<CdtDbtInd>CREDIT</CdtDbtInd>")
    with pytest.raises(BankFileRejected) as refused:
        read_bank_file(data)
    assert refused.value.code == "xsd" and refused.value.line == data[: data.index(b"CREDIT")].count(b"\n") + 1
