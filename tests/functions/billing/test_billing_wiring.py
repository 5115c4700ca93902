"""The whole path on moto, as the local stack and AWS wire it: an audited write → the table stream →
events-publisher → the domain bus → the billing-usage event rule → the queue → billing-meter. The
stream and queue pumps redeliver nothing twice here, but a second drain of a replayed batch would
change nothing either (test_billing_metering)."""

from __future__ import annotations

from infra.local import seed
from infra.local.invoker import Invoker
from infra.local.pumps import Pumps
from klientportal.bootstrap import tenancy_service
from tests.functions.billing.conftest import ADMIN


def test_invoices_sent_are_metered_through_the_bus_and_the_event_rule(billing_api, aws_env, at):
    at("2026-11-12T10:00")
    pumps = Pumps(Invoker(), aws_env)
    pumps.drain()
    seed.seed_invoicing(tenancy_service())  # Fjordkaffe sends one by e-mail and one by EHF, Hansen one by e-mail
    pumps.drain()
    usage = billing_api.get("/bureau/usage?month=2026-11", user=ADMIN).json
    counts = {c["client_id"]: c["counts"] for c in usage["clients"]}
    assert counts[seed.FJORD] == {"ehf_sent": 1, "email_invoice": 1}
    assert counts[seed.BYGG] == {"email_invoice": 1}
    pumps.drain()
    again = billing_api.get("/bureau/usage?month=2026-11", user=ADMIN).json
    assert again == usage
