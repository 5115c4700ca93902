"""The Klientportal-Signature header: what a receiver computes, rotation overlap, tampering, replay."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from klientportal.sync.webhooks import signing

BODY = b'{"id":"T#c-1#7","type":"invoice.issued"}'


def test_v1_is_hmac_sha256_of_timestamp_dot_raw_body():
    expected = hmac.new(b"whsec_abc", b"1764633600." + BODY, hashlib.sha256).hexdigest()
    assert signing.signature_header(["whsec_abc"], 1764633600, BODY) == f"t=1764633600,v1={expected}"


def test_a_receiver_with_either_secret_verifies_during_the_overlap():
    header = signing.signature_header(["new-secret", "old-secret"], 1000, BODY)
    assert header.count("v1=") == 2
    assert signing.verify(header, BODY, "new-secret", now=1000) == 1000
    assert signing.verify(header, BODY, "old-secret", now=1010) == 1000
    with pytest.raises(signing.SignatureError):
        signing.verify(header, BODY, "another-secret", now=1000)


@pytest.mark.parametrize(
    "body, now",
    [(BODY + b" ", 1000), (BODY.replace(b"7", b"8"), 1000), (BODY, 1000 + signing.TOLERANCE_S + 1)],
)
def test_altered_body_or_old_timestamp_fails(body, now):
    header = signing.signature_header(["s"], 1000, BODY)
    with pytest.raises(signing.SignatureError):
        signing.verify(header, body, "s", now=now)


def test_a_changed_timestamp_breaks_the_signature():
    header = signing.signature_header(["s"], 1000, BODY).replace("t=1000", "t=1001")
    with pytest.raises(signing.SignatureError):
        signing.verify(header, BODY, "s", now=1001)


def test_malformed_headers_are_refused():
    for header in ("", "v1=abc", "t=1000", "t=x,v1=abc"):
        with pytest.raises(signing.SignatureError):
            signing.verify(header, BODY, "s", now=1000)


def test_secrets_are_fresh_and_long():
    a, b = signing.new_secret(), signing.new_secret()
    assert a != b and a.startswith("whsec_") and len(a) == 6 + 64
    with pytest.raises(ValueError):
        signing.signature_header([], 1000, BODY)
