"""Pure voucher rules behind the hardening findings (0266–0272): the inbound key format, the upload
size check, the amount to pay, checks after an edit, fatal EHF rules (attestation: test_attestation_rules.py)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from klientportal.vouchers import uploads
from klientportal.vouchers.current_checks import recheck
from klientportal.vouchers.ehf_rules import (
    FatalEhfRules,
    fatal_rules,
    require_not_blocked,
)
from klientportal.vouchers.models import (
    Extracted,
    ExtractedVoucher,
    Totals,
    VoucherSource,
)
from klientportal.vouchers.payments import payment_line

VOUCHER = {
    "voucher_id": "a" * 24,
    "details": {
        "total": "12500.00",
        "payable": "7500.00",
        "currency": "NOK",
        "bank_account": "86011117947",
        "kid": "1234567897",
        "due_date": "2026-12-01",
    },
}


def test_the_key_format_has_one_home():
    key = uploads.upload_key("c-1", "b", 2, "faktura.pdf")
    assert uploads.parse_inbound_key(key) == uploads.InboundKey("upload", "c-1", "faktura.pdf")
    assert uploads.parse_inbound_key(uploads.ehf_key("c-1", "x.xml")) == uploads.InboundKey("ehf", "c-1", "x.xml")
    assert uploads.parse_inbound_key("mail/abc").channel == "mail"
    assert uploads.parse_inbound_key("other/x") is None and uploads.parse_inbound_key("upload//x") is None


def test_the_stored_size_must_be_the_declared_one():
    assert uploads.size_mismatch({"ContentLength": 10, "Metadata": {"declared-size": "10"}}) is None
    assert "declared 10 bytes, 5242880" in uploads.size_mismatch(
        {"ContentLength": 5242880, "Metadata": {"declared-size": "10"}}
    )
    assert uploads.size_mismatch({"ContentLength": 10, "Metadata": {}}) is not None


def test_the_presigned_post_binds_size_type_and_uploader():
    class S3:
        def generate_presigned_post(self, bucket, key, Fields, Conditions, ExpiresIn):
            self.conditions = Conditions
            return {"url": "https://s3/" + bucket, "fields": {**Fields, "key": key}}

    s3 = S3()
    [target] = uploads.presigned_uploads(
        s3, "inbound", "c-1", "user-1", [uploads.DeclaredFile("../a.pdf", "application/pdf", 10)], batch="b"
    )
    assert target.key == "upload/c-1/b-1/a.pdf" and target.method == "POST"
    assert ["content-length-range", 10, 10] in s3.conditions
    assert {"Content-Type": "application/pdf"} in s3.conditions and {"x-amz-meta-declared-size": "10"} in s3.conditions


def test_the_amount_to_pay_is_the_payable_amount():
    assert payment_line(VOUCHER, None)["amount"] == "7500.00"
    older = {
        **VOUCHER,
        "details": {k: v for k, v in VOUCHER["details"].items() if k != "payable"},
        "extracted": {"totals": {"payable": {"value": "7400.00", "confidence": 1.0}}},
    }
    assert payment_line(older, None)["amount"] == "7400.00"


def _stored(**details) -> dict:
    ex = ExtractedVoucher(
        source=VoucherSource.PDF_TEXT,
        kid=Extracted[str](value="1234567897", confidence=0.9),
        totals=Totals(
            tax_exclusive=Extracted[Decimal](value=Decimal("100.00"), confidence=0.7),
            tax=Extracted[Decimal](value=Decimal("25.00"), confidence=0.7),
            tax_inclusive=Extracted[Decimal](value=Decimal("125.00"), confidence=0.7),
        ),
    )
    base = {
        "kid": "1234567897",
        "net_total": "100.00",
        "vat_total": "25.00",
        "total": "125.00",
        "payable": "125.00",
        "currency": "NOK",
    }
    return {
        "extracted": ex.model_dump(mode="json"),
        "details": {**base, **details},
        "checks": [{"code": "buyer-is-this-company", "ok": False, "message": "m"}],
        "notes": [],
    }


def test_checks_follow_the_edited_details():
    codes = {c["code"]: c["ok"] for c in recheck(_stored())}
    assert codes == {"kid": True, "tax-inclusive": True, "buyer-is-this-company": False}
    edited = {c["code"]: c["ok"] for c in recheck(_stored(kid="1234567890", total="130.00"))}
    assert edited["kid"] is False and edited["tax-inclusive"] is False


def test_fatal_rules_block_until_overridden():
    data = {
        "validation": {
            "available": True,
            "xsd_errors": [],
            "failed_rules": [{"rule_id": "BR-CO-16", "flag": "fatal"}, {"rule_id": "W-1", "flag": "warning"}],
        }
    }
    assert fatal_rules(data) == ["BR-CO-16"]
    with pytest.raises(FatalEhfRules):
        require_not_blocked(data, "approved")
    require_not_blocked({**data, "validation_override": {"reason": "ok"}}, "approved")
    require_not_blocked({"validation": {"available": False}}, "approved")
