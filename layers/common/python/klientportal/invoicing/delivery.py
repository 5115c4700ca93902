"""Delivery channels: which adapter sends an invoice, what each channel needs from the customer, and
where the generated files live (documents bucket, under the client's prefix)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from klientportal import aws
from klientportal.errors import DomainError
from klientportal.formats.ehf.ubl import orgnr_participant_id
from klientportal.settings import settings

if TYPE_CHECKING:
    from klientportal.adapters.access_point import AccessPoint
    from klientportal.adapters.email import EmailSender
    from klientportal.adapters.print_centre import PrintCentre
    from klientportal.adapters.svea import Collection

CHANNELS = ("email", "ehf", "print")


class DeliveryAddressMissing(DomainError):
    status, slug, title = 422, "delivery-address-missing", "The customer has no address for this channel"


class ReceiverCannotTakeEhf(DomainError):
    status, slug, title = 422, "ehf-receiver-unknown", "The customer cannot receive EHF"


@dataclass(frozen=True)
class Adapters:
    email: EmailSender
    access_point: AccessPoint
    print_centre: PrintCentre
    collection: Collection


def adapters(mode: str | None = None) -> Adapters:
    """Real adapters in AWS (KP_DELIVERY_MODE=aws), the local simulators otherwise; imported here, by
    the first request that delivers something, not by every handler that imports this module."""
    from klientportal.adapters.access_point import HttpAccessPoint, SimulatedAccessPoint
    from klientportal.adapters.email import LocalSesEmailSender, SesEmailSender
    from klientportal.adapters.print_centre import HttpPrintCentre, SimulatedPrintCentre
    from klientportal.adapters.svea import HttpSvea, SimulatedSvea

    if (mode or settings().delivery_mode) == "aws":
        return Adapters(SesEmailSender(), HttpAccessPoint(), HttpPrintCentre(), HttpSvea())
    return Adapters(LocalSesEmailSender(), SimulatedAccessPoint(), SimulatedPrintCentre(), SimulatedSvea())


RECIPIENT_FIELDS = ("customer_number", "name", "email", "address", "orgnr", "peppol_id", "delivery_channel")


def recipient_of(customer: dict[str, Any]) -> dict[str, Any]:
    """What delivery needs of a customer, kept on the invoice when it is issued (decision 0407)."""
    return {k: customer[k] for k in RECIPIENT_FIELDS if customer.get(k) is not None}


def peppol_id_of(customer: dict[str, Any]) -> str | None:
    """Where the customer's EHF goes: its own participant id, else 0192:<orgnr>."""
    return customer.get("peppol_id") or (orgnr_participant_id(customer["orgnr"]) if customer.get("orgnr") else None)


def check_address(channel: str, customer: dict[str, Any]) -> None:
    """A clear problem when the customer lacks what `channel` needs."""
    number = customer.get("customer_number")
    if channel == "email" and not customer.get("email"):
        raise DeliveryAddressMissing(
            f"customer {number} has no e-mail address; add one or choose another channel",
            extra={"channel": channel, "customer_number": number, "missing": "email"},
        )
    if channel == "print" and not customer.get("address"):
        raise DeliveryAddressMissing(
            f"customer {number} has no postal address for print-and-post",
            extra={"channel": channel, "customer_number": number, "missing": "address"},
        )
    if channel == "ehf" and not peppol_id_of(customer):
        raise DeliveryAddressMissing(
            f"customer {number} has no PEPPOL participant id or organisation number",
            extra={"channel": channel, "customer_number": number, "missing": "peppol_id"},
        )


class DocumentFiles:
    """Invoice PDFs and EHF documents in the documents bucket: clients/<client>/invoices/<id>/..."""

    def __init__(self, client_id: str) -> None:
        self.client_id = client_id
        self.bucket = settings().documents_bucket

    def key(self, invoice_id: str, name: str) -> str:
        return f"clients/{self.client_id}/invoices/{invoice_id}/{name}"

    def put(self, key: str, content: bytes, content_type: str) -> None:
        aws.client("s3").put_object(Bucket=self.bucket, Key=key, Body=content, ContentType=content_type)

    def get(self, key: str) -> bytes | None:
        s3 = aws.client("s3")
        try:
            content: bytes = s3.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        except s3.exceptions.NoSuchKey:
            return None
        return content

    def presigned_url(self, key: str, expires_s: int = 300) -> str:
        url: str = aws.client("s3").generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": key}, ExpiresIn=expires_s
        )
        return url
