"""Fresh strong authentication (step-up) for approvals: the token's `acr` must be a BankID-level
value and its `auth_time` (when the person last authenticated, not when the token was issued) within
a few minutes. Refusals follow RFC 9470's `insufficient_user_authentication`: 401, with the acr
values and the maximum age that would pass.

Token times are real time: the local clock override (klientportal.clock) does not move them.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

from klientportal.auth.principal import Principal
from klientportal.errors import DomainError

#: BankID through an OIDC broker (Criipto/Signicat style) and ID-porten's high level.
DEFAULT_ACR_VALUES = ("urn:grn:authn:no:bankid", "idporten-loa-high")
DEFAULT_MAX_AGE_S = 5 * 60
FUTURE_LEEWAY_S = 30
ACR_VAR, MAX_AGE_VAR = "KP_STEP_UP_ACR", "KP_STEP_UP_MAX_AGE_S"


class StepUpRequired(DomainError):
    status, slug, title = 401, "step-up-required", "A fresh BankID authentication is required"


class StepUpStale(DomainError):
    status, slug, title = 401, "step-up-stale", "The BankID authentication is too old"


@dataclass(frozen=True)
class StepUpPolicy:
    acr_values: tuple[str, ...] = DEFAULT_ACR_VALUES
    max_age_s: int = DEFAULT_MAX_AGE_S

    @classmethod
    def from_env(cls) -> StepUpPolicy:
        acr = tuple(v.strip() for v in os.environ.get(ACR_VAR, "").split(",") if v.strip())
        age = int(os.environ.get(MAX_AGE_VAR, DEFAULT_MAX_AGE_S))
        if not 30 <= age <= 15 * 60:
            raise RuntimeError(f"{MAX_AGE_VAR} must be 30 to 900 seconds, not {age}")
        return cls(acr or DEFAULT_ACR_VALUES, age)

    def _extra(self) -> dict[str, object]:
        return {"acr_values": list(self.acr_values), "max_age": self.max_age_s}

    def check(self, principal: Principal, now_s: int | None = None) -> tuple[str, int]:
        """(acr, auth_time) of a fresh step-up authentication, or StepUpRequired / StepUpStale."""
        now = int(time.time()) if now_s is None else now_s
        if principal.auth_level not in self.acr_values:
            raise StepUpRequired(
                f"approving needs a BankID-level sign-in (acr one of {', '.join(self.acr_values)}); "
                f"this token's acr is {principal.auth_level or 'absent'}",
                extra=self._extra(),
            )
        if principal.auth_time is None:
            raise StepUpRequired("the token does not say when you signed in (auth_time)", extra=self._extra())
        age = now - principal.auth_time
        if age < -FUTURE_LEEWAY_S:
            raise StepUpStale("the token's auth_time lies in the future", extra=self._extra())
        if age > self.max_age_s:
            raise StepUpStale(
                f"you signed in with BankID {age} s ago; approving needs a sign-in within {self.max_age_s} s",
                extra={**self._extra(), "auth_age": age},
            )
        return principal.auth_level, principal.auth_time
