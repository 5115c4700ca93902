"""Print-and-post (OnlinePrint): a print centre takes a PDF and a postal address, prints and posts it,
and reports back (printed/posted, or rejected e.g. for an undeliverable address).

`HttpPrintCentre` is the shape of the print centre's API (not contracted yet);
`SimulatedPrintCentre` is the LOCAL SIMULATOR: the job goes to the outbox (channel "print") and a
"printed" receipt follows on the queue after KP_SIM_PRINT_DELAY_S seconds.
"""

from __future__ import annotations

import base64
import json
import os
import uuid
from dataclasses import dataclass
from typing import Any, Protocol

from klientportal.adapters import outbox
from klientportal.adapters.receipts import Receipt, post_receipt, simulator_delay


@dataclass(frozen=True)
class PrintJob:
    client_id: str
    invoice_id: str
    delivery_id: str
    recipient: dict[str, Any]  # name, street, postal_code, city, country
    pdf: bytes


class PrintCentre(Protocol):
    def submit(self, job: PrintJob) -> str:
        """Return the print centre's job id."""


class HttpPrintCentre:
    def __init__(self) -> None:
        self.base_url = os.environ.get("KP_PRINT_CENTRE_URL", "")
        self.token = os.environ.get("KP_PRINT_CENTRE_TOKEN", "")

    def submit(self, job: PrintJob) -> str:
        import urllib.request

        if not self.base_url:
            raise RuntimeError("KP_PRINT_CENTRE_URL is not configured")
        body = json.dumps(
            {
                "reference": job.delivery_id,
                "recipient": job.recipient,
                "colour": False,
                "document": base64.b64encode(job.pdf).decode(),
            }
        ).encode()
        req = urllib.request.Request(
            self.base_url + "/jobs",
            data=body,
            method="POST",
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(req, timeout=15) as resp:
            job_id: str = json.loads(resp.read())["job_id"]
        return job_id


class SimulatedPrintCentre:
    """LOCAL SIMULATOR of the print centre."""

    def submit(self, job: PrintJob) -> str:
        job_id = f"sim-print-{uuid.uuid4().hex[:12]}"
        outbox.deliver(
            "print",
            {
                "job_id": job_id,
                "reference": job.delivery_id,
                "recipient": job.recipient,
                "pages_pdf_bytes": len(job.pdf),
            },
        )
        post_receipt(
            Receipt(
                "print-centre",
                "printed",
                job.client_id,
                job.invoice_id,
                job_id,
                details={"delivery_id": job.delivery_id},
            ),
            delay_s=simulator_delay("KP_SIM_PRINT_DELAY_S"),
        )
        return job_id
