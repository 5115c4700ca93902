"""Local tokens for the step-up checks (payments.step_up): a plain sign-in, or a BankID-level one
(`acr` of the first accepted value, `auth_time` now or `auth_age_s` ago). Used by `klientportal token
--step-up [--auth-age S]` and by `POST /_local/tokens/<email>[/bankid[/<age s>]]` on the local stack."""

from __future__ import annotations

import json
import time
from urllib.parse import unquote

from klientportal.auth.tokens import DevIssuer
from klientportal.payments.step_up import StepUpPolicy


def issue(issuer: DevIssuer, email: str, *, step_up: bool, auth_age_s: int = 0, minutes: int = 60) -> str:
    now = int(time.time())
    if not step_up:
        return issuer.issue(email, minutes=minutes, auth_time=now - auth_age_s, now=now)
    acr = StepUpPolicy.from_env().acr_values[0]
    return issuer.issue(email, minutes=minutes, auth_level=acr, auth_time=now - auth_age_s, now=now)


def local_route(issuer: DevIssuer, rest: str) -> tuple[int, dict[str, str], bytes]:
    """`<email>` → a plain token; `<email>/bankid` → a fresh step-up token; `<email>/bankid/<s>` → one
    whose BankID sign-in was <s> seconds ago (to see the stale refusal)."""
    parts = [unquote(p) for p in rest.strip("/").split("/") if p]
    headers = {"Content-Type": "application/json"}
    if not parts or "@" not in parts[0] or len(parts) > 3 or (len(parts) > 1 and parts[1] != "bankid"):
        body = {"detail": "POST /_local/tokens/<email>[/bankid[/<seconds since the BankID sign-in>]]"}
        return 404, headers, json.dumps(body).encode()
    age = int(parts[2]) if len(parts) == 3 and parts[2].isdigit() else 0
    token = issue(issuer, parts[0], step_up=len(parts) > 1, auth_age_s=age)
    return 200, headers, json.dumps({"token": token, "step_up": len(parts) > 1, "auth_age_s": age}).encode()
