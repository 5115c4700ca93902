"""Builds the powertools HTTP API app of one function, with THE authorization middleware.

Every request passes `authorize`: the route key (set by API Gateway, and by the local gateway)
names the route, the catalogue names its policy action, the JWT claims name the user, and the
policy decides before any route code runs. Route code reads `request_context(app)`.
"""
from __future__ import annotations

import time
from typing import Any, Callable, Iterable

from aws_lambda_powertools.metrics import MetricUnit

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError, ResponseValidationError
from aws_lambda_powertools.event_handler.router import Router
from aws_lambda_powertools.logging import correlation_paths

from klientportal import aws
from klientportal.adapters.identity import user_directory
from klientportal.api.body import loads, refuse_body
from klientportal.api.context import RequestContext
from klientportal.api.problems import (
    PROBLEM_CONTENT_TYPE, documented_responses, field_errors_from_validation, from_domain_error, problem_response,
)
from klientportal.auth import policy
from klientportal.auth.principal import Principal
from klientportal.errors import DomainError, InternalError, NotFound, Unauthenticated
from klientportal.observability import instrumented, logger, metrics
from klientportal.repository.store import Actor, Store
from klientportal.settings import settings
from klientportal.tenancy.repository import TenancyRepository
from klientportal.tenancy.service import TenancyService

CONTEXT_KEY = "request"


def store() -> Store:
    return Store(aws.client("dynamodb"), settings().main_table)


def tenancy_service(st: Store | None = None) -> TenancyService:
    s = settings()
    return TenancyService(TenancyRepository(st or store()), user_directory(s.identity_provider, s.user_pool_id))


def request_context(app: APIGatewayHttpResolver) -> RequestContext:
    return app.context[CONTEXT_KEY]


def _principal(claims: dict, st: Store) -> Principal:
    sub = claims.get("sub")
    if not sub:
        raise Unauthenticated("the token has no subject")
    service = tenancy_service(st)
    memberships = service.repo.memberships_of(sub)
    actor = Actor(sub=sub, email=claims.get("email"))
    active = service.activate_invitations(memberships, actor)
    auth_time = claims.get("auth_time")
    return Principal(sub=sub, email=claims.get("email"), memberships=tuple(active),
                     auth_level=claims.get("acr"), auth_time=int(auth_time) if auth_time else None)


def authorize_event(event: dict, actions: dict[str, str | None]) -> RequestContext:
    """THE authorization step: route → action → policy decision, before any parsing of the body."""
    route_key = event.get("routeKey", "")
    if route_key not in actions:
        raise NotFound(f"no route {route_key}")
    action = actions[route_key]
    st = store()
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    request_id = (event.get("requestContext") or {}).get("requestId", "-")
    ctx = RequestContext(store=st, principal=None, action=action, route_key=route_key, request_id=request_id,
                         headers=headers)
    if action is None:
        return ctx
    claims = ((event.get("requestContext") or {}).get("authorizer") or {}).get("jwt", {}).get("claims")
    if not claims:
        raise Unauthenticated("a bearer token is required")
    ctx.principal = _principal(claims, st)
    spec = policy.rule(action)
    if spec.scope == "client":
        client_id = (event.get("pathParameters") or {}).get("client_id", "")
        found = tenancy_service(st).repo.client(client_id)
        ctx.client = found[0] if found else None
        ctx.membership = policy.authorize_client(ctx.principal, action, ctx.client)
    elif spec.scope == "bureau":
        ctx.membership = policy.authorize_bureau(ctx.principal, action)
    else:
        policy.authorize_any(ctx.principal, action)
    return ctx


def build_app(routers: Iterable[Router], routes: Iterable[Any]) -> APIGatewayHttpResolver:
    """An HTTP API app with `routers` included, guarded for the catalogue `routes` given."""
    app = APIGatewayHttpResolver(enable_validation=True, response_validation_error_http_code=500,
                                 json_body_deserializer=loads)
    for router in routers:
        app.include_router(router)
    for route in app._static_routes + app._dynamic_routes:
        route.responses = documented_responses(route.method, route.responses)
    app.context_actions = {r.route_key: r.action for r in routes}  # type: ignore[attr-defined]

    @app.exception_handler(DomainError)
    def _domain(err: DomainError) -> Response:
        if err.status >= 500:
            logger.exception("domain error")
        return from_domain_error(err, instance=app.current_event.path)

    @app.exception_handler(RequestValidationError)
    def _invalid(err: RequestValidationError) -> Response:
        return problem_response(422, "validation-error", "The request is not valid",
                                "the request does not match the schema; see errors",
                                instance=app.current_event.path, errors=field_errors_from_validation(err.errors()))

    @app.exception_handler(ResponseValidationError)
    def _bad_response(err: ResponseValidationError) -> Response:
        logger.error("response failed its schema", extra={"errors": str(err.errors())[:2000]})
        return problem_response(500, "internal-error", "Internal error",
                                "the response did not match its schema; it has been logged",
                                instance=app.current_event.path)

    @app.not_found
    def _not_found(_: NotFoundError) -> Response:
        return problem_response(404, "not-found", "Not found", "no such route", instance=app.current_event.path)

    @app.exception_handler(Exception)
    def _unexpected(err: Exception) -> Response:
        logger.exception("unhandled error")
        return problem_response(500, "internal-error", "Internal error",
                                "something went wrong on our side; it has been logged",
                                instance=app.current_event.path)

    return app


def _proxy_problem(err: DomainError, path: str) -> dict:
    response = from_domain_error(err, instance=path)
    return {"statusCode": response.status_code, "headers": {"Content-Type": PROBLEM_CONTENT_TYPE},
            "body": response.body, "isBase64Encoded": False}


def http_handler(app: APIGatewayHttpResolver) -> Callable:
    """The Lambda handler of an API function: authorize, bound the body, then let the resolver parse and route."""
    actions = app.context_actions  # type: ignore[attr-defined]

    def handle(event: dict, context: Any) -> dict:
        try:
            ctx = authorize_event(event, actions)
        except DomainError as err:
            return _proxy_problem(err, event.get("rawPath", ""))
        except Exception:
            logger.exception("authorization failed unexpectedly")
            return _proxy_problem(InternalError("something went wrong on our side; it has been logged"),
                                  event.get("rawPath", ""))
        refused = refuse_body(event)
        if refused:
            return _proxy_problem(refused, event.get("rawPath", ""))
        ctx.lambda_context = context
        logger.append_keys(tenant=ctx.tenant, route=ctx.route_key)
        app.append_context(**{CONTEXT_KEY: ctx})
        started = time.perf_counter()
        response = app.resolve(event, context)
        status = int(response.get("statusCode", 0))
        logger.info("request handled", extra={"status": status,
                                              "duration_ms": round((time.perf_counter() - started) * 1000, 1)})
        metrics.add_metric(name="Requests", unit=MetricUnit.Count, value=1)
        if status >= 500:
            metrics.add_metric(name="ServerErrors", unit=MetricUnit.Count, value=1)
        return response

    return instrumented(handle, correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
