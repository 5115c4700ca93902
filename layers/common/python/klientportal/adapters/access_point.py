"""PEPPOL access point: participant lookup (SMP) and document submission; receipts come back
asynchronously (PEPPOL Message Level Status: accepted or rejected with a reason).

`HttpAccessPoint` is the shape of a commercial AP's REST API (lookup, submit, receipts by webhook);
it is not wired to a vendor yet. `SimulatedAccessPoint` is the LOCAL SIMULATOR.
"""

from __future__ import annotations

import json
import os
import uuid
from dataclasses import dataclass
from typing import Any, Protocol

from klientportal.adapters import outbox
from klientportal.adapters.receipts import Receipt, post_receipt, simulator_delay
from klientportal.formats.ehf.ubl import CREDIT_NOTE_DOCUMENT_TYPE_ID, INVOICE_DOCUMENT_TYPE_ID


@dataclass(frozen=True)
class Participant:
    participant_id: str
    registered: bool
    accepts_invoice: bool = False
    accepts_credit_note: bool = False

    def accepts(self, credit_note: bool) -> bool:
        return self.registered and (self.accepts_credit_note if credit_note else self.accepts_invoice)


@dataclass(frozen=True)
class Submission:
    message_id: str


@dataclass(frozen=True)
class EhfEnvelope:
    sender: str  # 0192:<orgnr>
    receiver: str
    credit_note: bool
    xml: bytes
    client_id: str
    invoice_id: str
    delivery_id: str


class AccessPoint(Protocol):
    def lookup(self, participant_id: str) -> Participant: ...

    def submit(self, envelope: EhfEnvelope) -> Submission: ...


class HttpAccessPoint:
    """A commercial access point over HTTPS (base URL and token from the environment). Receipts
    arrive at our webhook, which puts them on the invoice-receipts queue. Not yet contracted."""

    def __init__(self, base_url: str | None = None, token: str | None = None) -> None:
        self.base_url = base_url or os.environ.get("KP_ACCESS_POINT_URL", "")
        self.token = token or os.environ.get("KP_ACCESS_POINT_TOKEN", "")

    def _request(self, method: str, path: str, body: bytes | None = None, content_type: str = "") -> dict[str, Any]:
        import urllib.request

        if not self.base_url:
            raise RuntimeError("KP_ACCESS_POINT_URL is not configured")
        req = urllib.request.Request(
            self.base_url + path,
            data=body,
            method=method,
            headers={
                "Authorization": f"Bearer {self.token}",
                **({"Content-Type": content_type} if content_type else {}),
            },
        )
        with urllib.request.urlopen(req, timeout=10) as resp:
            answer: dict[str, Any] = json.loads(resp.read() or b"{}")
        return answer

    def lookup(self, participant_id: str) -> Participant:
        found = self._request("GET", f"/participants/iso6523-actorid-upis::{participant_id}")
        types = set(found.get("document_types", []))
        return Participant(
            participant_id,
            bool(found.get("registered")),
            INVOICE_DOCUMENT_TYPE_ID in types,
            CREDIT_NOTE_DOCUMENT_TYPE_ID in types,
        )

    def submit(self, envelope: EhfEnvelope) -> Submission:
        resp = self._request(
            "POST",
            f"/outbound?receiver={envelope.receiver}&reference={envelope.delivery_id}",
            envelope.xml,
            "application/xml",
        )
        return Submission(resp["message_id"])


def _listed(name: str) -> set[str]:
    return {x.strip() for x in os.environ.get(name, "").split(",") if x.strip()}


class SimulatedAccessPoint:
    """LOCAL SIMULATOR of a PEPPOL access point and SMP.

    - Lookup: every participant is registered for EHF invoices and credit notes, except those in
      KP_SIM_PEPPOL_UNKNOWN (comma-separated participant ids, e.g. "0192:923609016").
    - Submit: the document goes to the outbox (channel "ehf"); the receipt follows on the queue:
      rejected when the receiver is in KP_SIM_PEPPOL_REJECT ("receiver inbox closed") or when the
      official validator finds a fatal rule (if KP_SIM_AP_VALIDATE=1), else accepted.
    """

    def lookup(self, participant_id: str) -> Participant:
        registered = participant_id not in _listed("KP_SIM_PEPPOL_UNKNOWN")
        return Participant(participant_id, registered, registered, registered)

    def submit(self, envelope: EhfEnvelope) -> Submission:
        message_id = f"sim-ap-{uuid.uuid4().hex[:16]}"
        outbox.deliver(
            "ehf",
            {
                "message_id": message_id,
                "sender": envelope.sender,
                "receiver": envelope.receiver,
                "document_type": CREDIT_NOTE_DOCUMENT_TYPE_ID if envelope.credit_note else INVOICE_DOCUMENT_TYPE_ID,
                "reference": envelope.delivery_id,
                "xml": envelope.xml.decode("utf-8"),
            },
        )
        reason = self._rejection(envelope)
        post_receipt(
            Receipt(
                "access-point",
                "rejected" if reason else "accepted",
                envelope.client_id,
                envelope.invoice_id,
                message_id,
                reason=reason,
                details={"delivery_id": envelope.delivery_id},
            ),
            delay_s=simulator_delay("KP_SIM_AP_DELAY_S"),
        )
        return Submission(message_id)

    @staticmethod
    def _rejection(envelope: EhfEnvelope) -> str | None:
        if envelope.receiver in _listed("KP_SIM_PEPPOL_REJECT"):
            return "receiver access point refused the message: inbox closed (simulated)"
        if os.environ.get("KP_SIM_AP_VALIDATE", "0") == "1":
            from klientportal.formats.ehf.validation import validate_ehf

            report = validate_ehf(envelope.xml)
            if not report.valid:
                fatal = [f.rule_id for f in report.findings if f.flag == "fatal"]
                return "validation failed: " + ", ".join(fatal or ["XSD"])
        return None
