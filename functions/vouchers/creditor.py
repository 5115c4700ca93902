"""The creditor account of a payment line, shared by the voucher payment proposal and the payment
batches: its own module, so that the payments handler does not import every voucher response model."""

from __future__ import annotations

from klientportal.api.response_model import ResponseModel


class CreditorAccount(ResponseModel):
    """Where the payment goes: a Norwegian account (bban, 11 digits) or an IBAN."""

    bban: str | None = None
    iban: str | None = None
