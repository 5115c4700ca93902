"""Builds the powertools HTTP API app of one function, with THE authorization middleware.

Every request passes `authorize_event`: the route key (set by API Gateway, and by the local
gateway) names the route, the catalogue names its policy action, the JWT claims name the user, and
the policy decides before any route code runs. The invocation's composition
(`klientportal.bootstrap.Invocation`) rides on the request context; routes receive the context and
their services as parameters with powertools' `Depends` (`Context` below, and providers built on
`request_context`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.depends import Depends
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError, ResponseValidationError
from aws_lambda_powertools.event_handler.request import Request
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit

from klientportal.api.body import loads, refuse_body, refuse_raw_body
from klientportal.api.context import RequestContext
from klientportal.api.problems import (
    PROBLEM_CONTENT_TYPE,
    documented_responses,
    field_errors_from_validation,
    from_domain_error,
    problem_response,
)
from klientportal.auth import policy
from klientportal.auth.principal import Principal
from klientportal.bootstrap import Invocation, invocation
from klientportal.errors import DomainError, InternalError, NotFound, Unauthenticated
from klientportal.observability import LambdaHandler, instrumented, logger, metrics
from klientportal.repository.records import Record
from klientportal.repository.store import Actor
from klientportal.tenancy.models import Membership

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

CONTEXT_KEY = "request"
E = TypeVar("E", bound=Exception)

#: Sort keys of the client's partition that a route will read, by route key and path parameters:
#: read in the authorization's batch (one call) instead of one call each later.
Preload = Callable[[str, dict[str, str]], Iterable[str]]


def _no_preload(route_key: str, path: dict[str, str]) -> Iterable[str]:
    return ()


class GuardedApp(APIGatewayHttpResolver):
    """The resolver of one API function, with the catalogue's route → action map and its preload."""

    def __init__(
        self, actions: dict[str, str | None], preload: Preload, raw_bodies: frozenset[str] = frozenset()
    ) -> None:
        super().__init__(enable_validation=True, response_validation_error_http_code=500, json_body_deserializer=loads)
        self.actions = actions
        self.preload = preload
        self.raw_bodies = raw_bodies  # route keys whose body is a file, not JSON (the route checks it)

    def on_error(self, error: type[E], handler: Callable[[E], Response[str]]) -> None:
        """Answer `error` with `handler` (powertools' `exception_handler`, as a typed call)."""
        self.exception_handler(error)(handler)


def request_context(request: Request) -> RequestContext:
    """The authorized request's context (a `Depends` provider)."""
    ctx = request.context[CONTEXT_KEY]
    if not isinstance(ctx, RequestContext):
        raise RuntimeError("no authorized request context")
    return ctx


Context = Annotated[RequestContext, Depends(request_context)]

Route = TypeVar("Route", bound=Callable[..., Any])


def raw_response(route: Route) -> Route:
    """For a route that answers bytes or HTML as they are (apply below the router's decorator).

    powertools validates a response and encodes it as JSON by the route's return annotation, which
    would mangle a PDF; the annotation is taken off the function it registers (it stays in the
    source for the type checker)."""
    route.__annotations__.pop("return", None)
    return route


def _principal(sub: str, claims: dict[str, Any], found: list[tuple[Membership, Record]], inv: Invocation) -> Principal:
    actor = Actor(sub=sub, email=claims.get("email"))
    active = inv.tenancy.activate_invitations(found, actor)
    auth_time = claims.get("auth_time")
    return Principal(
        sub=sub,
        email=claims.get("email"),
        memberships=tuple(active),
        auth_level=claims.get("acr"),
        auth_time=int(auth_time) if auth_time else None,
    )


def authorize_event(
    event: dict[str, Any], actions: dict[str, str | None], preload: Preload = _no_preload, inv: Invocation | None = None
) -> RequestContext:
    """THE authorization step: route → action → policy decision, before any parsing of the body.

    A client-scoped action reads the client, the user's memberships that can reach it, the audit
    head and the route's `preload` in one batch; other actions read all the user's memberships."""
    route_key = event.get("routeKey", "")
    if route_key not in actions:
        raise NotFound(f"no route {route_key}")
    action = actions[route_key]
    inv = inv or invocation()
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    request_id = (event.get("requestContext") or {}).get("requestId", "-")
    ctx = RequestContext(
        invocation=inv, principal=None, action=action, route_key=route_key, request_id=request_id, headers=headers
    )
    if action is None:
        return ctx
    claims = ((event.get("requestContext") or {}).get("authorizer") or {}).get("jwt", {}).get("claims")
    if not claims:
        raise Unauthenticated("a bearer token is required")
    sub = claims.get("sub")
    if not sub:
        raise Unauthenticated("the token has no subject")
    spec = policy.rule(action)
    if spec.scope == "client":
        path = event.get("pathParameters") or {}
        ctx.client, found = inv.tenancy.repo.client_access(path.get("client_id", ""), sub, preload(route_key, path))
        ctx.principal = _principal(sub, claims, found, inv)
        ctx.membership = policy.authorize_client(ctx.principal, action, ctx.client)
        return ctx
    ctx.principal = _principal(sub, claims, inv.tenancy.repo.memberships_of(sub), inv)
    if spec.scope == "bureau":
        ctx.membership = policy.authorize_bureau(ctx.principal, action)
    elif spec.scope == "platform":
        ctx.principal = replace(ctx.principal, platform_operator=inv.tenancy.repo.is_platform_operator(sub))
        policy.authorize_platform(ctx.principal, action)
    else:
        policy.authorize_any(ctx.principal, action)
    return ctx


