"""The attestation rule engine (pure, 0502): which rule gives a voucher its chain, amount bands,
delegation periods, and the rule sets that are refused (no default, non-members, one person twice)."""

from __future__ import annotations

from datetime import date

import pytest

from klientportal.errors import InvalidInput, RuleViolation
from klientportal.tenancy.models import Membership, Role
from klientportal.vouchers import attestation_rules as ar


def _m(sub: str, role: Role = Role.ATTESTER, status: str = "active") -> Membership:
    return Membership(sub=sub, email=f"{sub}@x.no", scope="client", scope_id="c-1", role=role, status=status)


MEMBERS = {
    "anna": _m("anna"),
    "bo": _m("bo"),
    "cia": _m("cia", Role.CLIENT_ADMIN),
    "dan": _m("dan", Role.CLIENT_USER),
    "eva": _m("eva", status="disabled"),
}
RULES = {
    "rules": [
        {"name": "bygg", "match": {"projects": ["P1"]}, "attesters": [{"user": "bo", "substitute": "cia"}]},
        {"name": "strøm", "match": {"suppliers": [7], "amount_below": "5000"}, "attesters": [{"user": "anna"}]},
        {"name": "alle", "match": {}, "attesters": [{"user": "anna", "substitute": "cia"}]},
    ],
    "bands": [{"above": "50000", "attester": {"user": "cia"}}],
    "delegations": [{"user": "anna", "to": "bo", "from_date": "2026-07-01", "to_date": "2026-07-21"}],
}


def _voucher(total: str, supplier: int | None = None, project: str | None = None) -> dict:
    return {
        "details": {"total": total, "supplier_number": supplier},
        "coding": [{"account": "6800", "net_amount": total, "vat_amount": "0", "project": project}],
    }


def test_the_first_matching_rule_gives_the_chain():
    assert [s.attester for s in ar.chain(RULES, _voucher("1000", project="P1"))] == ["bo"]
    assert ar.chain(RULES, _voucher("1000", project="P1"))[0].substitute == "cia"
    assert [s.reason for s in ar.chain(RULES, _voucher("1000", supplier=7))] == ["rule strøm"]
    assert [s.reason for s in ar.chain(RULES, _voucher("5000", supplier=7))] == ["rule alle"]  # amount_below excl.
    assert [s.attester for s in ar.chain(RULES, _voucher("100", supplier=8))] == ["anna"]


def test_above_a_band_a_second_attester():
    steps = ar.chain(RULES, _voucher("50000.01", project="P1"))
    assert [(s.attester, s.reason) for s in steps] == [("bo", "rule bygg"), ("cia", "amount above 50000")]
    assert len(ar.chain(RULES, _voucher("50000.00", project="P1"))) == 1  # above, not at


def test_the_total_falls_back_to_the_coding():
    data = {"details": {}, "coding": [{"net_amount": "40000", "vat_amount": "10000.50"}]}
    assert ar.voucher_total(data) == ar.Decimal("50000.50")
    assert len(ar.chain(RULES, data)) == 2


def test_no_matching_rule_is_a_rule_violation():
    with pytest.raises(RuleViolation):
        ar.chain(
            {"rules": [{"name": "x", "match": {"projects": ["P9"]}, "attesters": [{"user": "anna"}]}]}, _voucher("1")
        )


def test_delegation_covers_its_days_only():
    assert ar.delegate_of(RULES, "anna", date(2026, 7, 1)) == "bo"
    assert ar.delegate_of(RULES, "anna", date(2026, 7, 21)) == "bo"
    assert ar.delegate_of(RULES, "anna", date(2026, 7, 22)) is None
    assert ar.delegate_of(RULES, "bo", date(2026, 7, 10)) is None


def test_a_valid_rule_set_passes():
    ar.validate(RULES, MEMBERS)


def _errors(rules: dict) -> dict[str, str]:
    with pytest.raises(InvalidInput) as caught:
        ar.validate(rules, MEMBERS)
    return {e.field: e.message for e in caught.value.errors}


def test_a_set_that_can_leave_a_voucher_without_an_attester_is_refused():
    errors = _errors({**RULES, "rules": RULES["rules"][:2]})
    assert "rules" in errors and "default" in errors["rules"]


@pytest.mark.parametrize(
    ("who", "state"), [("dan", "active client_user"), ("eva", "disabled attester"), ("zed", "not a member")]
)
def test_non_attesters_deleted_and_unknown_people_are_refused(who, state):
    rules = {**RULES, "rules": [{"name": "alle", "match": {}, "attesters": [{"user": who}]}]}
    errors = _errors(rules)
    assert state in errors["rules.0.attesters.0.user"]


def test_one_person_twice_in_a_chain_is_refused():
    errors = _errors({**RULES, "bands": [{"above": "50000", "attester": {"user": "anna"}}]})
    assert "second, different person" in errors["bands.0.attester.user"]
    errors = _errors({**RULES, "rules": [{"name": "alle", "match": {}, "attesters": [{"user": "bo"}, {"user": "bo"}]}]})
    assert "rules.0.attesters.1.user" in errors


def test_substitutes_delegations_and_deadlines_are_checked():
    rules = {
        "rules": [{"name": "alle", "match": {}, "attesters": [{"user": "anna", "substitute": "anna"}]}],
        "delegations": [
            {"user": "anna", "to": "anna", "from_date": "2026-07-02", "to_date": "2026-07-01"},
            {"user": "anna", "to": "dan", "from_date": "2026-07-01", "to_date": "2026-07-02"},
        ],
        "deadlines": {"remind_after_hours": 5, "escalate_after_hours": 5, "expire_after_hours": 10},
    }
    errors = _errors(rules)
    assert {
        "rules.0.attesters.0.substitute",
        "delegations.0.to",
        "delegations.0.to_date",
        "delegations.1.to",
        "deadlines",
    } <= set(errors)


def test_an_attester_who_left_after_the_rules_were_written_stops_the_chain():
    steps = ar.chain(RULES, _voucher("1000", project="P1"))
    ar.require_active(steps, MEMBERS)
    with pytest.raises(RuleViolation, match="no longer an active attester"):
        ar.require_active(steps, {**MEMBERS, "bo": _m("bo", status="disabled")})
