"""pain.001.001.03 customer credit transfer initiation, built for Norwegian banks (NOK, one
payment information block per requested execution date) and validated against the XSD before it is
returned. `read_pain001` reads one back (the bank simulator validates what it receives with it).

Accounts: an 11-digit BBAN (MOD11) as `Othr/Id` with scheme `BBAN`, or a Norwegian IBAN (`NO` +
15) as `IBAN`. A KID goes in the structured creditor reference (`Strd/CdtrRefInf`, type `SCOR`),
otherwise the message as unstructured text (`Ustrd`, at most 140 characters).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from lxml import etree

from klientportal.formats.bank import iso20022
from klientportal.formats.bank.model import BankFileRejected
from klientportal.formats.kid import validate_kid

NS = iso20022.PAIN001
_ID = re.compile(r"[A-Za-z0-9/\-?:().,'+ ]{1,35}")  # the SWIFT character set Norwegian banks accept in ids
_BIC = re.compile(r"[A-Z]{6}[A-Z2-9][A-NP-Z0-9]([A-Z0-9]{3})?")


class Pain001Error(ValueError):
    """The payments cannot be made into a valid pain.001 (the reason says which value and why)."""


@dataclass(frozen=True, slots=True)
class CreditTransfer:
    """One payment to a creditor. Exactly one of `kid` and `message` (a payment needs one or the other)."""

    end_to_end_id: str
    amount_ore: int
    creditor_name: str
    creditor_account: str
    kid: str | None = None
    message: str | None = None


@dataclass(frozen=True, slots=True)
class PaymentOrder:
    """A batch of credit transfers from one debtor account, to be executed on `execution_date`."""

    message_id: str
    payment_information_id: str
    created: datetime
    initiating_party: str
    debtor_name: str
    debtor_account: str
    execution_date: date
    transfers: tuple[CreditTransfer, ...]
    debtor_bic: str | None = None
    organisation_number: str | None = None


def account_kind(account: str) -> str:
    """`BBAN` or `IBAN` for a valid Norwegian account; Pain001Error otherwise."""
    from stdnum import iban
    from stdnum.no import kontonr

    if len(account) == 11 and account.isdigit():
        if not kontonr.is_valid(account):
            raise Pain001Error(f"account {account} fails the MOD11 check")
        return "BBAN"
    if account.startswith("NO"):
        if not (iban.is_valid(account) and kontonr.is_valid(account[4:])):
            raise Pain001Error(f"IBAN {account} is not a valid Norwegian IBAN")
        return "IBAN"
    raise Pain001Error(f"account {account!r} is neither an 11-digit BBAN nor a Norwegian IBAN (payments are NOK)")


def build_pain001(order: PaymentOrder) -> bytes:
    """The pain.001.001.03 document of `order` as UTF-8 bytes, valid against the XSD; Pain001Error otherwise."""
    _check(order)
    total = sum(t.amount_ore for t in order.transfers)
    e = _Maker()
    document = e("Document")
    initiation = e("CstmrCdtTrfInitn", parent=document)
    header = e("GrpHdr", parent=initiation)
    e("MsgId", order.message_id, parent=header)
    e("CreDtTm", order.created.isoformat(timespec="seconds"), parent=header)
    e("NbOfTxs", str(len(order.transfers)), parent=header)
    e("CtrlSum", _kroner(total), parent=header)
    party = e("InitgPty", parent=header)
    e("Nm", order.initiating_party, parent=party)
    if order.organisation_number:
        other = e("Othr", parent=e("OrgId", parent=e("Id", parent=party)))
        e("Id", order.organisation_number, parent=other)
    info = e("PmtInf", parent=initiation)
    e("PmtInfId", order.payment_information_id, parent=info)
    e("PmtMtd", "TRF", parent=info)
    e("NbOfTxs", str(len(order.transfers)), parent=info)
    e("CtrlSum", _kroner(total), parent=info)
    e("Cd", "NURG", parent=e("SvcLvl", parent=e("PmtTpInf", parent=info)))
    e("ReqdExctnDt", order.execution_date.isoformat(), parent=info)
    e("Nm", order.debtor_name, parent=e("Dbtr", parent=info))
    _account(e, e("DbtrAcct", parent=info), order.debtor_account)
    agent = e("FinInstnId", parent=e("DbtrAgt", parent=info))
    if order.debtor_bic:
        e("BIC", order.debtor_bic, parent=agent)
    else:
        e("Id", "NOTPROVIDED", parent=e("Othr", parent=agent))
    for transfer in order.transfers:
        tx = e("CdtTrfTxInf", parent=info)
        e("EndToEndId", transfer.end_to_end_id, parent=e("PmtId", parent=tx))
        e("InstdAmt", _kroner(transfer.amount_ore), parent=e("Amt", parent=tx), Ccy="NOK")
        e("Nm", transfer.creditor_name, parent=e("Cdtr", parent=tx))
        _account(e, e("CdtrAcct", parent=tx), transfer.creditor_account)
        remittance = e("RmtInf", parent=tx)
        if transfer.kid is not None:
            reference = e("CdtrRefInf", parent=e("Strd", parent=remittance))
            e("Cd", "SCOR", parent=e("CdOrPrtry", parent=e("Tp", parent=reference)))
            e("Ref", transfer.kid, parent=reference)
        else:
            assert transfer.message is not None
            e("Ustrd", transfer.message, parent=remittance)
    data: bytes = etree.tostring(document, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    errors = iso20022.schema_errors(etree.fromstring(data), NS)
    if errors:
        raise Pain001Error(f"the built pain.001 fails its XSD (line {errors[0][0]}): {errors[0][1]}")
    return data


def _check(order: PaymentOrder) -> None:
    if not order.transfers:
        raise Pain001Error("a payment order needs at least one transfer")
    for what, value in (("MsgId", order.message_id), ("PmtInfId", order.payment_information_id)):
        if not _ID.fullmatch(value):
            raise Pain001Error(f"{what} {value!r} must be 1-35 characters of the SWIFT set")
    if order.debtor_bic is not None and not _BIC.fullmatch(order.debtor_bic):
        raise Pain001Error(f"debtor BIC {order.debtor_bic!r} is not a BIC")
    if order.created.tzinfo is None:
        raise Pain001Error("the creation time needs its offset")
    account_kind(order.debtor_account)
    _text("initiating party", order.initiating_party, 70)
    _text("debtor name", order.debtor_name, 70)
    seen: set[str] = set()
    for transfer in order.transfers:
        label = f"transfer {transfer.end_to_end_id!r}"
        if not _ID.fullmatch(transfer.end_to_end_id):
            raise Pain001Error(f"{label}: EndToEndId must be 1-35 characters of the SWIFT set")
        if transfer.end_to_end_id in seen:
            raise Pain001Error(f"{label}: EndToEndId used twice in the order")
        seen.add(transfer.end_to_end_id)
        if not isinstance(transfer.amount_ore, int) or transfer.amount_ore <= 0:
            raise Pain001Error(f"{label}: the amount must be a positive whole number of øre")
        _text(f"{label}: creditor name", transfer.creditor_name, 70)
        try:
            account_kind(transfer.creditor_account)
        except Pain001Error as exc:
            raise Pain001Error(f"{label}: {exc}") from None
        if (transfer.kid is None) == (transfer.message is None):
            raise Pain001Error(f"{label}: give either a KID or a message")
        if transfer.kid is not None and not validate_kid(transfer.kid):
            raise Pain001Error(f"{label}: KID {transfer.kid} fails its MOD10/MOD11 check")
        if transfer.message is not None:
            _text(f"{label}: message", transfer.message, 140)


def _text(what: str, value: str, limit: int) -> None:
    if not value.strip() or len(value) > limit or any(ord(c) < 0x20 for c in value):
        raise Pain001Error(f"{what} must be 1-{limit} characters without control characters")


def _kroner(ore: int) -> str:
    return str(Decimal(ore).scaleb(-2))


def _account(e: _Maker, parent: etree._Element, account: str) -> None:
    identification = e("Id", parent=parent)
    if account_kind(account) == "IBAN":
        e("IBAN", account, parent=identification)
        return
    other = e("Othr", parent=identification)
    e("Id", account, parent=other)
    e("Cd", "BBAN", parent=e("SchmeNm", parent=other))


class _Maker:
    """Elements in the pain.001 namespace: e(tag, text, parent=..., **attributes)."""

    def __call__(
        self, tag: str, text: str | None = None, *, parent: etree._Element | None = None, **attributes: str
    ) -> etree._Element:
        name = f"{{{NS}}}{tag}"
        element = (
            etree.Element(name, attributes, nsmap={None: NS})
            if parent is None
            else etree.SubElement(parent, name, attributes)
        )
        if text is not None:
            element.text = text
        return element


@dataclass(frozen=True, slots=True)
class ReceivedTransfer:
    end_to_end_id: str
    amount_ore: int
    creditor_name: str
    creditor_account: str
    kid: str | None
    message: str | None
    line: int | None


@dataclass(frozen=True, slots=True)
class ReceivedOrder:
    message_id: str
    payment_information_ids: tuple[str, ...]
    execution_dates: tuple[date, ...]
    debtor_account: str
    transfers: tuple[ReceivedTransfer, ...]


def read_pain001(data: bytes) -> ReceivedOrder:
    """Read a pain.001.001.03 as a bank would: XSD, then NbOfTxs and CtrlSum against the transactions."""
    from klientportal.formats.bank.camt import parse_document

    root, namespace = parse_document(data)
    if namespace != NS:
        raise BankFileRejected(
            f"not a pain.001.001.03 ({namespace or 'no namespace'})", root.sourceline, code="unknown-format"
        )
    errors = iso20022.schema_errors(root, NS)
    if errors:
        raise BankFileRejected(f"fails the pain.001.001.03 XSD: {errors[0][1]}", errors[0][0], code="xsd")
    ns = {"p": NS}
    header = root.find("p:CstmrCdtTrfInitn/p:GrpHdr", ns)
    assert header is not None
    transfers: list[ReceivedTransfer] = []
    infos = root.findall("p:CstmrCdtTrfInitn/p:PmtInf", ns)
    for info in infos:
        txs = [_received(tx, ns) for tx in info.iterfind("p:CdtTrfTxInf", ns)]
        _control(info, ns, txs)
        transfers.extend(txs)
    _control(header, ns, transfers)
    return ReceivedOrder(
        message_id=header.findtext("p:MsgId", "", ns),
        payment_information_ids=tuple(i.findtext("p:PmtInfId", "", ns) for i in infos),
        execution_dates=tuple(date.fromisoformat(i.findtext("p:ReqdExctnDt", "", ns)) for i in infos),
        debtor_account=_received_account(infos[0].find("p:DbtrAcct", ns), ns),
        transfers=tuple(transfers),
    )


def _control(element: etree._Element, ns: dict[str, str], txs: Sequence[ReceivedTransfer]) -> None:
    count = element.findtext("p:NbOfTxs", "", ns)
    if int(count) != len(txs):
        raise BankFileRejected(
            f"NbOfTxs says {count}, there are {len(txs)} transactions", element.sourceline, code="control-total"
        )
    control = element.findtext("p:CtrlSum", None, ns)
    total = sum(t.amount_ore for t in txs)
    if control is not None and iso20022.hundredths(control, element.sourceline) != total:
        raise BankFileRejected(
            f"CtrlSum says {control}, the transactions sum to {_kroner(total)}",
            element.sourceline,
            code="control-total",
        )


def _received(tx: etree._Element, ns: dict[str, str]) -> ReceivedTransfer:
    amount = tx.find("p:Amt/p:InstdAmt", ns)
    if amount is None or amount.get("Ccy") != "NOK":
        raise BankFileRejected("only NOK instructed amounts are accepted", tx.sourceline, code="field")
    kid = None
    for info in tx.iterfind("p:RmtInf/p:Strd/p:CdtrRefInf", ns):
        if info.findtext("p:Tp/p:CdOrPrtry/p:Cd", "", ns) == "SCOR":
            kid = info.findtext("p:Ref", None, ns)
    return ReceivedTransfer(
        end_to_end_id=tx.findtext("p:PmtId/p:EndToEndId", "", ns),
        amount_ore=iso20022.hundredths(amount.text or "", amount.sourceline),
        creditor_name=tx.findtext("p:Cdtr/p:Nm", "", ns),
        creditor_account=_received_account(tx.find("p:CdtrAcct", ns), ns),
        kid=kid,
        message=" ".join(t.text or "" for t in tx.iterfind("p:RmtInf/p:Ustrd", ns)) or None,
        line=tx.sourceline,
    )


def _received_account(element: etree._Element | None, ns: dict[str, str]) -> str:
    if element is None:
        return ""
    return str(element.findtext("p:Id/p:IBAN", None, ns) or element.findtext("p:Id/p:Othr/p:Id", "", ns))
