"""Billable approved hours to an invoice draft for their customer, each hour entry at most once (0922).

The draft is made by invoicing's own use case (`Drafts.draft_record`: the product's price, VAT code
and the customer checked as for any draft) and written in one transaction with a claim per hour
entry (`HOURCLAIM#<employee>#<entry>`, created only if absent): a second invoice of an entry, also a
concurrent one, fails as a whole and writes nothing. One line per project: the hours summed, at the
hour product's price (unit HUR).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from klientportal.api.types import Date, Integer, SingleLine
from klientportal.errors import FieldError, InvalidInput, RuleViolation
from klientportal.repository import keys
from klientportal.repository.records import Record
from klientportal.repository.store import Actor, Change, Store

if TYPE_CHECKING:  # the caller gives the invoicing use case; importing it is the invoicing handler's cost
    from klientportal.invoicing.drafts import Drafts

MAX_ENTRIES = 40  # + the draft, each with its audit event, within one DynamoDB transaction
MAX_DAYS = 93


class HoursInvoiceIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, defer_build=True)

    customer_number: Integer = Field(ge=1, le=999_999_999)
    date_from: Date
    date_to: Date
    product_number: Annotated[str, StringConstraints(min_length=1, max_length=20), SingleLine] = Field(
        description="the hour product: its price per hour and VAT code"
    )

    @model_validator(mode="after")
    def _period(self) -> HoursInvoiceIn:
        if self.date_to < self.date_from:
            raise ValueError("date_to is before date_from")
        if (self.date_to - self.date_from).days > MAX_DAYS:
            raise ValueError(f"at most {MAX_DAYS} days at a time")
        return self


def invoice_hours(store: Store, drafts: Drafts, client_id: str, body: HoursInvoiceIn, actor: Actor) -> dict[str, Any]:
    pk = keys.client_pk(client_id)
    candidates = [
        (int(w.data["employee_number"]), e)
        for w in store.query_all(pk, keys.TIMESHEET_PREFIX)
        if w.data["status"] == "approved"
        for e in w.data["entries"]
        if e["billable"]
        and e.get("customer_number") == body.customer_number
        and body.date_from <= date.fromisoformat(e["date"]) <= body.date_to
    ]
    claimed = store.get_many((pk, keys.hour_claim_sk(n, e["entry_id"])) for n, e in candidates)
    open_entries = [(n, e) for n, e in candidates if claimed[(pk, keys.hour_claim_sk(n, e["entry_id"]))] is None]
    if not open_entries:
        raise RuleViolation(
            f"customer {body.customer_number} has no approved billable hours not yet invoiced "
            f"from {body.date_from.isoformat()} to {body.date_to.isoformat()}",
            extra={"already_invoiced": len(candidates)},
        )
    if len(open_entries) > MAX_ENTRIES:
        raise InvalidInput(
            f"{len(open_entries)} hour entries: at most {MAX_ENTRIES} in one invoice; choose a shorter period",
            [FieldError("date_to", f"at most {MAX_ENTRIES} hour entries")],
        )
    per_project: dict[str, Decimal] = defaultdict(Decimal)
    for _, e in open_entries:
        per_project[e.get("project") or ""] += Decimal(e["hours"])
    span = f"{body.date_from.isoformat()}–{body.date_to.isoformat()}"
    lines = [
        {
            "product_number": body.product_number,
            "description": f"Timer {'prosjekt ' + project if project else 'uten prosjekt'} {span}",
            "quantity": str(hours),
            "unit_code": "HUR",
        }
        for project, hours in sorted(per_project.items())
    ]
    draft = drafts.draft_record({"customer_number": body.customer_number, "lines": lines})
    invoice_id = draft.data["id"]
    changes = [Change(None, draft, "invoice.draft_created")]
    for n, e in open_entries:
        claim = {"employee_number": n, "entry_id": e["entry_id"], "hours": e["hours"], "invoice_id": invoice_id}
        changes.append(
            Change(None, Record(pk, keys.hour_claim_sk(n, e["entry_id"]), "hour_claim", claim), "hours.invoiced")
        )
    store.write(pk, changes, actor)
    return {
        "invoice_id": invoice_id,
        "customer_number": body.customer_number,
        "hour_entries": len(open_entries),
        "hours": str(sum(per_project.values(), Decimal(0))),
        "lines": [{"description": x["description"], "quantity": x["quantity"]} for x in lines],
    }
