"""The local HTTP gateway: API Gateway's routing, CORS and JWT authorizer in front of the same
handlers.

`Gateway.dispatch` is the routing (tests call it directly); `serve` puts it on a real
ThreadingHTTPServer and does what API Gateway's front door does: it frames requests strictly
(Content-Length only, headers ≤ 10 KB, body ≤ 10 MB), times out slow or silent clients, and answers
every refusal with problem+json. Its `drain` stops it gracefully: no new connections, the
requests in flight answered (with `connection: close`) within a grace period, idle keep-alive
connections closed rather than waited for.
"""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from functions import catalogue
from infra.cors import CorsPolicy
from infra.local.events import http_api_event
from infra.local.invoker import Invoker
from klientportal.auth.tokens import JwtVerifier
from klientportal.errors import Unauthenticated

MAX_BODY_BYTES = 10 * 1024 * 1024  # API Gateway's payload limit
MAX_HEADER_BYTES = 10 * 1024  # API Gateway HTTP API: request line and headers together
REQUEST_TIMEOUT_S = 10.0  # a socket read or write that waits longer ends the connection
BODY_DEADLINE_S = 30.0  # the whole body, however slowly it trickles in (API Gateway: 30 s)
HEAD_DEADLINE_S = 20.0  # request line and headers, however slowly they trickle in
LISTEN_BACKLOG = 128  # a portal SPA opens some 20 connections at once; the stdlib default is 5
_DIGITS = re.compile(r"^[0-9]+$")

log = logging.getLogger("local.gateway")  # not under "klientportal": that is the handlers' powertools logger


@dataclass(frozen=True)
class _CompiledRoute:
    function: catalogue.Function
    route: catalogue.Route
    pattern: re.Pattern
    static_segments: int


def _compile(fn: catalogue.Function, route: catalogue.Route) -> _CompiledRoute:
    parts = route.path.strip("/").split("/") if route.path != "/" else []
    regex = "".join("/" + (f"(?P<{p[1:-1]}>[^/]+)" if p.startswith("{") else re.escape(p)) for p in parts)
    static = sum(1 for p in parts if not p.startswith("{"))
    return _CompiledRoute(fn, route, re.compile(f"^{regex or '/'}$"), static)


def problem(status: int, slug: str, title: str, detail: str) -> tuple[int, dict, bytes]:
    """An RFC 9457 problem+json response."""
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
        cors: CorsPolicy | None = None,
        body_routes: dict[tuple[str, str], Callable[[str, bytes], tuple[int, dict, bytes]]] | None = None,
    ) -> None:
        self.invoker = invoker
        self.verifier = verifier
        self.extra_routes = extra_routes or {}
        self.body_routes = body_routes or {}  # local routes that take the request body (/_local/bank/…)
        self.cors = cors
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
        """One request as API Gateway handles it: CORS preflight, routing, authorizer, handler;
        with CORS configured, the configured headers replace any the handler set."""
        if self.cors is None or not self.cors.enabled:
            return self._route(method, target, headers, body)
        lowered = {k.lower(): v for k, v in headers.items()}
        origin = lowered.get("origin", "")
        if method == "OPTIONS" and origin and "access-control-request-method" in lowered:
            return 204, self.cors.preflight_headers(origin), b""
        status, out_headers, data = self._route(method, target, headers, body)
        out_headers = {k: v for k, v in out_headers.items() if not k.startswith("access-control-")}
        if origin:
            out_headers |= self.cors.response_headers(origin)
        return status, out_headers, data

    def _route(self, method: str, target: str, headers: dict[str, str], body: bytes | None) -> tuple[int, dict, bytes]:
        url = urlsplit(target)
        path = url.path or "/"
        for (extra_method, prefix), handler in self.extra_routes.items():
            if method == extra_method and path.startswith(prefix):
                return handler(path[len(prefix) :])
        for (extra_method, prefix), body_handler in self.body_routes.items():
            if method == extra_method and path.startswith(prefix):
                return body_handler(path[len(prefix) :], body or b"")
        found = self.match(method, path)
        if found is None:
            return problem(404, "not-found", "Not found", f"no route for {method} {path}")
        compiled, params = found
        if body is not None and len(body) > MAX_BODY_BYTES:
            return problem(413, "payload-too-large", "Payload too large", "the request body exceeds 10 MB")
        claims = None
        if compiled.route.action is not None:
            auth = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
            if not auth.lower().startswith("bearer "):
                return problem(401, "unauthenticated", "Authentication required", "a bearer token is required")
            try:
                claims = self.verifier.verify(auth[7:].strip())
            except Unauthenticated as exc:
                return problem(401, "unauthenticated", "Authentication required", exc.detail)
        binary = bool(body) and (_is_binary(headers) or not _is_utf8(body))
        text = base64.b64encode(body).decode() if binary and body else body.decode("utf-8") if body else None
        event = http_api_event(
            method=method,
            path=path,
            route_key=compiled.route.route_key,
            path_parameters=params,
            headers=headers,
            query=url.query,
            body=text,
            claims=claims,
            base64_encoded=binary,
        )
        result = self.invoker.invoke(compiled.function, event)
        out_headers = {k.lower(): v for k, v in (result.get("headers") or {}).items()}
        for k, values in (result.get("multiValueHeaders") or {}).items():
            out_headers[k.lower()] = ", ".join(values)
        payload = result.get("body") or ""
        data = base64.b64decode(payload) if result.get("isBase64Encoded") else payload.encode("utf-8")
        return int(result.get("statusCode", 200)), out_headers, data


