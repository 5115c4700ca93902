"""LOCAL SIMULATOR of the bank's side of outgoing payments, wrapped around the simulated bank channel
(`adapters/bank_channel.SimulatedBankChannel`): what a Norwegian bank does with a pain.001 it
receives.

On upload it reads the file as a bank would (`read_pain001`: XSD, NbOfTxs, CtrlSum); a file that
fails is answered with a pain.002 rejecting the group (FF01). Otherwise each transfer is checked:
an account failing MOD11, or listed as closed in `<sim dir>/closed-accounts.txt` (one account a
line), is rejected (AC01 / AC04); the rest are accepted. The pain.002 is offered at once; the
camt.054 debit notification of the accepted transfers is kept pending and offered by
`release_debits(customer, today)` from the requested execution date on (a bank debits on that day).
"""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from klientportal.adapters.bank_channel import RemoteFile, SimulatedBankChannel, simulator_dir
from klientportal.formats.bank import BankFileRejected
from klientportal.formats.bank.iso20022 import CAMT054
from klientportal.formats.bank.pain001 import Pain001Error, ReceivedOrder, account_kind, read_pain001
from klientportal.formats.bank.pain002 import Verdict, build_pain002

OSLO = ZoneInfo("Europe/Oslo")


class AnsweringBankChannel(SimulatedBankChannel):
    """The simulated channel, plus the bank's answers to what is uploaded."""

    def _closed(self) -> set[str]:
        path = simulator_dir() / "closed-accounts.txt"
        return {x.strip() for x in path.read_text().splitlines() if x.strip()} if path.is_file() else set()

    def upload(self, customer: str, name: str, data: bytes) -> str:
        received = super().upload(customer, name, data)
        now = datetime.now(OSLO)
        try:
            order = read_pain001(data)
        except BankFileRejected as exc:
            message = _message_id(data) or received
            answer = build_pain002(f"SIM-{received}", now, message, "", (), group_rejection=("FF01", exc.reason))
            self.offer(customer, f"pain002-{received}.xml", answer)
            return received
        verdicts = tuple(self._verdict(t.end_to_end_id, t.creditor_account) for t in order.transfers)
        answer = build_pain002(f"SIM-{received}", now, order.message_id, order.payment_information_ids[0], verdicts)
        self.offer(customer, f"pain002-{order.message_id}.xml", answer)
        accepted = {v.end_to_end_id for v in verdicts if v.status != "RJCT"}
        self._pend(customer, order, accepted)
        return received

    def _verdict(self, e2e: str, account: str) -> Verdict:
        try:
            account_kind(account)
        except Pain001Error:
            return Verdict(e2e, "RJCT", "AC01", "Ugyldig kontonummer")
        if account in self._closed() or account[4:] in self._closed():
            return Verdict(e2e, "RJCT", "AC04", "Kontoen er avsluttet")
        return Verdict(e2e, "ACCP")

    def _pending_dir(self, customer: str) -> Path:
        return self.outbound(customer).parent / "pending-debits"

    def _pend(self, customer: str, order: ReceivedOrder, accepted: set[str]) -> None:
        transfers = [t for t in order.transfers if t.end_to_end_id in accepted]
        if not transfers:
            return
        folder = self._pending_dir(customer)
        folder.mkdir(parents=True, exist_ok=True)
        pending = {
            "message_id": order.message_id,
            "execution_date": order.execution_dates[0].isoformat(),
            "debtor_account": order.debtor_account,
            "transfers": [
                {
                    "e2e": t.end_to_end_id,
                    "amount_ore": t.amount_ore,
                    "name": t.creditor_name,
                    "account": t.creditor_account,
                }
                for t in transfers
            ],
        }
        (folder / f"{order.message_id}.json").write_text(json.dumps(pending))

    def release_debits(self, customer: str, today: date) -> list[RemoteFile]:
        """Offer the camt.054 debit notification of every order whose execution date has come."""
        folder = self._pending_dir(customer)
        offered = []
        for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
            pending = json.loads(path.read_text())
            if date.fromisoformat(pending["execution_date"]) > today:
                continue
            offered.append(
                self.offer(customer, f"camt054-debit-{pending['message_id']}.xml", debit_notification(pending))
            )
            path.unlink()
        return offered


def debit_notification(pending: dict[str, object]) -> bytes:
    """A camt.054.001.02 debit notification of the transfers of one executed order."""
    from lxml import etree

    ns = CAMT054
    day = str(pending["execution_date"])
    message = f"SIM-DN-{pending['message_id']}"

    def sub(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
        element = etree.SubElement(parent, f"{{{ns}}}{tag}", attrs)
        if text is not None:
            element.text = text
        return element

    doc = etree.Element(f"{{{ns}}}Document", nsmap={None: ns})
    root = sub(doc, "BkToCstmrDbtCdtNtfctn")
    header = sub(root, "GrpHdr")
    sub(header, "MsgId", message)
    sub(header, "CreDtTm", f"{day}T06:00:00+01:00")
    notification = sub(root, "Ntfctn")
    sub(notification, "Id", message)
    sub(notification, "CreDtTm", f"{day}T06:00:00+01:00")
    other = sub(sub(sub(notification, "Acct"), "Id"), "Othr")
    sub(other, "Id", str(pending["debtor_account"]))
    sub(sub(other, "SchmeNm"), "Cd", "BBAN")
    transfers = pending["transfers"]
    assert isinstance(transfers, list)
    for n, t in enumerate(transfers, start=1):
        amount = str(Decimal(int(t["amount_ore"])).scaleb(-2))
        entry = sub(notification, "Ntry")
        sub(entry, "Amt", amount, Ccy="NOK")
        sub(entry, "CdtDbtInd", "DBIT")
        sub(entry, "Sts", "BOOK")
        sub(sub(entry, "BookgDt"), "Dt", day)
        sub(sub(entry, "ValDt"), "Dt", day)
        sub(entry, "AcctSvcrRef", f"{message}-{n}")
        domain = sub(sub(entry, "BkTxCd"), "Domn")
        sub(domain, "Cd", "PMNT")
        family = sub(domain, "Fmly")
        sub(family, "Cd", "ICDT")
        sub(family, "SubFmlyCd", "DMCT")
        tx = sub(sub(entry, "NtryDtls"), "TxDtls")
        sub(sub(tx, "Refs"), "EndToEndId", str(t["e2e"]))
        parties = sub(tx, "RltdPties")
        sub(sub(parties, "Cdtr"), "Nm", str(t["name"]))
        account = sub(sub(sub(parties, "CdtrAcct"), "Id"), "Othr")
        sub(account, "Id", str(t["account"]))
    data: bytes = etree.tostring(doc, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    return data


def _message_id(data: bytes) -> str | None:
    start = data.find(b"<MsgId>")
    end = data.find(b"</MsgId>", start)
    return data[start + 7 : end].decode("utf-8", "replace") if 0 <= start < end else None
