"""The pure rules of payment batches: the content hash, Norwegian bank days, the four-eyes rule and
the step-up window."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from klientportal.auth.principal import Principal
from klientportal.errors import InvalidInput
from klientportal.payments import content, four_eyes
from klientportal.payments.batches import checked_execution_date
from klientportal.payments.business_days import easter_sunday, is_business_day, next_business_day
from klientportal.payments.step_up import StepUpPolicy, StepUpRequired, StepUpStale

LINE = {
    "voucher_id": "a" * 24,
    "amount_ore": 80200,
    "currency": "NOK",
    "creditor_account": {"bban": "86011117947"},
    "kid": "1234567897",
    "supplier_name": "not hashed",
}
OTHER = {**LINE, "voucher_id": "b" * 24, "kid": None, "message": "Faktura 7"}


# ---- content hash -------------------------------------------------------------------------------
def test_the_hash_is_sha256_of_the_canonical_content_and_does_not_depend_on_line_order():
    h = content.content_hash("2026-12-03", [LINE, OTHER])
    assert h == content.content_hash("2026-12-03", [OTHER, LINE])
    import hashlib

    assert h == hashlib.sha256(content.canonical_content("2026-12-03", [LINE, OTHER]).encode()).hexdigest()
    assert '"amount_ore":80200' in content.canonical_content("2026-12-03", [LINE])


@pytest.mark.parametrize(
    "change",
    [
        {"amount_ore": 80201},
        {"creditor_account": {"bban": "15031234503"}},
        {"creditor_account": {"iban": "NO9386011117947"}},
        {"kid": "1234567880"},
        {"kid": None, "message": "Faktura 1"},
        {"voucher_id": "c" * 24},
        {"currency": "SEK"},
    ],
)
def test_anything_the_bank_would_pay_differently_changes_the_hash(change):
    assert content.content_hash("2026-12-03", [LINE]) != content.content_hash("2026-12-03", [{**LINE, **change}])


def test_the_execution_date_and_a_removed_line_change_the_hash_but_display_fields_do_not():
    base = content.content_hash("2026-12-03", [LINE, OTHER])
    assert base != content.content_hash("2026-12-04", [LINE, OTHER])
    assert base != content.content_hash("2026-12-03", [LINE])
    assert base == content.content_hash("2026-12-03", [{**LINE, "supplier_name": "x", "status": "sent"}, OTHER])


def test_amounts_are_whole_ore_never_rounded():
    assert content.to_ore(Decimal("802.00")) == 80200 and content.to_ore("0.01") == 1
    assert content.ore_text(80200) == "802.00" and content.ore_text(5) == "0.05"
    with pytest.raises(content.NotWholeOre):
        content.to_ore(Decimal("802.005"))


# ---- bank business days (Europe/Oslo) ----------------------------------------------------------
def test_easter_and_the_moving_holidays():
    assert easter_sunday(2026) == date(2026, 4, 5) and easter_sunday(2027) == date(2027, 3, 28)
    for holiday in ("2026-04-02", "2026-04-03", "2026-04-06", "2026-05-14", "2026-05-25"):
        assert not is_business_day(date.fromisoformat(holiday)), holiday


def test_fixed_holidays_weekends_and_the_banks_closed_days():
    for closed in ("2026-01-01", "2026-05-01", "2027-05-17", "2026-12-24", "2026-12-25", "2026-12-31", "2026-12-05"):
        assert not is_business_day(date.fromisoformat(closed)), closed
    assert is_business_day(date(2026, 5, 18))  # 17 May 2026 is a Sunday: Norway moves no holiday
    assert next_business_day(date(2026, 12, 24)) == date(2026, 12, 28)
    assert next_business_day(date(2026, 12, 31)) == date(2027, 1, 4)
    assert is_business_day(date(2026, 12, 23))


def test_the_execution_date_is_today_or_a_later_business_day():
    today = date(2026, 12, 2)
    assert checked_execution_date(None, today) == today
    assert checked_execution_date(None, date(2026, 12, 5)) == date(2026, 12, 7)
    assert checked_execution_date(date(2026, 12, 2), today) == today
    for bad, suggestion in (("2026-12-01", "2026-12-02"), ("2026-12-24", "2026-12-28"), ("2026-12-06", "2026-12-07")):
        with pytest.raises(InvalidInput) as refused:
            checked_execution_date(date.fromisoformat(bad), today)
        assert refused.value.extra["next_business_day"] == suggestion
        assert refused.value.errors[0].field == "execution_date"
    with pytest.raises(InvalidInput):
        checked_execution_date(date(2028, 1, 3), today)


# ---- four eyes ------------------------------------------------------------------------------------
H, OLD = "1" * 64, "0" * 64
CREATOR, ANNE, BO = "creator", "anne", "bo"


def _a(sub: str, h: str = H) -> dict:
    return {"sub": sub, "content_hash": h}


def _check(approver: str, approvals: list, required: int, seen: str = H) -> None:
    four_eyes.check_approval(
        approver=approver, seen_hash=seen, current_hash=H, creator=CREATOR, approvals=approvals, required=required
    )


def test_one_approval_up_to_the_threshold_two_above():
    assert four_eyes.required_approvals(5_000_000, 5_000_000) == 1
    assert four_eyes.required_approvals(5_000_001, 5_000_000) == 2
    assert four_eyes.is_approved([_a(ANNE)], H, CREATOR, 1)
    assert not four_eyes.is_approved([_a(ANNE)], H, CREATOR, 2)
    assert four_eyes.is_approved([_a(ANNE), _a(BO)], H, CREATOR, 2)


def test_the_creator_never_approves_alone():
    with pytest.raises(four_eyes.CreatorAlone):
        _check(CREATOR, [], 1)
    _check(CREATOR, [], 2)  # one of two
    _check(CREATOR, [_a(ANNE)], 2)  # the second of two
    assert not four_eyes.is_approved([_a(CREATOR)], H, CREATOR, 1)
    assert four_eyes.is_approved([_a(CREATOR), _a(ANNE)], H, CREATOR, 2)


def test_the_same_person_twice_is_one_approval_and_refused():
    with pytest.raises(four_eyes.AlreadyApproved):
        _check(ANNE, [_a(ANNE)], 2)
    assert not four_eyes.is_approved([_a(ANNE), _a(ANNE)], H, CREATOR, 2)


def test_only_approvals_of_the_current_content_count():
    with pytest.raises(four_eyes.HashMismatch) as refused:
        _check(ANNE, [], 1, seen=OLD)
    assert refused.value.extra == {"content_hash": H}
    assert not four_eyes.is_approved([_a(ANNE, OLD)], H, CREATOR, 1)
    _check(ANNE, [_a(ANNE, OLD)], 2)  # approving the new content after an old one is not "twice"
    with pytest.raises(four_eyes.CreatorAlone):
        _check(CREATOR, [_a(ANNE, OLD)], 1)


# ---- step-up window ------------------------------------------------------------------------------
NOW = 1_800_000_000
POLICY = StepUpPolicy(("urn:grn:authn:no:bankid",), 300)


def _p(acr: str | None, auth_time: int | None) -> Principal:
    return Principal("u", "u@x.no", (), auth_level=acr, auth_time=auth_time)


@pytest.mark.parametrize("age", [0, 1, 299, 300, -30])
def test_a_bankid_sign_in_within_the_window_passes(age):
    assert POLICY.check(_p("urn:grn:authn:no:bankid", NOW - age), NOW) == ("urn:grn:authn:no:bankid", NOW - age)


@pytest.mark.parametrize("age", [301, 3600, -31])
def test_an_older_or_future_sign_in_is_stale(age):
    with pytest.raises(StepUpStale) as refused:
        POLICY.check(_p("urn:grn:authn:no:bankid", NOW - age), NOW)
    assert refused.value.status == 401 and refused.value.extra["max_age"] == 300


@pytest.mark.parametrize("acr", [None, "", "urn:grn:authn:no:bankid:substantial", "password"])
def test_a_plain_token_needs_step_up(acr):
    with pytest.raises(StepUpRequired) as refused:
        POLICY.check(_p(acr, NOW), NOW)
    assert refused.value.extra["acr_values"] == ["urn:grn:authn:no:bankid"]


def test_no_auth_time_is_no_step_up():
    with pytest.raises(StepUpRequired):
        POLICY.check(_p("urn:grn:authn:no:bankid", None), NOW)


def test_the_window_and_acr_values_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("KP_STEP_UP_MAX_AGE_S", "120")
    monkeypatch.setenv("KP_STEP_UP_ACR", "idporten-loa-high")
    assert StepUpPolicy.from_env() == StepUpPolicy(("idporten-loa-high",), 120)
    monkeypatch.setenv("KP_STEP_UP_MAX_AGE_S", "86400")
    with pytest.raises(RuntimeError):
        StepUpPolicy.from_env()