def build_app(
    routers: Iterable[Router],
    routes: Iterable[Any],
    preload: Preload = _no_preload,
    raw_bodies: Iterable[str] = (),
) -> GuardedApp:
    """An HTTP API app with `routers` included, guarded for the catalogue `routes` given; the
    routes in `raw_bodies` (route keys) take a file as their body and bound it themselves."""
    app = GuardedApp({r.route_key: r.action for r in routes}, preload, frozenset(raw_bodies))
    for router in routers:
        app.include_router(router)
    for route in app._static_routes + app._dynamic_routes:
        route.responses = documented_responses(route.method, route.responses)

    def _domain(err: DomainError) -> Response[str]:
        if err.status >= 500:
            logger.exception("domain error")
        return from_domain_error(err, instance=app.current_event.path)

    def _invalid(err: RequestValidationError) -> Response[str]:
        return problem_response(
            422,
            "validation-error",
            "The request is not valid",
            "the request does not match the schema; see errors",
            instance=app.current_event.path,
            errors=field_errors_from_validation(err.errors()),
        )

    def _bad_response(err: ResponseValidationError) -> Response[str]:
        logger.error("response failed its schema", extra={"errors": str(err.errors())[:2000]})
        return problem_response(
            500,
            "internal-error",
            "Internal error",
            "the response did not match its schema; it has been logged",
            instance=app.current_event.path,
        )

    @app.not_found
    def _not_found(_: NotFoundError) -> Response[str]:
        return problem_response(404, "not-found", "Not found", "no such route", instance=app.current_event.path)

    def _unexpected(err: Exception) -> Response[str]:
        logger.exception("unhandled error")
        return problem_response(
            500,
            "internal-error",
            "Internal error",
            "something went wrong on our side; it has been logged",
            instance=app.current_event.path,
        )

    app.on_error(DomainError, _domain)
    app.on_error(RequestValidationError, _invalid)
    app.on_error(ResponseValidationError, _bad_response)
    app.on_error(Exception, _unexpected)
    return app


def _proxy_problem(err: DomainError, path: str) -> dict[str, Any]:
    response = from_domain_error(err, instance=path)
    return {
        "statusCode": response.status_code,
        "headers": {"Content-Type": PROBLEM_CONTENT_TYPE},
        "body": response.body,
        "isBase64Encoded": False,
    }


def http_handler(app: GuardedApp) -> LambdaHandler:
    """The Lambda handler of an API function: authorize, bound the body, then let the resolver parse and route."""

    def handle(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        try:
            ctx = authorize_event(event, app.actions, app.preload)
        except DomainError as err:
            return _proxy_problem(err, event.get("rawPath", ""))
        except Exception:
            logger.exception("authorization failed unexpectedly")
            return _proxy_problem(
                InternalError("something went wrong on our side; it has been logged"), event.get("rawPath", "")
            )
        refused = refuse_raw_body(event) if ctx.route_key in app.raw_bodies else refuse_body(event)
        if refused:
            return _proxy_problem(refused, event.get("rawPath", ""))
        ctx.lambda_context = context
        logger.append_keys(tenant=ctx.tenant, route=ctx.route_key)
        app.context[CONTEXT_KEY] = ctx
        started = time.perf_counter()
        response = app.resolve(event, context)
        status = int(response.get("statusCode", 0))
        logger.info(
            "request handled", extra={"status": status, "duration_ms": round((time.perf_counter() - started) * 1000, 1)}
        )
        metrics.add_metric(name="Requests", unit=MetricUnit.Count, value=1)
        if status >= 500:
            metrics.add_metric(name="ServerErrors", unit=MetricUnit.Count, value=1)
        return response

    return instrumented(handle, correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
