"""The access matrix: every catalogue route × every role × own and foreign tenant.

Foreign cases (a client of another bureau, another client of the same bureau, an unassigned
client) must all end in 403 or 404 and never in data. Own-tenant cases must match the written
expectation below, which is the specification of who may do what — independent of the policy
module's own table.
"""

from __future__ import annotations

import re

import pytest

from functions import catalogue
from infra.local import seed
from klientportal.bootstrap import tenancy_service
from klientportal.registers.models import CustomerCreate
from klientportal.registers.service import REGISTERS, RegisterService
from klientportal.repository.store import SYSTEM
from tests.functions.other_bureau import create_other_bureau

BA, ACC, CA, CU, AT = "bureau_admin", "bureau_accountant", "client_admin", "client_user", "attester"
ALL = {BA, ACC, CA, CU, AT}
STAFF = {BA, ACC}
ADMINS = STAFF | {CA}

USERS = {
    BA: "admin@byraet.no",
    ACC: "regnskap@byraet.no",  # assigned c-fjordkaffe and c-hansenbygg, not c-lakkoglim
    CA: "daglig@fjordkaffe.no",
    CU: "salg@fjordkaffe.no",  # client_user with the invoicing module only
    AT: "prosjekt@fjordkaffe.no",
}
OWN = seed.FJORD
FOREIGN = {
    BA: ["c-other"],
    ACC: ["c-other", seed.LAKK],
    CA: ["c-other", seed.BYGG],
    CU: ["c-other", seed.BYGG],
    AT: ["c-other", seed.BYGG],
}

