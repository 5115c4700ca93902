"""Debt collection with Svea Finans: hand over a claim (create case), receive status updates, close the
case when the debtor pays us directly.

`HttpSvea` is the shape of Svea's collection API (not contracted; no credentials here);
`SimulatedSvea` is the LOCAL SIMULATOR: cases go to the outbox (channel "collection") and status
updates ("registered", then "debtor_notified") come back on the invoice-receipts queue.
"""

from __future__ import annotations

import json
import os
import uuid
from dataclasses import dataclass
from typing import Any, Protocol

from klientportal.adapters import outbox
from klientportal.adapters.receipts import Receipt, post_receipt, simulator_delay


@dataclass(frozen=True)
class Claim:
    client_id: str
    invoice_id: str
    creditor_orgnr: str
    debtor: dict[str, Any]  # name, orgnr, address, email
    invoice_number: str
    kid: str | None
    principal: str  # outstanding amount, NOK, as a string
    fees: str
    interest: str
    due_date: str
    inkassovarsel_date: str


class Collection(Protocol):
    def create_case(self, claim: Claim) -> str: ...

    def close_case(self, case_id: str, reason: str, client_id: str, invoice_id: str) -> None: ...


class HttpSvea:
    def __init__(self) -> None:
        self.base_url = os.environ.get("KP_SVEA_URL", "")
        self.token = os.environ.get("KP_SVEA_TOKEN", "")

    def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        import urllib.request

        if not self.base_url:
            raise RuntimeError("KP_SVEA_URL is not configured")
        req = urllib.request.Request(
            self.base_url + path,
            data=json.dumps(body).encode(),
            method="POST",
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(req, timeout=15) as resp:
            answer: dict[str, Any] = json.loads(resp.read() or b"{}")
        return answer

    def create_case(self, claim: Claim) -> str:
        case_id: str = self._post("/cases", claim.__dict__)["case_id"]
        return case_id

    def close_case(self, case_id: str, reason: str, client_id: str, invoice_id: str) -> None:
        self._post(f"/cases/{case_id}/close", {"reason": reason})


class SimulatedSvea:
    """LOCAL SIMULATOR of Svea Finans."""

    def create_case(self, claim: Claim) -> str:
        case_id = f"sim-svea-{uuid.uuid4().hex[:10]}"
        outbox.deliver("collection", {"action": "create_case", "case_id": case_id, **claim.__dict__})
        delay = simulator_delay("KP_SIM_SVEA_DELAY_S")
        for status in ("registered", "debtor_notified"):
            post_receipt(
                Receipt("svea", "status", claim.client_id, claim.invoice_id, case_id, status=status), delay_s=delay
            )
        return case_id

    def close_case(self, case_id: str, reason: str, client_id: str, invoice_id: str) -> None:
        outbox.deliver("collection", {"action": "close_case", "case_id": case_id, "reason": reason})
        post_receipt(Receipt("svea", "status", client_id, invoice_id, case_id, status="closed", reason=reason))
