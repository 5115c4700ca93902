"""Per-client invoice settings (seller profile, KID, bank account, due days, numbering start) and the
legal values behind reminders (purregebyr, forsinkelsesrente) with their sources.

The legal values are configuration, not code: `ReminderLaw` carries each value with the regulation
it comes from, and a deployment overrides them through the environment (docs/invoicing.md).
"""

from __future__ import annotations

import os
from datetime import date
from decimal import ROUND_DOWN, Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from klientportal.api.types import Flag, Integer, Text
from klientportal.formats.kid import KidSettings
from klientportal.registers.base import Address
from klientportal.validation.norwegian import BankAccount, Bic, Email, Iban, PhoneNumber


class InvoiceSettings(BaseModel):
    """What a client's invoices say about the seller and how they are numbered and paid."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    seller_name: Annotated[Text, Field(min_length=1, max_length=200)] | None = Field(
        default=None, description="Name on the invoice; default the client's name"
    )
    mva_registered: Flag = True
    foretaksregisteret: Flag = Field(default=True, description="AS/ASA: print «Foretaksregisteret»")
    address: Address
    bank_account: BankAccount
    iban: Iban | None = None
    bic: Bic | None = None
    email: Email | None = None
    phone: PhoneNumber | None = None
    kid: KidSettings = Field(default_factory=KidSettings)
    due_days: Integer = Field(default=14, ge=0, le=365, description="Used when the customer has no terms")
    next_number_start: Integer = Field(
        default=1, ge=1, le=999_999_999, description="First invoice number; fixed once an invoice is issued"
    )
    automatic_reminders: Flag = True
    reminder_fee: Flag = Field(default=True, description="Charge purregebyr on reminders (within the law)")
    late_interest: Flag = Field(default=True, description="Claim forsinkelsesrente on reminders")


class ReminderLaw(BaseModel):
    """The Norwegian rules for reminders and collection, as configurable values with sources.

    Defaults are the values verified when this was written; update them yearly (inkassosatsen,
    1 January) and half-yearly (forsinkelsesrenten, 1 January and 1 July). See docs/invoicing.md.
    """

    model_config = ConfigDict(frozen=True, defer_build=True)

    inkassosats: Decimal = Field(
        default=Decimal("700"),
        description="Inkassosatsen in NOK (inkassoforskriften § 1-1). Purregebyr max = 1/10 of it "
        "(inkassoforskriften § 1-2). Set KP_INKASSOSATS to the current year's value.",
    )
    forsinkelsesrente_percent: Decimal = Field(
        default=Decimal("12.5"),
        description="Forsinkelsesrente p.a. (forsinkelsesrenteloven § 3; set half-yearly by "
        "Finansdepartementet: styringsrenten + 8 points). Set KP_FORSINKELSESRENTE.",
    )
    days_after_due_before_fee: int = Field(
        default=14, description="A reminder with fee no earlier than 14 days after due (inkassoforskriften § 1-2)"
    )
    reminder_deadline_days: int = Field(
        default=14, description="New payment deadline on a reminder/inkassovarsel (inkassoloven § 9: ≥ 14 days)"
    )
    max_fee_reminders: int = Field(
        default=2,
        description="Fees for at most two reminders, or one reminder and one inkassovarsel (inkassoforskriften § 1-3)",
    )
    source: str = (
        "inkassoloven § 9; inkassoforskriften §§ 1-1, 1-2, 1-3; forsinkelsesrenteloven §§ 2, 3; "
        "forskrift om forsinkelsesrente (FOR-2024-12-19-3279: 12,5 % from 1.1.2025)"
    )

    @property
    def max_reminder_fee(self) -> Decimal:
        """1/10 of the inkassosats, rounded down to whole øre."""
        return (self.inkassosats / 10).quantize(Decimal("0.01"), rounding=ROUND_DOWN)

    @classmethod
    def from_env(cls) -> ReminderLaw:
        values: dict[str, Any] = {}
        if os.environ.get("KP_INKASSOSATS"):
            values["inkassosats"] = Decimal(os.environ["KP_INKASSOSATS"])
        if os.environ.get("KP_FORSINKELSESRENTE"):
            values["forsinkelsesrente_percent"] = Decimal(os.environ["KP_FORSINKELSESRENTE"])
        return cls(**values)


def late_interest(outstanding: Decimal, rate_percent: Decimal, due: date, on: date) -> Decimal:
    """Forsinkelsesrente from the day after `due` up to and including `on`, actual/365, rounded to øre.

    Forsinkelsesrenteloven § 2: interest runs from the due date when the claim has a fixed due date.
    """
    days = (on - due).days
    if days <= 0 or outstanding <= 0:
        return Decimal("0.00")
    return (outstanding * rate_percent / Decimal(100) * Decimal(days) / Decimal(365)).quantize(Decimal("0.01"))
