"""Fixtures for the voucher inbox on moto: the seeded API, the inbound bucket, the pumps."""

from __future__ import annotations

from pathlib import Path

import pytest

from functions import catalogue
from infra.local.invoker import Invoker
from infra.local.pumps import QueuePump
from klientportal import aws
from klientportal.settings import settings
from tests.unit.vouchers.conftest import NORWEGIAN_INVOICE_LINES, make_mail, make_pdf

EHF_EXAMPLE = (
    Path(__file__).resolve().parents[3].parent
    / "shared"
    / "conformance"
    / "peppol"
    / "examples"
    / "ehf-norway"
    / "ehf-3-faktura-1.xml"
)
FJORD = "c-fjordkaffe"
ADMIN = "daglig@fjordkaffe.no"
ACCOUNTANT = "regnskap@byraet.no"
FJORD_ORGNR = "912345610"
EXAMPLE_RECEIVER = b'<cbc:EndpointID schemeID="0192">987654325</cbc:EndpointID>'


def ehf_to(ehf: bytes, orgnr: str) -> bytes:
    """The official EHF example addressed (AccountingCustomerParty EndpointID) to `orgnr`."""
    assert ehf.count(EXAMPLE_RECEIVER) == 1
    return ehf.replace(EXAMPLE_RECEIVER, f'<cbc:EndpointID schemeID="0192">{orgnr}</cbc:EndpointID>'.encode())


class Inbound:
    """Writes into the inbound bucket exactly where SES, the portal upload and the access point do,
    then drains the queues into the ingest handler."""

    def __init__(self, env: dict) -> None:
        self.queues = QueuePump(Invoker(), env)
        self.queue_name = env[catalogue.env_var("queue:ingest")]

    @property
    def bucket(self) -> str:
        return settings().inbound_bucket

    def put(self, key: str, data: bytes, content_type: str = "application/octet-stream", **meta: str) -> None:
        """As the sender would; an upload carries the size it was declared with (the presigned POST's
        field), unless the test gives another."""
        if key.startswith("upload/"):
            meta = {"declared-size": str(len(data)), **meta}
        aws.client("s3").put_object(Bucket=self.bucket, Key=key, Body=data, ContentType=content_type, Metadata=meta)

    def mail(self, raw: bytes, name: str = "msg-1") -> None:
        self.put(f"mail/{name}", raw, "message/rfc822")

    def drain(self) -> int:
        """Deliver every pending S3 → SQS message to ingest (the stream pump is not needed here)."""
        total = 0
        while n := self.queues.drain():
            total += n
        return total


@pytest.fixture
def inbound(aws_env) -> Inbound:
    return Inbound(aws_env)


@pytest.fixture(scope="session")
def ehf_bytes() -> bytes:
    return EHF_EXAMPLE.read_bytes()


@pytest.fixture(scope="session")
def invoice_pdf() -> bytes:
    return make_pdf(NORWEGIAN_INVOICE_LINES)


@pytest.fixture(scope="session")
def mail_factory():
    return make_mail


@pytest.fixture(scope="session")
def pdf_factory():
    return make_pdf
