"""pain.002.001.03 customer payment status report: reader (strict) and writer (for the bank simulator).

There is no generic pain.002.001.03 XSD in the conformance artefacts (only EPC/DK-restricted
variants), so the reader is strict by hand instead: the hardened parser, the namespace, the children
of every element it reads checked against those the 2009 schema allows there (required ones present,
unknown ones refused; their order is not checked), status codes from the ISO lists, reason codes of
the ISO shape (4 characters).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from lxml import etree

from klientportal.formats.bank import iso20022
from klientportal.formats.bank.model import BankFileRejected

NS = iso20022.PAIN002
# ExternalPaymentGroupStatus1Code / ExternalPaymentTransactionStatus1Code (2009)
GROUP_STATUSES = frozenset(("ACCP", "ACSC", "ACSP", "ACTC", "ACWC", "PART", "PDNG", "RCVD", "RJCT"))
TRANSACTION_STATUSES = frozenset(("ACCP", "ACSC", "ACSP", "ACTC", "ACWC", "PDNG", "RJCT"))
REJECTED = "RJCT"

# element → (required children, allowed children) of the parts read; anything else is refused
_SHAPE: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "Document": (frozenset({"CstmrPmtStsRpt"}), frozenset({"CstmrPmtStsRpt"})),
    "CstmrPmtStsRpt": (
        frozenset({"GrpHdr", "OrgnlGrpInfAndSts"}),
        frozenset({"GrpHdr", "OrgnlGrpInfAndSts", "OrgnlPmtInfAndSts"}),
    ),
    "GrpHdr": (
        frozenset({"MsgId", "CreDtTm"}),
        frozenset({"MsgId", "CreDtTm", "InitgPty", "FwdgAgt", "DbtrAgt", "CdtrAgt"}),
    ),
    "OrgnlGrpInfAndSts": (
        frozenset({"OrgnlMsgId", "OrgnlMsgNmId"}),
        frozenset(
            {
                "OrgnlMsgId",
                "OrgnlMsgNmId",
                "OrgnlCreDtTm",
                "OrgnlNbOfTxs",
                "OrgnlCtrlSum",
                "GrpSts",
                "StsRsnInf",
                "NbOfTxsPerSts",
            }
        ),
    ),
    "OrgnlPmtInfAndSts": (
        frozenset({"OrgnlPmtInfId"}),
        frozenset(
            {"OrgnlPmtInfId", "OrgnlNbOfTxs", "OrgnlCtrlSum", "PmtInfSts", "StsRsnInf", "NbOfTxsPerSts", "TxInfAndSts"}
        ),
    ),
    "TxInfAndSts": (
        frozenset(),
        frozenset(
            {
                "StsId",
                "OrgnlInstrId",
                "OrgnlEndToEndId",
                "TxSts",
                "StsRsnInf",
                "ChrgsInf",
                "AccptncDtTm",
                "AcctSvcrRef",
                "ClrSysRef",
                "OrgnlTxRef",
            }
        ),
    ),
    "StsRsnInf": (frozenset(), frozenset({"Orgtr", "Rsn", "AddtlInf"})),
    "Rsn": (frozenset(), frozenset({"Cd", "Prtry"})),
}


@dataclass(frozen=True, slots=True)
class Reason:
    """A status reason: an ISO ExternalStatusReason1Code (e.g. AC01 wrong account) or a bank's own code."""

    code: str | None
    proprietary: str | None
    text: str | None


@dataclass(frozen=True, slots=True)
class TransactionStatus:
    end_to_end_id: str | None
    status: str | None
    reasons: tuple[Reason, ...]


@dataclass(frozen=True, slots=True)
class PaymentInformationStatus:
    payment_information_id: str
    status: str | None
    reasons: tuple[Reason, ...]
    transactions: tuple[TransactionStatus, ...]


