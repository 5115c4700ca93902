"""The demo payroll seed: Byggmester Hansen's settings can pay the tax authority (tax account and
KIDs valid) and the client is in the reminders' index, so the local walk approves and is reminded."""

from __future__ import annotations

from infra.local.seed_payroll import seed_payroll
from klientportal.bootstrap import invocation, store
from klientportal.formats.kid import validate_kid
from klientportal.repository import keys


def test_the_demo_client_is_ready_for_approval_and_reminders(api) -> None:
    seed_payroll(invocation())
    settings = store().get(keys.client_pk("c-hansenbygg"), keys.PAYROLL_SETTINGS_SK)
    assert settings is not None
    assert validate_kid(settings.data["withholding_kid"]) and validate_kid(settings.data["contribution_kid"])
    assert settings.data["tax_account"] == "76940501004"
    listed = store().query_all(keys.PAYROLL_CLIENTS_GSI, index="GSI1")
    assert [r.gsi1sk for r in listed] == ["c-hansenbygg"]
