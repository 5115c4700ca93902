"""A client's billing agreement as stored (T#<client> / BILLING#AGREEMENT) and as the tier rules
see it. Without a stored agreement a client's agreement started the day it was created. ByråKlient
users are not agreed: the run counts them from the client's memberships (billing/users.py)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from klientportal import clock
from klientportal.api.types import Flag, Integer
from klientportal.billing.tiers import Agreement
from klientportal.repository import keys
from klientportal.repository.records import Record
from klientportal.tenancy.models import Client


class AgreementTerms(BaseModel):
    """What the bureau agrees with a client about billing (PUT /clients/{id}/billing-agreement)."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    version: Integer | None = Field(None, ge=1, description="the version you read (absent: the first save)")
    starts: date | None = Field(None, description="when the agreement starts (default: when the client was created)")
    re_invoice: Flag = Field(False, description="re-invoice this client from the bureau's own invoicing")
    customer_number: Integer | None = Field(
        None, ge=1, description="the client as a customer in the register of the bureau's own company"
    )


def created_on(client_rec: Record) -> date:
    return (
        clock.today_oslo(datetime.fromisoformat(client_rec.created_at)) if client_rec.created_at else clock.today_oslo()
    )


def agreement_of(client: Client, client_rec: Record, rec: Record | None) -> Agreement:
    data: dict[str, Any] = rec.data if rec else {}
    return Agreement(
        client_id=client.client_id,
        tier=client.tier,
        starts=date.fromisoformat(data["starts"]) if data.get("starts") else created_on(client_rec),
        ends=date.fromisoformat(data["ends"]) if data.get("ends") else None,
        users=0,  # counted per month from the memberships (BillingService._with_users)
        modules=tuple(client.modules),
        transferred_from=data.get("transferred_from"),
        bought_out_on=date.fromisoformat(data["bought_out_on"]) if data.get("bought_out_on") else None,
    )


def agreement_data(agreement: Agreement, base: dict[str, Any]) -> dict[str, Any]:
    """The stored data of `agreement`, keeping the terms of `base` the rules do not touch."""
    return {
        **{k: v for k, v in base.items() if k != "users"},  # agreed users of old items: counted now
        "client_id": agreement.client_id,
        "starts": agreement.starts.isoformat(),
        "ends": agreement.ends.isoformat() if agreement.ends else None,
        "transferred_from": agreement.transferred_from,
        "bought_out_on": agreement.bought_out_on.isoformat() if agreement.bought_out_on else None,
    }


def agreement_key(client_id: str) -> tuple[str, str]:
    return keys.client_pk(client_id), keys.BILLING_AGREEMENT_SK
