"""THE policy: which role may do which action on which tenant. Every API route names an action.

Decisions, in order, for a client-scoped action on client C:
1. The principal reaches C through an active membership: a client membership of C, or a bureau
   membership of C's bureau (accountants only for clients assigned to them). Otherwise 404: a
   foreign tenant is indistinguishable from a missing one.
2. The membership's role is among the action's roles, else 403.
3. For client roles, a module-bound action needs the module in the client's modules (which are
   always within the bureau's licence), a registered licence, an active client and, for a
   client_user, the module in the user's own entitlements; else 403.
Bureau staff are not bound by the client's modules: they keep the client's books regardless.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from klientportal.auth.principal import Principal
from klientportal.errors import Forbidden, NotFound
from klientportal.registers import names
from klientportal.tenancy.models import BUREAU_ROLES, CLIENT_ROLES, Client, Membership, Module, Role

Scope = Literal["any", "bureau", "client", "platform"]

_ALL = BUREAU_ROLES | CLIENT_ROLES
_STAFF = BUREAU_ROLES
_ADMINS = BUREAU_ROLES | {Role.CLIENT_ADMIN}
_MEMBERS = BUREAU_ROLES | {Role.CLIENT_ADMIN, Role.CLIENT_USER}
_ATTESTERS = {Role.ATTESTER, Role.CLIENT_ADMIN}
_PAYERS = {Role.BUREAU_ADMIN, Role.CLIENT_ADMIN}  # the payment right (disposisjonsrett)


@dataclass(frozen=True)
class ActionRule:
    scope: Scope
    roles: frozenset[Role]
    module: Module | None = None


def _registers() -> dict[str, ActionRule]:
    rules: dict[str, ActionRule] = {}
    bound = {
        names.CUSTOMERS: Module.INVOICING,
        names.PRODUCTS: Module.INVOICING,
        names.SUPPLIERS: Module.VOUCHERS,
        names.EMPLOYEES: Module.PAYROLL,
        names.PROJECTS: Module.PROJECTS,
    }
    for register, module in bound.items():
        rules[f"registers.{register}.read"] = ActionRule("client", frozenset(_MEMBERS), module)
        rules[f"registers.{register}.write"] = ActionRule("client", frozenset(_MEMBERS), module)
    rules[f"registers.{names.DEPARTMENTS}.read"] = ActionRule("client", frozenset(_MEMBERS))
    rules[f"registers.{names.DEPARTMENTS}.write"] = ActionRule("client", frozenset(_ADMINS))
    rules["registers.accounts.read"] = ActionRule("client", frozenset(_MEMBERS))
    rules["registers.accounts.write"] = ActionRule("client", frozenset(_ADMINS))
    return rules


def _sync() -> dict[str, ActionRule]:
    """Sync (docs/sync.md): the change feed and webhooks are for the bureau's system and the client's
    admins; bureau-wide webhooks for bureau admins; the overview for all staff (an accountant sees
    only the clients assigned to them); pushes from the bureau's system are staff's; questions are
    between the bureau's staff and the client's admins."""
    return {
        "sync.changes.read": ActionRule("client", frozenset(_ADMINS)),
        "sync.webhooks.read": ActionRule("client", frozenset(_ADMINS)),
        "sync.webhooks.write": ActionRule("client", frozenset(_ADMINS)),
        "sync.bureau_webhooks.read": ActionRule("bureau", frozenset({Role.BUREAU_ADMIN})),
        "sync.bureau_webhooks.write": ActionRule("bureau", frozenset({Role.BUREAU_ADMIN})),
        "sync.overview.read": ActionRule("bureau", frozenset(_STAFF)),
        "sync.push": ActionRule("client", frozenset(_STAFF)),
        "sync.questions.read": ActionRule("client", frozenset(_ADMINS)),
        "sync.questions.write": ActionRule("client", frozenset(_ADMINS)),
    }


ACTIONS: dict[str, ActionRule] = {
    "me.read": ActionRule("any", frozenset(_ALL)),
    "bureau.read": ActionRule("bureau", frozenset(_STAFF)),
    "bureau.licence.write": ActionRule("bureau", frozenset({Role.BUREAU_ADMIN})),
    "bureau.users.read": ActionRule("bureau", frozenset({Role.BUREAU_ADMIN})),
    "bureau.users.invite": ActionRule("bureau", frozenset({Role.BUREAU_ADMIN})),
    "bureau.users.write": ActionRule("bureau", frozenset({Role.BUREAU_ADMIN})),
    "clients.list": ActionRule("any", frozenset(_ALL)),
    "clients.create": ActionRule("bureau", frozenset(_STAFF)),
    "client.read": ActionRule("client", frozenset(_ALL)),
    "client.write": ActionRule("client", frozenset(_STAFF)),
    "client.licence.write": ActionRule("client", frozenset(_STAFF)),
    "client.users.read": ActionRule("client", frozenset(_ADMINS)),
    "client.users.invite": ActionRule("client", frozenset(_ADMINS)),
    "client.users.write": ActionRule("client", frozenset(_ADMINS)),
    "audit.read": ActionRule("client", frozenset(_ADMINS)),
    "invoicing.read": ActionRule("client", frozenset(_MEMBERS), Module.INVOICING),
    "invoicing.write": ActionRule("client", frozenset(_MEMBERS), Module.INVOICING),
    "invoicing.issue": ActionRule("client", frozenset(_MEMBERS), Module.INVOICING),
    "invoicing.send": ActionRule("client", frozenset(_MEMBERS), Module.INVOICING),
    "invoicing.remind": ActionRule("client", frozenset(_MEMBERS), Module.INVOICING),
    "invoicing.settings.write": ActionRule("client", frozenset(_ADMINS), Module.INVOICING),
    "invoicing.payments": ActionRule("client", frozenset(_ADMINS), Module.INVOICING),
    "invoicing.collection": ActionRule("client", frozenset(_ADMINS), Module.INVOICING),
    "vouchers.read": ActionRule("client", frozenset(_MEMBERS), Module.VOUCHERS),
    "vouchers.write": ActionRule("client", frozenset(_MEMBERS), Module.VOUCHERS),
    "vouchers.upload": ActionRule("client", frozenset(_MEMBERS), Module.VOUCHERS),
    "vouchers.approve": ActionRule("client", frozenset(_ADMINS), Module.VOUCHERS),
    "vouchers.inbox.write": ActionRule("client", frozenset(_ADMINS), Module.VOUCHERS),
    "vouchers.book": ActionRule("client", frozenset(_STAFF), Module.VOUCHERS),
    "vouchers.return": ActionRule("client", frozenset(_STAFF), Module.VOUCHERS),
    "vouchers.bureau.queue": ActionRule("bureau", frozenset(_STAFF)),
    # the named attester (0270): only the vouchers routed to them (the service filters by attester);
    # attesters reach nothing else of the client's vouchers
    "vouchers.attestation.read": ActionRule("client", frozenset(_ATTESTERS), Module.ATTESTATION),
    "vouchers.attestation.decide": ActionRule("client", frozenset(_ATTESTERS), Module.ATTESTATION),
    # attestation rules (0502): written by the client admin or the bureau; read also by the bureau's staff
    "vouchers.attestation.rules.read": ActionRule("client", frozenset(_ADMINS), Module.ATTESTATION),
    "vouchers.attestation.rules.write": ActionRule("client", frozenset(_ADMINS), Module.ATTESTATION),
    # what waits for the caller across all their clients (the per-assignee index; only their own steps)
    "me.attestations.read": ActionRule("any", frozenset(_ATTESTERS)),
    # the payment proposal is part of the voucher flow (module vouchers); sending it is the bank routine's (0263)
    "vouchers.payment.read": ActionRule("client", frozenset(_MEMBERS), Module.VOUCHERS),
    "vouchers.payment.write": ActionRule("client", frozenset(_ADMINS), Module.VOUCHERS),
    # billing (docs/billing.md): a client's usage for its admins and the staff; prices, statements and the
    # run for the staff, changes of money (prices, runs, licence events) for the bureau admin
    "billing.usage.read": ActionRule("client", frozenset(_ADMINS)),
    "billing.agreement.read": ActionRule("client", frozenset(_STAFF)),
    "billing.agreement.write": ActionRule("client", frozenset(_STAFF)),
    "billing.licence.write": ActionRule("client", frozenset({Role.BUREAU_ADMIN})),
    "billing.bureau.usage.read": ActionRule("bureau", frozenset(_STAFF)),
    "billing.prices.read": ActionRule("bureau", frozenset(_STAFF)),
    "billing.prices.write": ActionRule("bureau", frozenset({Role.BUREAU_ADMIN})),
    "billing.settings.read": ActionRule("bureau", frozenset(_STAFF)),
    "billing.settings.write": ActionRule("bureau", frozenset({Role.BUREAU_ADMIN})),
    "billing.runs.create": ActionRule("bureau", frozenset({Role.BUREAU_ADMIN})),
    "billing.statements.read": ActionRule("bureau", frozenset(_STAFF)),
    # the platform's own price list (net, to the bureaus): written by platform operators only (0713); the
    # bureau reads it with its own (billing.prices.read)
    "billing.platform.prices.read": ActionRule("platform", frozenset()),
    "billing.platform.prices.write": ActionRule("platform", frozenset()),
    # outgoing payments (docs/payments.md, 0520): the bank module; approving is the payment right
    # (client admins and the bureau admin), each approval with a fresh BankID sign-in (payments.step_up)
    "payments.read": ActionRule("client", frozenset(_MEMBERS), Module.BANK),
    "payments.write": ActionRule("client", frozenset(_ADMINS), Module.BANK),
    "payments.approve": ActionRule("client", frozenset(_PAYERS), Module.BANK),
    "payments.settings.write": ActionRule("client", frozenset(_PAYERS), Module.BANK),
    # a supplier's bank account changes only with a second person's approval (0522)
    "payments.accounts.read": ActionRule("client", frozenset(_MEMBERS), Module.VOUCHERS),
    "payments.accounts.request": ActionRule("client", frozenset(_MEMBERS), Module.VOUCHERS),
    "payments.accounts.decide": ActionRule("client", frozenset(_ADMINS), Module.VOUCHERS),
    # incoming bank payments and the customer sub-ledger (docs/bank.md)
    "bank.read": ActionRule("client", frozenset(_MEMBERS), Module.BANK),
    "bank.agreement.write": ActionRule("client", frozenset(_ADMINS), Module.BANK),
    "bank.import": ActionRule("client", frozenset(_ADMINS), Module.BANK),
    "bank.match": ActionRule("client", frozenset(_ADMINS), Module.BANK),
    "receivables.read": ActionRule("client", frozenset(_MEMBERS), Module.BANK),
    "receivables.write": ActionRule("client", frozenset(_ADMINS), Module.BANK),
    # Payroll (issue 11): salaries are seen and run by the client's admins and the bureau only.
    "payroll.read": ActionRule("client", frozenset(_ADMINS), Module.PAYROLL),
    "payroll.settings.write": ActionRule("client", frozenset(_ADMINS), Module.PAYROLL),
    "payroll.tax_cards.order": ActionRule("client", frozenset(_ADMINS), Module.PAYROLL),
    "payroll.run": ActionRule("client", frozenset(_ADMINS), Module.PAYROLL),
    "payroll.approve": ActionRule("client", frozenset(_ADMINS), Module.PAYROLL),
    "payroll.report": ActionRule("client", frozenset(_ADMINS), Module.PAYROLL),
    # an employee's own payslips (h-payroll2, 0920): any signed-in user; only their own GSI partition is read
    "me.payslips.read": ActionRule("any", frozenset(_ALL)),
    # hours (0922): registered by the client's users for the employees, approved by the client's admins
    "hours.read": ActionRule("client", frozenset(_MEMBERS), Module.HOURS),
    "hours.write": ActionRule("client", frozenset(_MEMBERS), Module.HOURS),
    "hours.approve": ActionRule("client", frozenset(_ADMINS), Module.HOURS),
    "hours.invoice": ActionRule("client", frozenset(_ADMINS), Module.HOURS),
    **_registers(),
    **_sync(),
    # the ledger (h-ledger): both sides read it; the bureau closes periods and keeps the SAF-T mapping
    "ledger.read": ActionRule("client", frozenset(_ADMINS)),
    "ledger.periods.write": ActionRule("client", frozenset(_STAFF)),
    "ledger.mapping.write": ActionRule("client", frozenset(_STAFF)),
    "ledger.saft": ActionRule("client", frozenset(_ADMINS)),
    "reports.publish": ActionRule("client", frozenset(_STAFF)),
    "reports.read": ActionRule("client", frozenset(_MEMBERS), Module.REPORTS),
}


def rule(action: str) -> ActionRule:
    try:
        return ACTIONS[action]
    except KeyError:
        raise Forbidden(f"no policy for action {action}") from None


def reach(principal: Principal, client: Client | None) -> Membership | None:
    """The membership through which `principal` reaches `client`, if any."""
    if client is None:
        return None
    own = principal.client_membership(client.client_id)
    if own is not None:
        return own
    staff = principal.bureau_membership(client.bureau_id)
    if staff is None:
        return None
    if (
        staff.role == Role.BUREAU_ACCOUNTANT
        and staff.assigned_clients != "all"
        and client.client_id not in staff.assigned_clients
    ):
        return None
    return staff


def authorize_client(principal: Principal, action: str, client: Client | None) -> Membership:
    """The membership that allows `action` on `client`, or NotFound / Forbidden."""
    spec = rule(action)
    if spec.scope != "client":
        raise Forbidden(f"{action} is not a client action")
    membership = reach(principal, client)
    if membership is None or client is None:
        raise NotFound("no such client")
    if membership.role not in spec.roles:
        raise Forbidden(f"the role {membership.role} may not {action}")
    if membership.role in CLIENT_ROLES:
        if not client.active:
            raise Forbidden("the client is deactivated")
        if spec.module is not None:
            _check_module(membership, client, spec.module)
    return membership


def _check_module(membership: Membership, client: Client, module: Module) -> None:
    if module not in client.modules:
        raise Forbidden(f"the client does not have the {module} module")
    if client.licence.status != "registered":
        raise Forbidden(f"the client's licence is {client.licence.status}, not registered")
    if membership.role == Role.CLIENT_USER and module not in membership.modules:
        raise Forbidden(f"you have not been given the {module} module")


def authorize_bureau(principal: Principal, action: str) -> Membership:
    """The bureau membership that allows a bureau-scoped `action`, or Forbidden."""
    spec = rule(action)
    if spec.scope != "bureau":
        raise Forbidden(f"{action} is not a bureau action")
    staff = [m for m in principal.active() if m.scope == "bureau"]
    if not staff:
        raise Forbidden("only bureau staff may do this")
    allowed = [m for m in staff if m.role in spec.roles]
    if not allowed:
        raise Forbidden(f"the role {staff[0].role} may not {action}")
    return allowed[0]


def authorize_platform(principal: Principal, action: str) -> None:
    """A platform action: for platform operators only (no bureau or client role reaches it, 0713)."""
    if rule(action).scope != "platform":
        raise Forbidden(f"{action} is not a platform action")
    if not principal.platform_operator:
        raise Forbidden(f"only a platform operator may {action}")


def authorize_any(principal: Principal, action: str) -> None:
    spec = rule(action)
    if spec.scope != "any" or not (principal.roles() & spec.roles):
        raise Forbidden(f"you may not {action}")