# Who may do each action on their own tenant (c-fjordkaffe: portal tier, modules invoicing,
# vouchers, attestation, bank, hours, reports; salg@ has only invoicing).
EXPECTED: dict[str, set[str]] = {
    "me.read": ALL,
    "bureau.read": STAFF,
    "bureau.licence.write": {BA},
    "bureau.users.read": {BA},
    "bureau.users.invite": {BA},
    "bureau.users.write": {BA},
    "clients.list": ALL,
    "clients.create": STAFF,
    "client.read": ALL,
    "client.write": STAFF,
    "client.licence.write": STAFF,
    "client.users.read": ADMINS,
    "client.users.invite": ADMINS,
    "client.users.write": ADMINS,
    "audit.read": ADMINS,
    "registers.customers.read": ADMINS | {CU},
    "registers.customers.write": ADMINS | {CU},
    "registers.products.read": ADMINS | {CU},
    "registers.products.write": ADMINS | {CU},
    "registers.suppliers.read": ADMINS,  # vouchers module: the client_user was not given it
    "registers.suppliers.write": ADMINS,
    "registers.employees.read": STAFF,  # payroll: c-fjordkaffe has no payroll module
    "registers.employees.write": STAFF,
    "registers.projects.read": STAFF,  # projects: not a module of c-fjordkaffe
    "registers.projects.write": STAFF,
    "registers.departments.read": ADMINS | {CU},
    "registers.departments.write": ADMINS,
    "registers.accounts.read": ADMINS | {CU},
    "registers.accounts.write": ADMINS,
    "ledger.read": ADMINS,
    "ledger.periods.write": STAFF,
    "ledger.mapping.write": STAFF,
    "ledger.saft": ADMINS,
    "reports.publish": STAFF,
    "reports.read": ADMINS,  # the reports module; salg@ was given invoicing only
    "invoicing.read": ADMINS | {CU},
    "invoicing.write": ADMINS | {CU},
    "invoicing.issue": ADMINS | {CU},
    "invoicing.send": ADMINS | {CU},
    "invoicing.remind": ADMINS | {CU},
    "invoicing.settings.write": ADMINS,
    "invoicing.payments": ADMINS,
    "invoicing.collection": ADMINS,
    "vouchers.read": ADMINS,  # vouchers module: salg@ was not given it; attesters see only what is routed to them
    "vouchers.write": ADMINS,
    "vouchers.upload": ADMINS,
    "vouchers.approve": ADMINS,
    "vouchers.inbox.write": ADMINS,
    "vouchers.book": STAFF,
    "vouchers.return": STAFF,
    "vouchers.bureau.queue": STAFF,
    "vouchers.attestation.read": {AT, CA},  # only what is routed to them (0270); attestation module
    "vouchers.attestation.decide": {AT, CA},
    "vouchers.attestation.rules.read": ADMINS,  # attestation rules (0502): client admin and bureau staff
    "vouchers.attestation.rules.write": ADMINS,
    "me.attestations.read": {AT, CA},  # only the steps assigned to them, in every client (0501)
    "vouchers.payment.read": ADMINS,  # module vouchers (0263): salg@ lacks it
    "vouchers.payment.write": ADMINS,  # deciding what is paid is approval-level: bureau staff, client admin
    "billing.usage.read": ADMINS,
    "billing.agreement.read": STAFF,
    "billing.agreement.write": STAFF,
    "billing.licence.write": {BA},
    "billing.bureau.usage.read": STAFF,
    "billing.prices.read": STAFF,
    "billing.prices.write": {BA},
    "billing.settings.read": STAFF,
    "billing.settings.write": {BA},
    "billing.runs.create": {BA},
    "billing.statements.read": STAFF,
    "billing.platform.prices.read": set(),  # platform operators only (0713): no bureau or client role
    "billing.platform.prices.write": set(),
    # sync (h-sync): the bureau's system follows and pushes; questions between staff and client admins
    "sync.changes.read": ADMINS,
    "sync.webhooks.read": ADMINS,
    "sync.webhooks.write": ADMINS,
    "sync.bureau_webhooks.read": {BA},
    "sync.bureau_webhooks.write": {BA},
    "sync.overview.read": STAFF,
    "sync.push": STAFF,
    "sync.questions.read": ADMINS,
    "sync.questions.write": ADMINS,
    # h-reports: the bureau-wide feed for staff; notifications for every member (filtered by role)
    "sync.bureau_changes.read": STAFF,
    "notifications.read": ADMINS | {CU},
    # payments (0520): module bank (salg@ lacks it); approving is the payment right, with step-up
    "payments.read": ADMINS,
    "payments.write": ADMINS,
    "payments.approve": {BA, CA},
    "payments.settings.write": {BA, CA},
    "payments.accounts.read": ADMINS,  # module vouchers: salg@ lacks it
    "payments.accounts.request": ADMINS,
    "payments.accounts.decide": ADMINS,
    "bank.read": ADMINS,  # bank module: salg@ was not given it
    "bank.agreement.write": ADMINS,
    "bank.import": ADMINS,
    "bank.match": ADMINS,
    "receivables.read": ADMINS,  # the customer sub-ledger belongs to the bank module
    "receivables.write": ADMINS,
    # payroll: c-fjordkaffe has no payroll module (salaries: client admins and bureau staff only)
    "payroll.read": STAFF,
    "payroll.settings.write": STAFF,
    "payroll.tax_cards.order": STAFF,
    "payroll.run": STAFF,
    "payroll.approve": STAFF,
    "payroll.report": STAFF,
    "me.payslips.read": ALL,  # only the caller's own payslips, in every client (0920)
    "hours.read": ADMINS,  # salg@ lacks the hours module
    "hours.write": ADMINS,
    "hours.approve": ADMINS,
    "hours.invoice": ADMINS,
}

PROTECTED = [(fn, r) for fn, r in catalogue.routes() if r.action is not None]
PUBLIC = [(fn, r) for fn, r in catalogue.routes() if r.action is None]


@pytest.fixture
def world(api):
    """The demo data plus a second bureau with a client that has data of its own."""
    service = tenancy_service()
    create_other_bureau(service)
    member = service.add_member("client", "c-other", "eier@fremmed.no", "Eier", "client_admin", SYSTEM)
    RegisterService(service.repo.store, "c-other").create(
        REGISTERS["customers"],
        CustomerCreate(customer_number=1, name="Hemmelig Kunde AS", email="post@hemmelig.no"),
        SYSTEM,
    )
    own_member = service.repo.members("client", OWN)[0]
    return {"api": api, "foreign_user": member.sub, "own_user": own_member.sub}


