"""JWT verification applies the checks of API Gateway's JWT authorizer."""

from __future__ import annotations

import jwt
import pytest

from klientportal.auth.tokens import LOCAL_AUDIENCE, DevIssuer, JwtVerifier, local_subject
from klientportal.errors import Unauthenticated


@pytest.fixture
def issuer(tmp_path):
    return DevIssuer(tmp_path / "key.pem")


def test_a_fresh_token_verifies_with_the_subject_of_the_address(issuer):
    claims = issuer.verifier().verify(issuer.issue("Kari@Example.no"))
    assert claims["sub"] == local_subject("kari@example.no") and claims["email"] == "kari@example.no"


def test_the_key_survives_restarts(tmp_path):
    token = DevIssuer(tmp_path / "k.pem").issue("a@b.no")
    assert DevIssuer(tmp_path / "k.pem").verifier().verify(token)["email"] == "a@b.no"


@pytest.mark.parametrize(
    "mutate, reason",
    [
        (lambda i, t: i.issue("a@b.no", minutes=-5), "expired"),
        (lambda i, t: t[:-4] + ("AAAA" if not t.endswith("AAAA") else "BBBB"), "not valid"),
        (lambda i, t: "not-a-token", "malformed"),
    ],
)
def test_bad_tokens_are_refused(issuer, mutate, reason):
    token = issuer.issue("a@b.no")
    with pytest.raises(Unauthenticated, match=reason):
        issuer.verifier().verify(mutate(issuer, token))


def test_wrong_audience_issuer_key_and_algorithm_are_refused(issuer, tmp_path):
    token = issuer.issue("a@b.no")
    with pytest.raises(Unauthenticated, match="audience"):
        JwtVerifier(issuer.verifier().issuer, ("another-app",), issuer.jwks()).verify(token)
    with pytest.raises(Unauthenticated):
        JwtVerifier("https://elsewhere.invalid", (LOCAL_AUDIENCE,), issuer.jwks()).verify(token)
    with pytest.raises(Unauthenticated, match="unknown key"):
        DevIssuer(tmp_path / "other.pem").verifier().verify(token)
    unsigned = jwt.encode(
        {"sub": "x", "iss": issuer.verifier().issuer, "aud": LOCAL_AUDIENCE, "exp": 9999999999},
        key="",
        algorithm="none",
        headers={"kid": issuer.kid},
    )
    with pytest.raises(Unauthenticated):
        issuer.verifier().verify(unsigned)


def test_cognito_access_tokens_use_client_id(issuer):
    import time

    key = issuer._key  # the same RSA key signs a Cognito-shaped access token
    token = jwt.encode(
        {
            "sub": "s",
            "iss": issuer.verifier().issuer,
            "client_id": LOCAL_AUDIENCE,
            "token_use": "access",
            "exp": int(time.time()) + 60,
        },
        key,
        algorithm="RS256",
        headers={"kid": issuer.kid},
    )
    assert issuer.verifier().verify(token)["client_id"] == LOCAL_AUDIENCE