@dataclass(frozen=True, slots=True)
class StatusReport:
    message_id: str
    created: datetime
    original_message_id: str
    original_message_name: str
    group_status: str | None
    group_reasons: tuple[Reason, ...]
    payments: tuple[PaymentInformationStatus, ...]

    def transaction_statuses(self) -> dict[str, TransactionStatus]:
        """EndToEndId → its status; a transaction without its own status takes its block's or the group's."""
        result: dict[str, TransactionStatus] = {}
        for block in self.payments:
            for tx in block.transactions:
                if tx.end_to_end_id is None:
                    continue
                status = tx.status or block.status or self.group_status
                result[tx.end_to_end_id] = TransactionStatus(tx.end_to_end_id, status, tx.reasons or block.reasons)
        return result


def read_pain002(data: bytes) -> StatusReport:
    """Read a pain.002.001.03 status report, or raise `BankFileRejected` with the line and reason."""
    from klientportal.formats.bank.camt import parse_document

    root, namespace = parse_document(data)
    if namespace != NS:
        raise BankFileRejected(
            f"not a pain.002.001.03 ({namespace or 'no namespace'})", root.sourceline, code="unknown-format"
        )
    _check_shape(root)
    ns = {"s": NS}
    report = root.find("s:CstmrPmtStsRpt", ns)
    assert report is not None
    header, group = report.find("s:GrpHdr", ns), report.find("s:OrgnlGrpInfAndSts", ns)
    assert header is not None and group is not None
    group_status = _status(group, "s:GrpSts", ns, GROUP_STATUSES)
    payments = tuple(
        PaymentInformationStatus(
            payment_information_id=_required(block, "s:OrgnlPmtInfId", ns),
            status=_status(block, "s:PmtInfSts", ns, GROUP_STATUSES),
            reasons=_reasons(block, ns),
            transactions=tuple(
                TransactionStatus(
                    end_to_end_id=_optional(tx, "s:OrgnlEndToEndId", ns),
                    status=_status(tx, "s:TxSts", ns, TRANSACTION_STATUSES),
                    reasons=_reasons(tx, ns),
                )
                for tx in block.iterfind("s:TxInfAndSts", ns)
            ),
        )
        for block in report.iterfind("s:OrgnlPmtInfAndSts", ns)
    )
    if group_status is None and not any(p.status or any(t.status for t in p.transactions) for p in payments):
        raise BankFileRejected("the report carries no status at all", group.sourceline, code="field")
    created = _required(header, "s:CreDtTm", ns)
    try:
        moment = datetime.fromisoformat(created.replace("Z", "+00:00"))
    except ValueError:
        raise BankFileRejected(
            f"CreDtTm {created!r} is not an ISO date-time", header.sourceline, code="field"
        ) from None
    return StatusReport(
        message_id=_required(header, "s:MsgId", ns),
        created=moment,
        original_message_id=_required(group, "s:OrgnlMsgId", ns),
        original_message_name=_required(group, "s:OrgnlMsgNmId", ns),
        group_status=group_status,
        group_reasons=_reasons(group, ns),
        payments=payments,
    )


def _check_shape(element: etree._Element) -> None:
    name = etree.QName(element).localname
    shape = _SHAPE.get(name)
    if shape is None:
        return
    required, allowed = shape
    children = [c for c in element if isinstance(c.tag, str)]
    for child in children:
        qname = etree.QName(child)
        if qname.namespace != NS or qname.localname not in allowed:
            raise BankFileRejected(
                f"unexpected element {qname.localname} in {name}", child.sourceline, code="structure"
            )
    missing = required - {etree.QName(c).localname for c in children}
    if missing:
        raise BankFileRejected(f"{name} lacks {', '.join(sorted(missing))}", element.sourceline, code="structure")
    for child in children:
        _check_shape(child)


def _optional(element: etree._Element, path: str, ns: dict[str, str]) -> str | None:
    found = element.find(path, ns)
    if found is None:
        return None
    text = (found.text or "").strip()
    if not text or len(text) > 140:
        raise BankFileRejected(f"{etree.QName(found).localname} is empty or too long", found.sourceline, code="field")
    return text