def _is_binary(headers: dict[str, str]) -> bool:
    """Whether API Gateway would pass the body base64-encoded: any media type but text (a bank file
    sent as application/octet-stream, a report PDF as application/pdf, arrives as bytes, whatever its encoding)."""
    media = next((v for k, v in headers.items() if k.lower() == "content-type"), "").split(";", 1)[0].strip().lower()
    return media in ("application/octet-stream", "application/pdf")


def _is_utf8(body: bytes | None) -> bool:
    """Whether `body` can be passed as text; bytes that are not UTF-8 are passed base64-encoded, so the
    function answers them by their media type (415, 422) as behind API Gateway, not the gateway 400."""
    try:
        (body or b"").decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


class _Refused(Exception):
    """A request refused before it reaches the gateway; the connection is closed after the answer."""

    def __init__(self, status: int, slug: str, detail: str) -> None:
        super().__init__(detail)
        self.status, self.slug, self.detail = status, slug, detail


def _content_length(headers) -> int:
    """The declared body length: digits only, one value (RFC 9110 § 8.6); no chunked framing."""
    if headers.get("transfer-encoding") is not None:
        raise _Refused(411, "length-required", "send the body with a Content-Length header")
    values = {v.strip() for v in headers.get_all("content-length") or []}
    if not values:
        return 0
    if len(values) > 1:
        raise _Refused(400, "bad-request", "conflicting Content-Length headers")
    (value,) = values
    if not _DIGITS.match(value):
        raise _Refused(400, "bad-request", f"Content-Length must be a non-negative integer, not {value[:40]!r}")
    length = int(value)
    if length > MAX_BODY_BYTES:
        raise _Refused(413, "payload-too-large", "the request body exceeds 10 MB")
    return length


def _header_bytes(requestline: str, headers) -> int:
    return len(requestline) + 2 + sum(len(k) + len(v) + 4 for k, v in headers.items())


