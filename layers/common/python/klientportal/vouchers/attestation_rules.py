"""A client's attestation rules, and the chain of attesters they give a voucher (pure, decision 0502).

A rule set is an ordered list of rules (the first that matches a voucher gives its attesters, in
order), amount bands (above an amount, one more attester), delegations (while someone is away,
another person attests for them) and deadlines (reminder, escalation, expiry, in hours). A rule
matches when every condition it sets matches: the voucher's supplier, any coding line's project,
department or account, and the total within [amount_from, amount_below). Validation refuses a set
that can leave a voucher without an attester (no rule without conditions), names someone who is not
an active attester or client admin, or lets one person fill two steps of a chain.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from klientportal.errors import FieldError, InvalidInput, RuleViolation
from klientportal.tenancy.models import Membership, Role

ATTESTER_ROLES = frozenset({Role.ATTESTER, Role.CLIENT_ADMIN})
MAX_EXPIRE_HOURS = 60 * 24  # the state machine's own timeout (90 days) stays above every chain
DEFAULT_DEADLINES = {"remind_after_hours": 48, "escalate_after_hours": 120, "expire_after_hours": 336}
CONDITIONS = ("suppliers", "projects", "departments", "accounts", "amount_from", "amount_below")


@dataclass(frozen=True)
class Step:
    """One step of a voucher's chain: who attests, who stands in, and why this step exists."""

    attester: str
    substitute: str | None
    reason: str


def _amount(value: Any) -> Decimal | None:
    if value is None:
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def voucher_total(data: dict[str, Any]) -> Decimal:
    """The voucher's total: its stated total, else the sum of its coding lines (net + VAT)."""
    stated = _amount((data.get("details") or {}).get("total"))
    if stated is not None:
        return stated
    return sum(
        (
            Decimal(str(line.get("net_amount") or 0)) + Decimal(str(line.get("vat_amount") or 0))
            for line in data.get("coding") or []
        ),
        Decimal("0"),
    )


def matches(match: dict[str, Any], data: dict[str, Any]) -> bool:
    """Whether a rule's conditions all hold for the voucher `data` (no conditions: always)."""
    lines = data.get("coding") or []
    supplier = (data.get("details") or {}).get("supplier_number")
    if match.get("suppliers") and (supplier is None or int(supplier) not in match["suppliers"]):
        return False
    for field, line_key in (("projects", "project"), ("departments", "department"), ("accounts", "account")):
        wanted = match.get(field)
        if wanted and not any(line.get(line_key) in wanted for line in lines):
            return False
    total = voucher_total(data)
    low, high = _amount(match.get("amount_from")), _amount(match.get("amount_below"))
    if low is not None and total < low:
        return False
    return not (high is not None and total >= high)


def delegate_of(rules: dict[str, Any], user: str, on: date) -> str | None:
    """Who attests for `user` on `on` (a delegation period covering the day), if anyone."""
    for d in rules.get("delegations") or []:
        if d["user"] == user and date.fromisoformat(d["from_date"]) <= on <= date.fromisoformat(d["to_date"]):
            return str(d["to"])
    return None


def chain(rules: dict[str, Any], data: dict[str, Any]) -> tuple[Step, ...]:
    """The voucher's chain: the first matching rule's attesters, then each band it is above."""
    for index, rule in enumerate(rules.get("rules") or []):
        if matches(rule.get("match") or {}, data):
            steps = [
                Step(a["user"], a.get("substitute"), f"rule {rule.get('name') or index + 1}") for a in rule["attesters"]
            ]
            break
    else:
        raise RuleViolation("no attestation rule matches the voucher; add a rule without conditions")
    total = voucher_total(data)
    for band in sorted(rules.get("bands") or [], key=lambda b: Decimal(str(b["above"]))):
        if total > Decimal(str(band["above"])) and band["attester"]["user"] not in {s.attester for s in steps}:
            steps.append(
                Step(band["attester"]["user"], band["attester"].get("substitute"), f"amount above {band['above']}")
            )
    return tuple(steps)


