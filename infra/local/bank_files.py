"""Bank files as a bank would deliver them, for the local stack's simulator, the demo seed, the
tests and the bench: Nets OCR giro transmissions (written by netsgiro, the independent library)
and camt.054 credit notifications (one transaction per entry, valid against the XSD)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from xml.sax.saxutils import escape

CAMT054 = "urn:iso:std:iso:20022:tech:xsd:camt.054.001.02"


@dataclass(frozen=True)
class Paid:
    """One payment into the client's account."""

    amount: Decimal
    kid: str | None = None
    text: str | None = None
    payer: str = "Ola Nordmann"
    payer_account: str = "12345678903"
    on: date = date(2026, 3, 2)


def ocr_file(transmission: int, account: str, payments: list[Paid], *, assignment: int = 1) -> bytes:
    """A Nets OCR giro transmission with one assignment of `payments` (ISO-8859-1)."""
    import netsgiro
    from netsgiro.enums import AssignmentType, ServiceCode, TransactionType

    t = netsgiro.Transmission(
        number=f"{transmission:07d}",
        data_transmitter="00008080",
        data_recipient="00010200",
        date=max((p.on for p in payments), default=date(2026, 3, 2)),
    )
    a = t.add_assignment(
        service_code=ServiceCode.OCR_GIRO,
        assignment_type=AssignmentType.TRANSACTIONS,
        number=f"{assignment:07d}",
        account=account,
        date=max((p.on for p in payments), default=date(2026, 3, 2)),
    )
    for n, p in enumerate(payments, start=1):
        if not p.kid:
            raise ValueError("an OCR giro payment always carries a KID (payments without one come by camt.054)")
        a.transactions.append(
            netsgiro.Transaction(
                service_code=ServiceCode.OCR_GIRO,
                type=TransactionType.PURCHASE_WITH_TEXT if p.text else TransactionType.FROM_GIRO_DEBITED_ACCOUNT,
                number=n,
                date=p.on,
                amount=p.amount,
                kid=p.kid,
                reference=f"{transmission % 10**5:05d}{n:04d}",
                text=p.text,
                centre_id="13",
                day_code=p.on.day,
                partial_settlement_number=1,
                partial_settlement_serial_number="01464",
                sign="0",
                form_number="9636827194",
                bank_date=p.on,
                debit_account=p.payer_account,
                filler=None,
            )
        )
    return t.to_ocr().encode("iso-8859-1") + b"\n"


def camt054(
    message_id: str, account: str, payments: list[tuple[str, Paid]], created: str = "2026-03-02T06:10:00"
) -> bytes:
    """A camt.054 credit notification: one booked entry per (bank reference, payment)."""
    entries = "".join(_entry(ref, p) for ref, p in payments)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="{CAMT054}">
  <BkToCstmrDbtCdtNtfctn>
    <GrpHdr><MsgId>{escape(message_id)}</MsgId><CreDtTm>{created}</CreDtTm></GrpHdr>
    <Ntfctn>
      <Id>{escape(message_id)}-1</Id>
      <CreDtTm>{created}</CreDtTm>
      <Acct><Id><Othr><Id>{account}</Id><SchmeNm><Cd>BBAN</Cd></SchmeNm></Othr></Id><Ccy>NOK</Ccy></Acct>
{entries}
    </Ntfctn>
  </BkToCstmrDbtCdtNtfctn>
</Document>""".encode()


def _entry(ref: str, p: Paid) -> str:
    amount = f"{p.amount:.2f}"
    if p.kid is not None:
        scor = "<Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry></Tp>"
        rmt = f"<RmtInf><Strd><CdtrRefInf>{scor}<Ref>{p.kid}</Ref></CdtrRefInf></Strd></RmtInf>"
    elif p.text is not None:
        rmt = f"<RmtInf><Ustrd>{escape(p.text)}</Ustrd></RmtInf>"
    else:
        rmt = ""
    day = p.on.isoformat()
    return f"""<Ntry><Amt Ccy="NOK">{amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>
  <BookgDt><Dt>{day}</Dt></BookgDt><ValDt><Dt>{day}</Dt></ValDt><AcctSvcrRef>E-{escape(ref)}</AcctSvcrRef>
  <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>DMCT</SubFmlyCd></Fmly></Domn></BkTxCd>
  <NtryDtls><TxDtls><Refs><AcctSvcrRef>{escape(ref)}</AcctSvcrRef><EndToEndId>NOTPROVIDED</EndToEndId></Refs>
  <AmtDtls><TxAmt><Amt Ccy="NOK">{amount}</Amt></TxAmt></AmtDtls>
  <RltdPties><Dbtr><Nm>{escape(p.payer)}</Nm></Dbtr><DbtrAcct><Id><Othr><Id>{p.payer_account}</Id><SchmeNm><Cd>BBAN</Cd></SchmeNm></Othr></Id></DbtrAcct></RltdPties>{rmt}</TxDtls></NtryDtls></Ntry>
"""