class GatewayServer(ThreadingHTTPServer):
    """The threading server, counting the requests in flight and keeping the open connections,
    so a stop waits for answers, not for idle keep-alive clients."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler]) -> None:
        self.stopping = False  # set by drain: answers say `connection: close`
        self._in_flight = 0
        self._changed = threading.Condition()
        self._connections: set[socket.socket] = set()
        self._serving = threading.Event()
        super().__init__(address, handler)

    def serve_forever(self, poll_interval: float = 0.5) -> None:
        self._serving.set()
        super().serve_forever(poll_interval)

    def opened(self, connection: socket.socket) -> None:
        with self._changed:
            self._connections.add(connection)

    def closed(self, connection: socket.socket) -> None:
        with self._changed:
            self._connections.discard(connection)

    @contextlib.contextmanager
    def request(self) -> Iterator[None]:
        """Around one request from its first byte of body to its answer."""
        with self._changed:
            self._in_flight += 1
        try:
            yield
        finally:
            with self._changed:
                self._in_flight -= 1
                self._changed.notify_all()

    def drain(self, grace_s: float) -> bool:
        """Stop accepting, wait up to `grace_s` for the requests in flight, close every connection
        left and the listening socket; False if a request was still in flight at the end."""
        self.stopping = True
        if self._serving.is_set():  # shutdown() waits for serve_forever: never when it never ran
            self.shutdown()
        with self._changed:
            answered = self._changed.wait_for(lambda: self._in_flight == 0, timeout=grace_s)
            left = list(self._connections)
        for connection in left:
            with contextlib.suppress(OSError):  # closed meanwhile
                connection.shutdown(socket.SHUT_RDWR)
        self.server_close()
        return answered


def serve(
    gateway: Gateway,
    host: str,
    port: int,
    *,
    timeout_s: float = REQUEST_TIMEOUT_S,
    body_deadline_s: float = BODY_DEADLINE_S,
    head_deadline_s: float = HEAD_DEADLINE_S,
    backlog: int = LISTEN_BACKLOG,
) -> GatewayServer:
    """A started-on-demand HTTP server around `gateway` (call serve_forever in a thread)."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        timeout = timeout_s  # StreamRequestHandler sets it on the socket: every read and write
        server: GatewayServer

        def setup(self) -> None:
            super().setup()
            self.server.opened(self.connection)

        def finish(self) -> None:
            self.server.closed(self.connection)
            super().finish()

        def handle_one_request(self) -> None:
            """One request, its request line and headers within `head_deadline_s` (a client that
            sends a byte now and then is cut off, not only a silent one)."""
            self._watchdog = threading.Timer(head_deadline_s, self._cut_off)
            self._watchdog.daemon = True
            self._watchdog.start()
            try:
                super().handle_one_request()
            finally:
                self._watchdog.cancel()

        def parse_request(self) -> bool:
            parsed = super().parse_request()  # reads the headers
            self._watchdog.cancel()
            return parsed

        def _cut_off(self) -> None:
            self.close_connection = True
            with contextlib.suppress(OSError):  # already closed
                self.connection.shutdown(socket.SHUT_RDWR)

        def _reply(self, status: int, headers: dict, data: bytes) -> None:
            self.send_response(status)
            for k, v in headers.items():
                if k not in ("content-length", "connection"):
                    self.send_header(k, v)
            if self.close_connection:
                self.send_header("connection", "close")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
            """The stdlib's own refusals (malformed request line or header, 431, 414, 501) as
            problem+json instead of its HTML page."""
            self.close_connection = True
            if self.request_version == "HTTP/0.9":  # a request line too broken to tell: answer as 1.0
                self.request_version = "HTTP/1.0"
            phrase = HTTPStatus(code).phrase
            slug = "bad-request" if code == 400 else phrase.lower().replace(" ", "-")
            self._reply(*problem(code, slug, phrase, explain or message or phrase))

        def _body(self, length: int) -> bytes:
            """Read exactly `length` bytes within the body deadline (each read within `timeout`)."""
            deadline, chunks, got = time.monotonic() + body_deadline_s, [], 0
            while got < length:
                if time.monotonic() > deadline:
                    raise _Refused(408, "request-timeout", f"the body did not arrive within {body_deadline_s:g} s")
                try:
                    chunk = self.rfile.read1(min(length - got, 1 << 16))
                except TimeoutError:
                    raise _Refused(408, "request-timeout", f"no body data for {timeout_s:g} s") from None
                if not chunk:
                    raise _Refused(400, "bad-request", f"the body ended after {got} of {length} bytes")
                chunks.append(chunk)
                got += len(chunk)
            return b"".join(chunks)

        def _handle(self) -> None:
            started = time.monotonic()
            try:
                if _header_bytes(self.requestline, self.headers) > MAX_HEADER_BYTES:
                    raise _Refused(431, "request-header-fields-too-large", "the request line and headers exceed 10 KB")
                length = _content_length(self.headers)
                body = self._body(length) if length else None
            except _Refused as refused:
                self.close_connection = True  # an unread or partial body must not become the next request
                self._reply(*problem(refused.status, refused.slug, HTTPStatus(refused.status).phrase, refused.detail))
                status = refused.status
            else:
                with self.server.request():  # in flight: a stop waits for this answer (within its grace)
                    status = self._dispatch(body)
            log.info("%s %s %d %.0f ms", self.command, self.path, status, (time.monotonic() - started) * 1000)

        def _dispatch(self, body: bytes | None) -> int:
            try:
                status, headers, data = gateway.dispatch(self.command, self.path, dict(self.headers.items()), body)
            except Exception:
                log.exception("%s %s failed", self.command, self.path)
                status, headers, data = problem(
                    500, "internal-error", "Internal Server Error", "the function failed; see the log"
                )
            if self.server.stopping:
                self.close_connection = True  # the stack is stopping: no next request on this connection
            self._reply(status, headers, data)
            return status

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_HEAD = _handle

        def log_message(self, fmt: str, *args: object) -> None:
            pass

    class Server(GatewayServer):
        request_queue_size = backlog

    return Server((host, port), Handler)