def validate(rules: dict[str, Any], members: dict[str, Membership]) -> None:
    """InvalidInput naming each problem of the rule set (`members`: the client's memberships by sub)."""
    errors: list[FieldError] = []

    def attester_ok(path: str, sub: str | None) -> None:
        if sub is None:
            return
        m = members.get(sub)
        if m is None or m.status != "active" or m.role not in ATTESTER_ROLES:
            state = "not a member of the client" if m is None else f"{m.status} {m.role}"
            errors.append(FieldError(path, f"{sub} is not an active attester or client admin ({state})"))

    def person(path: str, a: dict[str, Any]) -> None:
        attester_ok(f"{path}.user", a["user"])
        attester_ok(f"{path}.substitute", a.get("substitute"))
        if a.get("substitute") == a["user"]:
            errors.append(FieldError(f"{path}.substitute", "the substitute must be another person"))

    items = rules.get("rules") or []
    if not any(not any((r.get("match") or {}).get(c) not in (None, []) for c in CONDITIONS) for r in items):
        errors.append(
            FieldError(
                "rules",
                "no rule without conditions: a voucher that matches no rule would have no attester; "
                "end the list with a default rule",
            )
        )
    for i, rule in enumerate(items):
        users = [a["user"] for a in rule["attesters"]]
        for j, a in enumerate(rule["attesters"]):
            person(f"rules.{i}.attesters.{j}", a)
            if users.index(a["user"]) != j:
                errors.append(FieldError(f"rules.{i}.attesters.{j}.user", "the same person twice in one rule"))
        m = rule.get("match") or {}
        low, high = _amount(m.get("amount_from")), _amount(m.get("amount_below"))
        if low is not None and high is not None and low >= high:
            errors.append(FieldError(f"rules.{i}.match.amount_below", "must be above amount_from"))
    aboves = [str(b["above"]) for b in rules.get("bands") or []]
    for k, band in enumerate(rules.get("bands") or []):
        person(f"bands.{k}.attester", band["attester"])
        if aboves.index(str(band["above"])) != k:
            errors.append(FieldError(f"bands.{k}.above", "two bands with the same amount"))
        for i, rule in enumerate(items):
            if band["attester"]["user"] in {a["user"] for a in rule["attesters"]}:
                errors.append(
                    FieldError(
                        f"bands.{k}.attester.user",
                        f"attests already under rule {rule.get('name') or i + 1}; above {band['above']} a "
                        "second, different person attests",
                    )
                )
    for n, d in enumerate(rules.get("delegations") or []):
        attester_ok(f"delegations.{n}.to", d["to"])
        if d["to"] == d["user"]:
            errors.append(FieldError(f"delegations.{n}.to", "a delegation goes to another person"))
        if d["from_date"] > d["to_date"]:
            errors.append(FieldError(f"delegations.{n}.to_date", "ends before it starts"))
    dl = {**DEFAULT_DEADLINES, **(rules.get("deadlines") or {})}
    if not dl["remind_after_hours"] < dl["escalate_after_hours"] < dl["expire_after_hours"] <= MAX_EXPIRE_HOURS:
        errors.append(
            FieldError(
                "deadlines",
                f"remind_after_hours < escalate_after_hours < expire_after_hours <= {MAX_EXPIRE_HOURS} (60 days)",
            )
        )
    if errors:
        raise InvalidInput("the attestation rules are not valid", errors)


def require_active(steps: tuple[Step, ...], members: dict[str, Membership]) -> None:
    """RuleViolation when a step's attester left the client after the rules were written."""
    for n, step in enumerate(steps, start=1):
        m = members.get(step.attester)
        if m is None or m.status != "active" or m.role not in ATTESTER_ROLES:
            raise RuleViolation(
                f"step {n} of the chain ({step.reason}) names {step.attester}, who is no longer an active "
                "attester of the client; update the attestation rules",
                extra={"step": n, "attester": step.attester},
            )


def deadlines(rules: dict[str, Any]) -> dict[str, int]:
    return {**DEFAULT_DEADLINES, **(rules.get("deadlines") or {})}
