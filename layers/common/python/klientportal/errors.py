"""Domain errors. The API layer turns each into an RFC 9457 problem with a stable type."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


@dataclass
class DomainError(Exception):
    """Base of all expected failures; `slug` becomes the problem type."""

    detail: str
    errors: list[FieldError] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    status = 400
    slug = "bad-request"
    title = "Bad request"

    def __str__(self) -> str:
        return self.detail


class InvalidInput(DomainError):
    status, slug, title = 422, "validation-error", "The request is not valid"


class NotFound(DomainError):
    status, slug, title = 404, "not-found", "Not found"


class Unauthenticated(DomainError):
    status, slug, title = 401, "unauthenticated", "Authentication required"


class Forbidden(DomainError):
    status, slug, title = 403, "forbidden", "Not allowed"


class StaleVersion(DomainError):
    status, slug, title = 409, "stale-version", "The item was changed by someone else"


class AlreadyExists(DomainError):
    status, slug, title = 409, "already-exists", "The item exists already"


class RuleViolation(DomainError):
    """A business rule forbids the change (e.g. a module outside the bureau's licence)."""

    status, slug, title = 409, "rule-violation", "A business rule forbids this change"


class InternalError(DomainError):
    status, slug, title = 500, "internal-error", "Internal error"


class ReasonedError(Exception):
    """Input a reader cannot use: `reason` is a short stable code (quarantine and problem details
    keep it), `detail` says what was wrong for a person. Each reader subclasses it and lists its
    reasons; the text of the exception is `reason: detail`."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail
