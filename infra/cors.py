"""The one CORS configuration of the HTTP API, read by the CDK app and by the local gateway.

The portal SPA calls the API from another origin. In AWS, API Gateway (HTTP API) answers the
preflight and adds the headers from `CorsPolicy` (infra/identity.py); locally, the gateway does the
same from the same `CorsPolicy` (infra/local/gateway.py). The origins come from configuration: the
CDK context `klientportal:corsOrigins` for a deployment; locally `KP_CORS_ORIGINS` (comma-separated),
else that context from cdk.json plus the usual SPA dev-server origins (`LOCAL_DEV_ORIGINS`).
No AWS CDK import here: the local stack runs without it.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from functions import catalogue

CDK_JSON = Path(__file__).resolve().parent.parent / "cdk.json"
CONTEXT_KEY = "klientportal:corsOrigins"
ORIGINS_VAR = "KP_CORS_ORIGINS"
LOCAL_DEV_ORIGINS = (
    "http://localhost:5173",  # Vite's dev server, the portal SPA's default
    "http://127.0.0.1:5173",
    "http://localhost:3000",
    "http://127.0.0.1:3000",
)
ALLOW_HEADERS = ("authorization", "content-type", "idempotency-key")
EXPOSE_HEADERS = ("location", "content-disposition")
MAX_AGE_S = 3600


@dataclass(frozen=True)
class CorsPolicy:
    """What API Gateway's CorsConfiguration holds; no origins means no CORS at all."""

    allow_origins: tuple[str, ...]
    allow_methods: tuple[str, ...]
    allow_headers: tuple[str, ...] = ALLOW_HEADERS
    expose_headers: tuple[str, ...] = EXPOSE_HEADERS
    max_age_s: int = MAX_AGE_S

    @property
    def enabled(self) -> bool:
        return bool(self.allow_origins)

    def allows(self, origin: str) -> bool:
        """API Gateway's origin match: exact (scheme://host[:port]), `*`, or a scheme wildcard."""
        return any(
            allowed == "*"
            or allowed == origin
            or (allowed in ("https://*", "http://*") and origin.startswith(allowed[:-1]))
            for allowed in self.allow_origins
        )

    def preflight_headers(self, origin: str) -> dict[str, str]:
        """Headers of the answer to a preflight from `origin` (none if the origin is not allowed)."""
        if not self.allows(origin):
            return {}
        return {
            "access-control-allow-origin": origin,
            "access-control-allow-methods": ",".join(self.allow_methods),
            "access-control-allow-headers": ",".join(self.allow_headers),
            "access-control-max-age": str(self.max_age_s),
            "vary": "origin",
        }

    def response_headers(self, origin: str) -> dict[str, str]:
        """Headers added to an actual response to a request from `origin`."""
        if not self.allows(origin):
            return {}
        return {
            "access-control-allow-origin": origin,
            "access-control-expose-headers": ",".join(self.expose_headers),
            "vary": "origin",
        }


def route_methods() -> tuple[str, ...]:
    """The HTTP methods the catalogue's routes use (what a preflight may ask for)."""
    return tuple(sorted({r.method for _, r in catalogue.routes()}))


def policy(origins: tuple[str, ...]) -> CorsPolicy:
    return CorsPolicy(allow_origins=tuple(origins), allow_methods=route_methods())


def deployed_origins(cdk_json: Path = CDK_JSON) -> tuple[str, ...]:
    """The origins cdk.json gives a deployment (the CDK app reads them through its Config)."""
    context = json.loads(cdk_json.read_text()).get("context", {})
    return parse_origins(context.get(CONTEXT_KEY, []))


def local_policy(environ: dict[str, str] | None = None) -> CorsPolicy:
    """The local gateway's policy: `KP_CORS_ORIGINS` if set (empty = CORS off), else cdk.json's
    origins and the SPA dev-server origins."""
    env = os.environ if environ is None else environ
    if ORIGINS_VAR in env:
        return policy(parse_origins(env[ORIGINS_VAR]))
    return policy(tuple(dict.fromkeys((*deployed_origins(), *LOCAL_DEV_ORIGINS))))


def parse_origins(value: object) -> tuple[str, ...]:
    """A list (cdk.json) or a comma-separated string (command line, environment)."""
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, (list, tuple)):
        raise TypeError(f"CORS origins must be a list or a comma-separated string, not {value!r}")
    return tuple(str(item).strip().rstrip("/") for item in items if str(item).strip())
