"""Every date a client sends is a calendar date string yyyy-mm-dd (api.types.Date): a date-time or a
Unix timestamp is refused, where pydantic's lax date would take it as midnight UTC."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import pytest
from pydantic import BaseModel, TypeAdapter, ValidationError

from functions.invoicing.api import PaymentIn, PeriodIn
from functions.sync.push_api import JournalEntryPush, PaymentPush
from functions.vouchers.api import DetailsPatch, Payment
from functions.vouchers.attestation_api import Delegation
from klientportal.registers.models import ProjectCreate, ProjectUpdate

FIELDS = [
    (PeriodIn, "start"),
    (PeriodIn, "end"),
    (PaymentIn, "paid_on"),
    (JournalEntryPush, "date"),
    (PaymentPush, "paid_on"),
    (DetailsPatch, "issue_date"),
    (DetailsPatch, "due_date"),
    (Payment, "paid_on"),
    (Delegation, "from_date"),
    (Delegation, "to_date"),
    (ProjectCreate, "start_date"),
    (ProjectCreate, "end_date"),
    (ProjectUpdate, "start_date"),
    (ProjectUpdate, "end_date"),
]


def _field(model: type[BaseModel], name: str) -> TypeAdapter:
    model.model_rebuild()
    info = model.model_fields[name]
    return TypeAdapter(Annotated[info.annotation, *info.metadata] if info.metadata else info.annotation)


@pytest.mark.parametrize(("model", "name"), FIELDS, ids=[f"{m.__name__}.{n}" for m, n in FIELDS])
def test_a_request_date_is_a_calendar_date_string(model, name):
    field = _field(model, name)
    assert field.validate_python("2026-03-09") == date(2026, 3, 9)
    for lax in ("2026-03-09T00:00:00", 1773014400, "2026-3-9", "2026-02-30"):
        with pytest.raises(ValidationError):
            field.validate_python(lax)
