"""RFC 9457 problem details: every error the API returns has this shape."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.event_handler import Response
from pydantic import BaseModel, ConfigDict

from klientportal.errors import DomainError, FieldError

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse

#: The responses of an operation as the OpenAPI document states them, by status code.
Responses = dict[int, "OpenAPIResponse"]

PROBLEM_BASE = "https://klientportal.no/problems/"
PROBLEM_CONTENT_TYPE = "application/problem+json"


class ProblemFieldError(BaseModel):
    model_config = ConfigDict(defer_build=True)  # the OpenAPI document's; answers are built as dicts

    field: str
    message: str


class Problem(BaseModel):
    """RFC 9457 problem details: the OpenAPI component. `problem_response` writes the answer itself,
    so the model is built only for the document (cold start, 0412)."""

    model_config = ConfigDict(defer_build=True)

    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[ProblemFieldError] = []


def problem_response(
    status: int,
    slug: str,
    title: str,
    detail: str,
    *,
    instance: str | None = None,
    errors: list[FieldError] | None = None,
    extra: dict[str, Any] | None = None,
) -> Response[str]:
    reserved = {"type", "title", "status", "detail", "instance", "errors"}
    clashes = reserved & set(extra or {})
    if clashes:
        raise ValueError(f"problem extension members may not reuse {sorted(clashes)}")
    body = {
        "type": PROBLEM_BASE + slug,
        "title": title,
        "status": status,
        "detail": detail,
        **({"instance": instance} if instance else {}),
        **({"errors": [{"field": e.field, "message": e.message} for e in errors]} if errors else {}),
        **(extra or {}),
    }
    return Response(status_code=status, content_type=PROBLEM_CONTENT_TYPE, body=json.dumps(body, ensure_ascii=False))


def from_domain_error(err: DomainError, instance: str | None = None) -> Response[str]:
    return problem_response(
        err.status, err.slug, err.title, err.detail, instance=instance, errors=err.errors, extra=err.extra
    )


def field_errors_from_validation(errors: Iterable[Mapping[str, Any]]) -> list[FieldError]:
    """Pydantic/powertools validation errors as field errors ("body.address.city" → "address.city")."""
    out: list[FieldError] = []
    for e in errors:
        loc = [str(p) for p in e.get("loc", ())]
        if loc and loc[0] in ("body", "query", "path", "header"):
            where, loc = loc[0], loc[1:]
        else:
            where = "body"
        name = ".".join(loc) or where
        if where in ("query", "header"):
            name = f"{where}.{name}"
        message = e.get("msg", "invalid")
        if e.get("type") == "extra_forbidden":
            message = "unknown field"
        elif e.get("type") == "json_invalid":
            name, message = "body", "malformed JSON: " + str(e.get("ctx", {}).get("error", e.get("msg")))
        out.append(FieldError(name, message))
    return out


def _problem(description: str) -> OpenAPIResponse:
    """An OpenAPI error response: problem+json of the `Problem` component (a $ref, never inlined)."""
    return {"description": description, "content": {PROBLEM_CONTENT_TYPE: {"model": Problem}}}


def problem_doc(description: str) -> OpenAPIResponse:
    """A route's own problem+json response in the OpenAPI document (e.g. its 415 for a file body)."""
    return _problem(description)


COMMON_RESPONSES: Responses = {
    401: _problem("Missing, expired or invalid bearer token"),
    403: _problem("Not allowed for your role, module or licence"),
    404: _problem("Not found (or not yours)"),
    409: _problem("Conflict: a stale version, a duplicate, or a business rule forbids it"),
    422: _problem("Invalid request"),
}
BODY_RESPONSES: Responses = {
    413: _problem("The request body is larger than the limit"),
    415: _problem("The request body is not application/json"),
}
INTERNAL_RESPONSE = _problem("Internal error (logged)")


def documented_responses(method: str, declared: Responses | None) -> Responses:
    """Every response of a route as the OpenAPI document states it: the success response (from the
    route's return annotation unless declared), the problem+json errors the app can answer, and 500
    as a problem (powertools would document its own JSON error shape, which the app never sends)."""
    responses: Responses = {
        **COMMON_RESPONSES,
        **(BODY_RESPONSES if method.upper() in ("POST", "PUT", "PATCH") else {}),
    }
    responses.update(declared or {})
    if not any(200 <= int(code) < 300 for code in responses):
        responses = {200: {"description": "OK"}, **responses}
    responses[500] = INTERNAL_RESPONSE
    return dict(sorted(responses.items(), key=lambda item: int(item[0])))


def created(model: type[BaseModel]) -> OpenAPIResponse:
    """OpenAPI entry for a 201 response carrying `model`."""
    return {"description": "Created", "content": {"application/json": {"model": model}}}