def _required(element: etree._Element, path: str, ns: dict[str, str]) -> str:
    value = _optional(element, path, ns)
    if value is None:
        raise BankFileRejected(f"{path[2:]} is missing", element.sourceline, code="structure")
    return value


def _status(element: etree._Element, path: str, ns: dict[str, str], allowed: frozenset[str]) -> str | None:
    value = _optional(element, path, ns)
    if value is not None and value not in allowed:
        found = element.find(path, ns)
        raise BankFileRejected(
            f"unknown status {value!r}", found.sourceline if found is not None else None, code="field"
        )
    return value


def _reasons(element: etree._Element, ns: dict[str, str]) -> tuple[Reason, ...]:
    reasons = []
    for info in element.iterfind("s:StsRsnInf", ns):
        code = _optional(info, "s:Rsn/s:Cd", ns)
        if code is not None and not (len(code) == 4 and code.isalnum()):
            raise BankFileRejected(f"reason code {code!r} is not a 4-character ISO code", info.sourceline, code="field")
        texts = [t.text.strip() for t in info.iterfind("s:AddtlInf", ns) if t.text and t.text.strip()]
        reasons.append(Reason(code, _optional(info, "s:Rsn/s:Prtry", ns), " ".join(texts) or None))
    return tuple(reasons)


@dataclass(frozen=True, slots=True)
class Verdict:
    """What the simulator (or a test) says of one transaction: ACCP, or RJCT with a reason code and text."""

    end_to_end_id: str
    status: str
    reason_code: str | None = None
    reason_text: str | None = None


def build_pain002(
    message_id: str,
    created: datetime,
    original_message_id: str,
    payment_information_id: str,
    verdicts: tuple[Verdict, ...],
    *,
    group_rejection: tuple[str, str] | None = None,
) -> bytes:
    """A pain.002.001.03 answer to one pain.001: group status ACCP, RJCT or PART from the verdicts, or
    (`group_rejection` = reason code and text) the whole file rejected without per-transaction lines."""
    rejected = sum(v.status == REJECTED for v in verdicts)
    group = "ACCP" if rejected == 0 else REJECTED if rejected == len(verdicts) else "PART"
    if group_rejection is not None:
        group = REJECTED

    def sub(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
        element = etree.SubElement(parent, f"{{{NS}}}{tag}")
        if text is not None:
            element.text = text
        return element

    document = etree.Element(f"{{{NS}}}Document", nsmap={None: NS})
    report = sub(document, "CstmrPmtStsRpt")
    header = sub(report, "GrpHdr")
    sub(header, "MsgId", message_id)
    sub(header, "CreDtTm", created.isoformat(timespec="seconds"))
    original = sub(report, "OrgnlGrpInfAndSts")
    sub(original, "OrgnlMsgId", original_message_id)
    sub(original, "OrgnlMsgNmId", "pain.001.001.03")
    sub(original, "OrgnlNbOfTxs", str(len(verdicts)))
    sub(original, "GrpSts", group)
    if group_rejection is not None:
        info = sub(original, "StsRsnInf")
        sub(sub(info, "Rsn"), "Cd", group_rejection[0])
        sub(info, "AddtlInf", group_rejection[1][:105])
        data: bytes = etree.tostring(document, xml_declaration=True, encoding="UTF-8", pretty_print=True)
        return data
    block = sub(report, "OrgnlPmtInfAndSts")
    sub(block, "OrgnlPmtInfId", payment_information_id)
    sub(block, "PmtInfSts", group)
    for verdict in verdicts:
        tx = sub(block, "TxInfAndSts")
        sub(tx, "OrgnlEndToEndId", verdict.end_to_end_id)
        sub(tx, "TxSts", verdict.status)
        if verdict.reason_code is not None or verdict.reason_text is not None:
            info = sub(tx, "StsRsnInf")
            if verdict.reason_code is not None:
                sub(sub(info, "Rsn"), "Cd", verdict.reason_code)
            if verdict.reason_text is not None:
                sub(info, "AddtlInf", verdict.reason_text[:105])
    data = etree.tostring(document, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    return data
