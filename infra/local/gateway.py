"""The local HTTP gateway: API Gateway's routing and JWT authorizer in front of the same handlers.

`Gateway.dispatch` is the whole of it (tests call it directly); `serve` puts it on a real
ThreadingHTTPServer on 127.0.0.1.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from klientportal.auth.tokens import JwtVerifier
from klientportal.errors import Unauthenticated

from functions import catalogue
from infra.local.events import http_api_event
from infra.local.invoker import Invoker

MAX_BODY_BYTES = 10 * 1024 * 1024  # API Gateway's payload limit


@dataclass(frozen=True)
class _CompiledRoute:
    function: catalogue.Function
    route: catalogue.Route
    pattern: re.Pattern
    static_segments: int


def _compile(fn: catalogue.Function, route: catalogue.Route) -> _CompiledRoute:
    parts = route.path.strip("/").split("/") if route.path != "/" else []
    regex = "".join(
        "/" + (f"(?P<{p[1:-1]}>[^/]+)" if p.startswith("{") else re.escape(p)) for p in parts
    )
    static = sum(1 for p in parts if not p.startswith("{"))
    return _CompiledRoute(fn, route, re.compile(f"^{regex or '/'}$"), static)


def _problem(status: int, slug: str, title: str, detail: str) -> tuple[int, dict, bytes]:
    body = {
        "type": f"https://klientportal.no/problems/{slug}",
        "title": title,
        "status": status,
        "detail": detail,
    }
    return status, {"content-type": "application/problem+json"}, json.dumps(body).encode()


class Gateway:
    def __init__(
        self,
        invoker: Invoker,
        verifier: JwtVerifier,
        extra_routes: dict[tuple[str, str], Callable[[str], tuple[int, dict, bytes]]] | None = None,
    ) -> None:
        self.invoker = invoker
        self.verifier = verifier
        self.extra_routes = extra_routes or {}
        routes = [_compile(fn, r) for fn, r in catalogue.routes()]
        self.routes = sorted(routes, key=lambda c: -c.static_segments)

    def match(self, method: str, path: str) -> tuple[_CompiledRoute, dict[str, str]] | None:
        for compiled in self.routes:
            if compiled.route.method != method:
                continue
            m = compiled.pattern.match(path)
            if m:
                return compiled, m.groupdict()
        return None

    def dispatch(
        self, method: str, target: str, headers: dict[str, str], body: bytes | None
    ) -> tuple[int, dict, bytes]:
        url = urlsplit(target)
        path = url.path or "/"
        for (extra_method, prefix), handler in self.extra_routes.items():
            if method == extra_method and path.startswith(prefix):
                return handler(path[len(prefix) :])
        found = self.match(method, path)
        if found is None:
            return _problem(404, "not-found", "Not found", f"no route for {method} {path}")
        compiled, params = found
        if body is not None and len(body) > MAX_BODY_BYTES:
            return _problem(
                413, "payload-too-large", "Payload too large", "the request body exceeds 10 MB"
            )
        claims = None
        if compiled.route.action is not None:
            auth = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
            if not auth.lower().startswith("bearer "):
                return _problem(
                    401, "unauthenticated", "Authentication required", "a bearer token is required"
                )
            try:
                claims = self.verifier.verify(auth[7:].strip())
            except Unauthenticated as exc:
                return _problem(401, "unauthenticated", "Authentication required", exc.detail)
        try:
            text = body.decode("utf-8") if body else None
        except UnicodeDecodeError:
            return _problem(400, "bad-encoding", "Bad request", "the request body must be UTF-8")
        event = http_api_event(
            method=method,
            path=path,
            route_key=compiled.route.route_key,
            path_parameters=params,
            headers=headers,
            query=url.query,
            body=text,
            claims=claims,
        )
        result = self.invoker.invoke(compiled.function, event)
        out_headers = {k.lower(): v for k, v in (result.get("headers") or {}).items()}
        for k, values in (result.get("multiValueHeaders") or {}).items():
            out_headers[k.lower()] = ", ".join(values)
        payload = result.get("body") or ""
        if result.get("isBase64Encoded"):
            data = base64.b64decode(payload)
        else:
            data = payload.encode("utf-8")
        return int(result.get("statusCode", 200)), out_headers, data


def serve(gateway: Gateway, host: str, port: int) -> ThreadingHTTPServer:
    """A started-on-demand HTTP server around `gateway` (call serve_forever in a thread)."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _handle(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            if length > MAX_BODY_BYTES:
                status, headers, data = _problem(
                    413, "payload-too-large", "Payload too large", "the request body exceeds 10 MB"
                )
            else:
                body = self.rfile.read(length) if length else None
                status, headers, data = gateway.dispatch(
                    self.command, self.path, dict(self.headers.items()), body
                )
            self.send_response(status)
            for k, v in headers.items():
                if k not in ("content-length", "connection"):
                    self.send_header(k, v)
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

        def log_message(self, fmt: str, *args: object) -> None:
            pass

    return ThreadingHTTPServer((host, port), Handler)