def _path(route: catalogue.Route, client_id: str, user_id: str) -> str:
    path = route.path.replace("{client_id}", client_id).replace("{item_id}", "1").replace("{user_id}", user_id)
    path = path.replace("{invoice_id}", "inv-1").replace("{participant_id}", "0192:923456708")
    path = path.replace("{voucher_id}", "0" * 24).replace("{customer_number}", "1")
    path = path.replace("{attestation_id}", "at0000000000000000000000-1")
    path = path.replace("{batch_id}", "pb-0000000000000000")
    path = path.replace("{import_id}", "bi-" + "0" * 32).replace("{payment_id}", "bp-" + "0" * 24)
    path = path.replace("{run_id}", "pr-1")
    path = path.replace("{month}", "2026-01")  # billing statements
    path = path.replace("{valid_from}", "2026-01-01")  # billing price list versions
    path = path.replace("{employee_number}", "1").replace("{payslip_id}", f"{client_id}.pr-1.1")
    path = path.replace("{week}", "2026-W10")
    ledger = {"{series}": "faktura", "{year}": "2026", "{number}": "1", "{kind}": "invoice", "{source_id}": "inv-1"}
    ledger |= {"{account}": "1500", "{party}": "customers", "{period}": "2026-01"}
    ledger |= {"{webhook_id}": "wh_0000000000000000", "{delivery_id}": "c-x.1", "{question_id}": "q_0000000000000000"}
    ledger |= {"{index}": "0", "{external_id}": "ext-1"}
    ledger |= {"{report_id}": "rep-" + "0" * 16}
    for name, value in ledger.items():
        path = path.replace(name, value)
    assert not re.search(r"\{[a-z_]+\}", path), f"the matrix needs a value for {path}"
    return path


def _body(route: catalogue.Route) -> dict | None:
    return {} if route.method in ("POST", "PUT", "PATCH") else None


def test_every_action_has_an_expectation():
    missing = sorted({r.action for _, r in PROTECTED} - set(EXPECTED))
    assert not missing, f"add these actions to the access matrix expectations: {missing}"


def test_foreign_tenants_are_never_reached(world):
    api = world["api"]
    checked = 0
    for _, route in PROTECTED:
        if "{client_id}" not in route.path:
            continue
        for role, email in USERS.items():
            for foreign in FOREIGN[role]:
                reply = api.call(
                    route.method, _path(route, foreign, world["foreign_user"]), user=email, body=_body(route)
                )
                assert reply.status in (403, 404), (route.route_key, role, foreign, reply)
                assert b"Hemmelig" not in reply.raw and b"Fremmed" not in reply.raw
                checked += 1
    client_routes = sum(1 for _, r in PROTECTED if "{client_id}" in r.path)
    assert checked == client_routes * sum(len(v) for v in FOREIGN.values()) > 0


def test_own_tenant_matches_the_specification(world):
    api = world["api"]
    for _, route in PROTECTED:
        for role, email in USERS.items():
            path = _path(route, OWN, world["own_user"])
            reply = api.call(route.method, path, user=email, body=_body(route))
            allowed = role in EXPECTED[route.action]
            if allowed:
                assert reply.status not in (401, 403), (route.route_key, role, reply)
                if reply.status == 404:
                    assert reply.json["detail"] != "no such client", (route.route_key, role, reply)
            else:
                assert reply.status in (403, 404), (route.route_key, role, reply)


def test_bureau_routes_stay_within_the_bureau(world):
    api = world["api"]
    other_admin = api.get("/bureau", user="admin@other.no")
    assert other_admin.status == 200 and other_admin.json["bureau_id"] == "b-other"
    staff = api.get("/bureau/users", user="admin@other.no").json["items"]
    assert [m["email"] for m in staff] == ["admin@other.no"]
    reply = api.patch(f"/bureau/users/{world['own_user']}", {"version": 1, "status": "disabled"}, user="admin@other.no")
    assert reply.status == 404
    clients = api.get("/clients", user="admin@other.no").json["items"]
    assert [c["client_id"] for c in clients] == ["c-other"]


def test_every_protected_route_needs_a_valid_token(world, issuer, tmp_path):
    from klientportal.auth.tokens import DevIssuer

    api = world["api"]
    stranger = DevIssuer(tmp_path / "other-key.pem")
    for _, route in PROTECTED:
        path = _path(route, OWN, world["own_user"])
        assert api.call(route.method, path).status == 401, route.route_key
        expired = issuer.issue(USERS[BA], minutes=-10)
        assert api.call(route.method, path, token=expired).status == 401, route.route_key
        forged = stranger.issue(USERS[BA])
        assert api.call(route.method, path, token=forged).status == 401, route.route_key


def test_public_routes_need_no_token(world):
    for _, route in PUBLIC:
        path = route.path.replace("{asset}", "swagger-ui.css")
        assert not re.search(r"\{[a-z_]+\}", path), f"the matrix needs a value for {path}"
        assert world["api"].call(route.method, path).status == 200, route.route_key
