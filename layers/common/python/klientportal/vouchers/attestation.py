"""Attestation: a voucher routed to a named attester, who sees what waits for them and approves or
rejects it with a comment (0270). Pure decisions on voucher data and memberships, so the later
approval workflow (Step Functions) can call the same rules from its own tasks.
"""

from __future__ import annotations

from typing import Any

from klientportal.errors import FieldError, InvalidInput, NotFound, RuleViolation
from klientportal.tenancy.models import Membership, Module, Role
from klientportal.vouchers.ehf_rules import require_not_blocked
from klientportal.vouchers.ledger import check_adds_up
from klientportal.vouchers.records import Status

ATTESTER_ROLES = frozenset({Role.ATTESTER, Role.CLIENT_ADMIN})
DECISIONS = ("approve", "reject")


def routing(
    attester: Membership | None, client_modules: list[Module], *, requested_by: str, at: str, comment: str | None
) -> dict[str, Any]:
    """The `attestation` record of a voucher sent to `attester`, or InvalidInput if they cannot attest."""
    if Module.ATTESTATION not in client_modules:
        raise RuleViolation("the client does not have the attestation module; approve the voucher instead")
    if attester is None or attester.status != "active" or attester.role not in ATTESTER_ROLES:
        raise InvalidInput(
            "the attester is not an active attester or client admin of this client",
            [FieldError("attester", "not an active attester or client admin of this client")],
        )
    return {
        "attester": attester.sub,
        "attester_email": attester.email,
        "requested_by": requested_by,
        "requested_at": at,
        "comment": comment,
    }


def waits_for(data: dict[str, Any], sub: str) -> bool:
    """Whether the voucher is in attestation and routed to `sub`."""
    return data.get("status") == Status.IN_ATTESTATION and (data.get("attestation") or {}).get("attester") == sub


def require_waiting_for(data: dict[str, Any] | None, sub: str) -> dict[str, Any]:
    """The voucher's data if it waits for `sub`; otherwise not found (an attester learns nothing else)."""
    if data is None or not waits_for(data, sub):
        raise NotFound("no voucher waiting for your attestation")
    return data


def decide(data: dict[str, Any], sub: str, decision: str, comment: str | None, *, at: str) -> dict[str, Any]:
    """The voucher after the attester's decision: approved (in the bureau's queue) or rejected."""
    require_waiting_for(data, sub)
    if decision not in DECISIONS:
        raise InvalidInput("unknown decision", [FieldError("decision", "approve or reject")])
    if decision == "reject" and not (comment or "").strip():
        raise InvalidInput("a rejection needs a comment", [FieldError("comment", "say why the voucher is rejected")])
    outcome = {"decision": decision, "by": sub, "at": at, "comment": comment}
    attestation = {**data["attestation"], "outcome": outcome}
    if decision == "reject":
        return {**data, "status": Status.REJECTED, "attestation": attestation}
    require_not_blocked(data, "attested")
    check_adds_up(data.get("coding") or [], (data.get("details") or {}).get("total"))
    return {
        **data,
        "status": Status.APPROVED,
        "attestation": attestation,
        "approved": {"at": at, "by": sub, "via": "attestation"},
    }
