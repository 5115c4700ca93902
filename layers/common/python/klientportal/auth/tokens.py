"""JWT verification as API Gateway's JWT authorizer does it, and the local dev issuer.

In AWS the HTTP API's JWT authorizer verifies Cognito tokens and hands the claims to the function
in requestContext.authorizer.jwt.claims. Locally the gateway calls `JwtVerifier` with the dev
issuer's public key and puts the claims in the same place. Either way the handler reads claims from
the event and nothing else; `JwtVerifier` applies the same checks the AWS authorizer applies
(signature by a key of the issuer's JWKS, iss, aud or client_id, exp, nbf).
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from klientportal.auth.subjects import LOCAL_SUBJECT_NAMESPACE, local_subject
from klientportal.errors import Unauthenticated

__all__ = ["DevIssuer", "JwtVerifier", "local_subject"]

LOCAL_ISSUER = "https://local.klientportal.invalid/dev-issuer"
LOCAL_AUDIENCE = "klientportal-local"


@dataclass(frozen=True)
class JwtVerifier:
    issuer: str
    audiences: tuple[str, ...]
    jwks: dict[str, Any]
    leeway_s: int = 30

    def verify(self, token: str) -> dict[str, Any]:
        """The verified claims of `token`, or Unauthenticated with the reason."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise Unauthenticated(f"the bearer token is malformed: {exc}") from exc
        key = next((k for k in self.jwks.get("keys", []) if k.get("kid") == header.get("kid")), None)
        if key is None:
            raise Unauthenticated("the bearer token is signed by an unknown key")
        if header.get("alg") != "RS256":
            raise Unauthenticated("the bearer token must be signed with RS256")
        try:
            claims = jwt.decode(
                token,
                jwt.PyJWK(key).key,
                algorithms=["RS256"],
                issuer=self.issuer,
                options={"verify_aud": False, "require": ["exp", "iss", "sub"]},
                leeway=self.leeway_s,
            )
        except jwt.ExpiredSignatureError as exc:
            raise Unauthenticated("the bearer token has expired") from exc
        except jwt.PyJWTError as exc:
            raise Unauthenticated(f"the bearer token is not valid: {exc}") from exc
        aud = claims.get("aud", claims.get("client_id"))
        auds = aud if isinstance(aud, list) else [aud]
        if not any(a in self.audiences for a in auds):
            raise Unauthenticated("the bearer token is for another audience")
        return claims


class DevIssuer:
    """Signs tokens with a local RSA key kept in a file: for the local stack and tests only."""

    def __init__(self, key_file: Path) -> None:
        self._key_file = key_file
        self._key = self._load_or_create(key_file)
        self.kid = "local-" + str(uuid.uuid5(LOCAL_SUBJECT_NAMESPACE, self.public_pem()))[:8]

    @staticmethod
    def _load_or_create(path: Path) -> rsa.RSAPrivateKey:
        if path.exists():
            key = serialization.load_pem_private_key(path.read_bytes(), password=None)
            assert isinstance(key, rsa.RSAPrivateKey)
            return key
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.part")
        partial.touch(mode=0o600)
        partial.chmod(0o600)
        partial.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        partial.replace(path)  # a start stopped half-way leaves no half-written key for the next one
        return key

    def public_pem(self) -> str:
        return (
            self._key.public_key()
            .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
            .decode()
        )

    def jwks(self) -> dict[str, Any]:
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self._key.public_key()))
        jwk.update({"kid": self.kid, "use": "sig", "alg": "RS256"})
        return {"keys": [jwk]}

    def verifier(self) -> JwtVerifier:
        return JwtVerifier(LOCAL_ISSUER, (LOCAL_AUDIENCE,), self.jwks())

    def issue(
        self,
        email: str,
        *,
        minutes: int = 60,
        auth_level: str | None = None,
        auth_time: int | None = None,
        now: int | None = None,
    ) -> str:
        """A token shaped like a Cognito ID token for the local user with this e-mail address."""
        issued = int(now if now is not None else time.time())
        claims = {
            "iss": LOCAL_ISSUER,
            "aud": LOCAL_AUDIENCE,
            "sub": local_subject(email),
            "email": email.strip().lower(),
            "token_use": "id",
            "iat": issued,
            "nbf": issued,
            "exp": issued + minutes * 60,
            "auth_time": auth_time if auth_time is not None else issued,
        }
        if auth_level:
            claims["acr"] = auth_level
        return jwt.encode(claims, self._key, algorithm="RS256", headers={"kid": self.kid})
