"""ISO 20022 camt.053.001.02 (statement) and camt.054.001.02 (debit/credit notification) reader.

The XML is parsed with the hardened parser (`formats/safe_xml.py`: no DTD, entities or network) and
validated against its XSD before anything is read: a file that fails it is refused with the first
error's line. Booked entries (`Sts` BOOK) become `BankEntry`s, one per transaction of a batch entry
(`NtryDtls/TxDtls`) when the transactions carry their own amounts; pending and information entries
are not money yet and are left out. The KID is the structured creditor reference of type SCOR.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from lxml import etree

from klientportal.formats.bank import iso20022
from klientportal.formats.bank.model import BankEntry, BankFile, BankFileRejected
from klientportal.formats.safe_xml import XmlInputError, parse_xml

OSLO = ZoneInfo("Europe/Oslo")
_KINDS = {
    iso20022.CAMT053: ("camt.053", "BkToCstmrStmt", "Stmt"),
    iso20022.CAMT054: ("camt.054", "BkToCstmrDbtCdtNtfctn", "Ntfctn"),
}
_NOT_PROVIDED = "NOTPROVIDED"


def parse_document(data: bytes) -> tuple[etree._Element, str]:
    """The hardened parse of an ISO 20022 document: (root, namespace); refused as `BankFileRejected`."""
    try:
        root = parse_xml(data)
    except XmlInputError as exc:
        raise BankFileRejected(f"not acceptable XML ({exc.reason}): {exc}", _xml_line(str(exc)), code="xml") from None
    namespace = etree.QName(root).namespace or ""
    if etree.QName(root).localname != "Document":
        raise BankFileRejected(
            f"the root element is {etree.QName(root).localname}, not an ISO 20022 Document",
            root.sourceline,
            code="unknown-format",
        )
    return root, namespace


def read_camt(data: bytes) -> BankFile:
    """Read a camt.053.001.02 or camt.054.001.02 document whole, or raise `BankFileRejected`."""
    root, namespace = parse_document(data)
    if namespace == iso20022.CAMT052:
        raise BankFileRejected(
            "camt.052 is an intraday account report whose entries are not final: import the camt.053 statement "
            "or the camt.054 notification instead",
            root.sourceline,
            code="unsupported",
        )
    if namespace not in _KINDS:
        raise BankFileRejected(
            f"unsupported message {namespace or '(no namespace)'}: expected camt.053.001.02 or camt.054.001.02",
            root.sourceline,
            code="unknown-format",
        )
    errors = iso20022.schema_errors(root, namespace)
    if errors:
        line, message = errors[0]
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise BankFileRejected(f"fails the {namespace.rsplit(':', 1)[-1]} XSD: {message}{more}", line, code="xsd")
    fmt, message_tag, report_tag = _KINDS[namespace]
    ns = {"c": namespace}
    message = root.find(f"c:{message_tag}", ns)
    assert message is not None  # the XSD requires it
    identity = _text(message, "c:GrpHdr/c:MsgId", ns) or ""
    created = _datetime(_text(message, "c:GrpHdr/c:CreDtTm", ns))
    entries = tuple(
        entry for report in message.iterfind(f"c:{report_tag}", ns) for entry in _report_entries(report, ns, identity)
    )
    return BankFile(
        format=fmt,
        identity=identity,
        created=created,
        entries=entries,
        count=len(entries),
        credit_ore=sum(e.amount_ore for e in entries if e.credit),
        debit_ore=sum(e.amount_ore for e in entries if not e.credit),
    )


def _report_entries(report: etree._Element, ns: dict[str, str], identity: str) -> Iterator[BankEntry]:
    _reconcile_summary(report, ns)
    account = _account(report.find("c:Acct", ns), ns)
    report_id = _text(report, "c:Id", ns) or ""
    created = _datetime(_text(report, "c:CreDtTm", ns))
    fallback_day = created.astimezone(OSLO).date() if created is not None else None
    for index, ntry in enumerate(report.iterfind("c:Ntry", ns), start=1):
        if _text(ntry, "c:Sts", ns) != "BOOK":
            continue
        yield from _entry(ntry, ns, account, f"{identity}/{report_id}/{index}", fallback_day)


def _reconcile_summary(report: etree._Element, ns: dict[str, str]) -> None:
    """A report's own control totals (TxsSummry: number and sum of entries, of credits, of debits)
    must agree with its entries, as the OCR end records must."""
    summary = report.find("c:TxsSummry", ns)
    if summary is None:
        return
    entries = [
        (_text(ntry, "c:CdtDbtInd", ns), iso20022.hundredths(_text(ntry, "c:Amt", ns) or "", ntry.sourceline))
        for ntry in report.iterfind("c:Ntry", ns)
    ]
    for path, wanted in (("c:TtlNtries", None), ("c:TtlCdtNtries", "CRDT"), ("c:TtlDbtNtries", "DBIT")):
        totals = summary.find(path, ns)
        if totals is None:
            continue
        chosen = [amount for kind, amount in entries if wanted is None or kind == wanted]
        count, total = _text(totals, "c:NbOfNtries", ns), _text(totals, "c:Sum", ns)
        if count is not None and int(count) != len(chosen):
            raise BankFileRejected(
                f"{path[2:]}/NbOfNtries says {count}, the report holds {len(chosen)}",
                totals.sourceline,
                code="control-total",
            )
        if total is not None and iso20022.hundredths(total, totals.sourceline) != sum(chosen):
            raise BankFileRejected(
                f"{path[2:]}/Sum says {total}, the entries sum to {_units(sum(chosen))}",
                totals.sourceline,
                code="control-total",
            )


def _entry(
    ntry: etree._Element, ns: dict[str, str], account: str | None, position: str, fallback_day: date | None
) -> Iterator[BankEntry]:
    amount_element = ntry.find("c:Amt", ns)
    assert amount_element is not None
    amount = iso20022.hundredths(amount_element.text or "", amount_element.sourceline)
    currency = amount_element.get("Ccy", "")
    if amount <= 0:
        raise BankFileRejected("a booked entry of 0", ntry.sourceline, code="field")
    credit = _text(ntry, "c:CdtDbtInd", ns) == "CRDT"
    booking = _date(ntry, "c:BookgDt", ns)
    value = _date(ntry, "c:ValDt", ns)
    booking = booking or value or fallback_day  # no BookgDt/ValDt: the day the bank made the report
    if booking is None:
        raise BankFileRejected("a booked entry without a booking or value date", ntry.sourceline, code="field")
    entry_ref = _text(ntry, "c:AcctSvcrRef", ns) or _text(ntry, "c:NtryRef", ns)
    details = list(ntry.iterfind("c:NtryDtls/c:TxDtls", ns))
    amounts = [_transaction_amount(tx, ns, currency) for tx in details]
    if len(details) > 1 and all(a is not None for a in amounts):
        total = sum(a for a in amounts if a is not None)
        if total != amount:
            raise BankFileRejected(
                f"the {len(details)} transactions of the batch sum to {_units(total)}, the entry says {_units(amount)}",
                ntry.sourceline,
                code="control-total",
            )
        for n, (tx, tx_amount) in enumerate(zip(details, amounts, strict=True), start=1):
            assert tx_amount is not None
            fallback = f"{entry_ref}/{n}" if entry_ref else f"{position}/{n}"
            yield _build(tx, ns, tx_amount, currency, credit, booking, value, account, fallback, tx.sourceline)
        return
    if len(details) == 1:
        yield _build(
            details[0],
            ns,
            amount,
            currency,
            credit,
            booking,
            value,
            account,
            entry_ref or position,
            ntry.sourceline,
            entry_ref,
        )
        return
    texts = [text for tx in details for text in _texts(tx, "c:RmtInf/c:Ustrd", ns)]
    summary = f"batch of {len(details)} transactions without their amounts" if details else None
    yield BankEntry(
        reference=entry_ref or position,
        amount_ore=amount,
        credit=credit,
        kid=None,
        message="; ".join(t for t in [summary, *texts] if t) or None,
        booking_date=booking,
        value_date=value,
        payer_name=None,
        payer_account=None,
        account=account,
        end_to_end_id=None,
        line=ntry.sourceline,
        currency=currency,
    )


def _build(
    tx: etree._Element,
    ns: dict[str, str],
    amount: int,
    currency: str,
    credit: bool,
    booking: date,
    value: date | None,
    account: str | None,
    fallback: str,
    line: int | None,
    entry_ref: str | None = None,
) -> BankEntry:
    end_to_end = _text(tx, "c:Refs/c:EndToEndId", ns)
    if end_to_end == _NOT_PROVIDED:
        end_to_end = None
    reference = _text(tx, "c:Refs/c:AcctSvcrRef", ns) or entry_ref or end_to_end or fallback
    party, party_account = (
        ("c:RltdPties/c:Dbtr", "c:RltdPties/c:DbtrAcct") if credit else ("c:RltdPties/c:Cdtr", "c:RltdPties/c:CdtrAcct")
    )
    kids, other_refs = _creditor_references(tx, ns)
    texts = _texts(tx, "c:RmtInf/c:Ustrd", ns) + other_refs + (kids if len(kids) > 1 else [])
    return BankEntry(
        reference=reference,
        amount_ore=amount,
        credit=credit,
        kid=kids[0] if len(kids) == 1 else None,
        message=" ".join(texts) or None,
        booking_date=booking,
        value_date=value,
        payer_name=_text(tx, f"{party}/c:Nm", ns),
        payer_account=_account(tx.find(party_account, ns), ns),
        account=account,
        end_to_end_id=end_to_end,
        line=line,
        currency=currency,
    )


def _creditor_references(tx: etree._Element, ns: dict[str, str]) -> tuple[list[str], list[str]]:
    """(KIDs: SCOR references that are digits, other structured references as text)."""
    kids: list[str] = []
    others: list[str] = []
    for info in tx.iterfind("c:RmtInf/c:Strd/c:CdtrRefInf", ns):
        ref = (_text(info, "c:Ref", ns) or "").strip()
        if not ref:
            continue
        scor = _text(info, "c:Tp/c:CdOrPrtry/c:Cd", ns) == "SCOR"
        if scor and 2 <= len(ref) <= 25 and (ref.isdigit() or (ref[-1] == "-" and ref[:-1].isdigit())):
            kids.append(ref)
        else:
            others.append(ref)
    return kids, others


def _transaction_amount(tx: etree._Element, ns: dict[str, str], currency: str) -> int | None:
    for path in ("c:AmtDtls/c:TxAmt/c:Amt", "c:AmtDtls/c:InstdAmt/c:Amt"):
        element = tx.find(path, ns)
        if element is not None and element.get("Ccy") == currency:
            return iso20022.hundredths(element.text or "", element.sourceline)
    return None


def _account(acct: etree._Element | None, ns: dict[str, str]) -> str | None:
    if acct is None:
        return None
    return _text(acct, "c:Id/c:IBAN", ns) or _text(acct, "c:Id/c:Othr/c:Id", ns)


def _text(element: etree._Element, path: str, ns: dict[str, str]) -> str | None:
    found = element.find(path, ns)
    if found is None or found.text is None:
        return None
    return found.text.strip() or None


def _texts(element: etree._Element, path: str, ns: dict[str, str]) -> list[str]:
    return [t.text.strip() for t in element.iterfind(path, ns) if t.text and t.text.strip()]


def _date(ntry: etree._Element, path: str, ns: dict[str, str]) -> date | None:
    day = _text(ntry, f"{path}/c:Dt", ns)
    if day is not None:
        return date.fromisoformat(day)
    moment = _datetime(_text(ntry, f"{path}/c:DtTm", ns))
    return moment.astimezone(OSLO).date() if moment is not None else None


def _datetime(text: str | None) -> datetime | None:
    """An ISODateTime; one without an offset is taken as Oslo time (Norwegian banks send local time)."""
    if text is None:
        return None
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=OSLO)


def _units(hundredths: int) -> str:
    return str(Decimal(hundredths).scaleb(-2))


def _xml_line(message: str) -> int | None:
    """The line libxml2 names in a syntax error message ('..., line 3, column 7')."""
    marker = ", line "
    if marker not in message:
        return None
    digits = message.split(marker, 1)[1].split(",", 1)[0]
    return int(digits) if digits.isdigit() else None
