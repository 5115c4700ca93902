"""The local gateway's front door over real sockets: strict framing, timeouts, problem+json for
every refusal, and many clients at once (as a portal SPA opens them). The handlers behind it are a
stand-in here: what is tested is the HTTP layer (infra/local/gateway.py `serve`)."""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time

import pytest

from infra import cors
from infra.local import gateway as gw

TIMEOUT_S = 1.0


class _Invoker:
    """Stands in for the Lambda invoker: answers every routed request with 200 after `delay_s`."""

    def __init__(self, delay_s: float = 0.0) -> None:
        self.delay_s = delay_s
        self.calls = 0
        self._lock = threading.Lock()

    def invoke(self, fn, event):
        with self._lock:
            self.calls += 1
        time.sleep(self.delay_s)
        return {
            "statusCode": 200,
            "headers": {"content-type": "application/json"},
            "body": json.dumps({"path": event["rawPath"], "body": event["body"]}),
        }


class _Verifier:
    def verify(self, token: str) -> dict:
        return {"sub": token}


POST = "/clients/c-1/departments"  # any authenticated POST route: the stand-in verifier accepts any token


def _post(headers: str, body: bytes = b"") -> bytes:
    """A raw POST to an authenticated route, with `headers` (CRLF-terminated lines) and `body`."""
    return f"POST {POST} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer u-1\r\n{headers}\r\n".encode() + body


def _start(invoker: _Invoker, **kw):
    server = gw.serve(gw.Gateway(invoker, _Verifier()), "127.0.0.1", 0, **kw)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def server():
    srv = _start(_Invoker(), timeout_s=TIMEOUT_S, body_deadline_s=3 * TIMEOUT_S)
    yield srv
    srv.shutdown()
    srv.server_close()


def _raw(server, data: bytes, *, wait_s: float = 8.0) -> bytes:
    """Send `data` on a fresh connection and read until the server closes it (or `wait_s`)."""
    with socket.create_connection(server.server_address[:2], timeout=wait_s) as s:
        s.sendall(data)
        return _read_all(s, wait_s)


def _read_all(s: socket.socket, wait_s: float) -> bytes:
    chunks = []
    try:
        while chunk := s.recv(65536):
            chunks.append(chunk)
    except TimeoutError:
        pytest.fail(f"the server neither answered nor closed within {wait_s} s: {b''.join(chunks)[:200]!r}")
    return b"".join(chunks)


def _problem(reply: bytes) -> tuple[int, dict]:
    head, _, body = reply.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    headers = dict(line.decode().lower().split(": ", 1) for line in head.split(b"\r\n")[1:])
    assert headers["content-type"] == "application/problem+json", reply[:300]
    doc = json.loads(body)
    assert doc["status"] == status and doc["type"].startswith("https://klientportal.no/problems/")
    return status, doc


@pytest.mark.parametrize("value", ["-1", "abc", "1e3", "+5", "0x10", "5, 6"])
def test_a_malformed_content_length_is_400_problem_json(server, value):
    started = time.monotonic()
    reply = _raw(server, _post(f"Content-Length: {value}\r\n", b"{}"))
    status, doc = _problem(reply)
    assert status == 400 and "Content-Length" in doc["detail"]
    assert time.monotonic() - started < TIMEOUT_S  # answered at once, not after a timeout


def test_a_body_shorter_than_declared_times_out_with_408_and_frees_the_thread(server):
    started = time.monotonic()
    reply = _raw(server, _post("Content-Length: 100\r\n", b'{"a": 1}'))
    status, doc = _problem(reply)
    assert status == 408 and "no body data" in doc["detail"] and time.monotonic() - started < 3 * TIMEOUT_S


def test_a_body_ending_early_is_400(server):
    with socket.create_connection(server.server_address[:2], timeout=5) as s:
        s.sendall(_post("Content-Length: 100\r\n", b'{"a": 1}'))
        s.shutdown(socket.SHUT_WR)
        reply = _read_all(s, 5)
    status, doc = _problem(reply)
    assert status == 400 and "8 of 100" in doc["detail"]


def test_a_trickling_body_meets_the_body_deadline(server):
    with socket.create_connection(server.server_address[:2], timeout=10) as s:
        s.sendall(_post("Content-Length: 1000\r\n"))
        started = time.monotonic()
        s.settimeout(0.5 * TIMEOUT_S)
        reply = b""
        while time.monotonic() - started < 8 and not reply:
            try:
                s.sendall(b"x")  # one byte per half timeout: no single read waits too long
                reply = s.recv(65536)
                s.settimeout(5)
                reply += _read_all(s, 5)
            except TimeoutError:
                continue
            except (BrokenPipeError, ConnectionResetError):
                break
    status, _ = _problem(reply)
    assert status == 408 and time.monotonic() - started < 3 * TIMEOUT_S + 2


def test_a_silent_client_is_disconnected(server):
    with socket.create_connection(server.server_address[:2], timeout=8) as s:
        started = time.monotonic()
        assert s.recv(1) == b""  # closed by the server, not by our timeout
        assert time.monotonic() - started < 3 * TIMEOUT_S


def test_chunked_bodies_are_refused_with_411(server):
    reply = _raw(server, _post("Transfer-Encoding: chunked\r\n", b"2\r\n{}\r\n0\r\n\r\n"))
    assert _problem(reply)[0] == 411


def test_headers_over_10_kb_are_431_problem_json(server):
    many = "".join(f"X-Pad-{i}: {'a' * 1000}\r\n" for i in range(11))
    assert _problem(_raw(server, f"GET /openapi.json HTTP/1.1\r\nHost: x\r\n{many}\r\n".encode()))[0] == 431
    one_line = f"GET /openapi.json HTTP/1.1\r\nHost: x\r\nX-Big: {'a' * 70_000}\r\n\r\n"
    assert _problem(_raw(server, one_line.encode()))[0] == 431


def test_a_garbage_request_line_is_400_problem_json(server):
    assert _problem(_raw(server, b"GARBAGE\r\n\r\n"))[0] == 400


def test_a_body_over_10_mb_is_413_and_the_connection_closed(server):
    reply = _raw(server, _post("Content-Length: 10485761\r\n"))
    status, _ = _problem(reply)
    assert status == 413 and b"connection: close" in reply.lower()


def test_a_well_formed_request_still_passes_with_its_body(server):
    conn = http.client.HTTPConnection(*server.server_address[:2], timeout=5)
    conn.request(
        "POST", POST, body=b'{"x": 1}', headers={"content-type": "application/json", "authorization": "Bearer u-1"}
    )
    resp = conn.getresponse()
    assert resp.status == 200 and json.loads(resp.read())["body"] == '{"x": 1}'
    conn.request("GET", "/openapi.json")  # the same keep-alive connection serves the next request
    assert conn.getresponse().status == 200
    conn.close()


def test_forty_parallel_clients_all_get_answers():
    """A portal SPA opens ~20 connections at once; with the stdlib's listen backlog of 5 the rest
    were refused or waited for a SYN retransmit (1 s and more). 40 clients connect at one instant
    on loopback while the accept loop is busy (held back for 0.3 s), then all must be answered."""
    invoker = _Invoker(delay_s=0.01)
    srv = gw.serve(gw.Gateway(invoker, _Verifier()), "127.0.0.1", 0)
    clients, results = 40, []
    barrier = threading.Barrier(clients)

    def one() -> None:
        barrier.wait()
        started = time.monotonic()
        try:
            conn = http.client.HTTPConnection(*srv.server_address[:2], timeout=10)
            conn.connect()
            connected = time.monotonic() - started
            conn.request("GET", "/openapi.json")
            resp = conn.getresponse()
            resp.read()
            results.append((resp.status, connected))
            conn.close()
        except OSError as exc:
            results.append((repr(exc), time.monotonic() - started))

    threads = [threading.Thread(target=one) for _ in range(clients)]
    try:
        for t in threads:
            t.start()
        time.sleep(0.3)
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        for t in threads:
            t.join(30)
    finally:
        srv.shutdown()
        srv.server_close()
    assert [r for r in results if r[0] != 200] == []
    assert len(results) == clients and invoker.calls == clients
    assert max(t for _, t in results) < 0.9  # all connected at once: none waited for a SYN retransmit (1 s)


class _CorsInvoker(_Invoker):
    def invoke(self, fn, event):
        reply = super().invoke(fn, event)
        reply["headers"]["access-control-allow-origin"] = "*"  # API Gateway ignores a handler's CORS headers
        return reply


@pytest.fixture
def cors_server():
    policy = cors.local_policy({})  # no KP_CORS_ORIGINS: cdk.json's origins + the dev-server origins
    srv = gw.serve(gw.Gateway(_CorsInvoker(), _Verifier(), cors=policy), "127.0.0.1", 0)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield srv
    srv.shutdown()
    srv.server_close()


def _request(srv, method: str, path: str, headers: dict) -> http.client.HTTPResponse:
    conn = http.client.HTTPConnection(*srv.server_address[:2], timeout=5)
    conn.request(method, path, headers=headers)
    resp = conn.getresponse()
    resp.read()
    conn.close()
    return resp


def test_the_local_gateway_answers_a_preflight_from_the_spa_dev_server(cors_server):
    resp = _request(
        cors_server,
        "OPTIONS",
        POST,
        {
            "Origin": "http://localhost:5173",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type,idempotency-key",
        },
    )
    assert resp.status == 204
    assert resp.headers["access-control-allow-origin"] == "http://localhost:5173"
    assert set(resp.headers["access-control-allow-methods"].split(",")) >= {"GET", "POST", "PATCH", "PUT"}
    assert set(resp.headers["access-control-allow-headers"].split(",")) == set(cors.ALLOW_HEADERS)
    assert resp.headers["access-control-max-age"] == str(cors.MAX_AGE_S)


def test_a_preflight_from_another_origin_gets_no_cors_headers(cors_server):
    resp = _request(
        cors_server, "OPTIONS", POST, {"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}
    )
    assert resp.status == 204 and "access-control-allow-origin" not in resp.headers


def test_responses_carry_the_configured_cors_headers_not_the_handlers(cors_server):
    resp = _request(cors_server, "GET", "/openapi.json", {"Origin": "http://localhost:5173"})
    assert resp.status == 200 and resp.headers["access-control-allow-origin"] == "http://localhost:5173"
    assert "location" in resp.headers["access-control-expose-headers"]
    other = _request(cors_server, "GET", "/openapi.json", {"Origin": "https://evil.example"})
    assert other.status == 200 and "access-control-allow-origin" not in other.headers
    plain = _request(cors_server, "GET", "/openapi.json", {})
    assert "access-control-allow-origin" not in plain.headers


def test_an_options_request_that_is_no_preflight_is_routed_as_any_other(cors_server):
    resp = _request(cors_server, "OPTIONS", POST, {"Origin": "http://localhost:5173"})
    assert resp.status == 404 and resp.headers["content-type"] == "application/problem+json"


def test_local_origins_come_from_configuration():
    assert cors.local_policy({"KP_CORS_ORIGINS": "https://portal.test, http://localhost:4200/"}).allow_origins == (
        "https://portal.test",
        "http://localhost:4200",
    )
    assert not cors.local_policy({"KP_CORS_ORIGINS": ""}).enabled
    default = cors.local_policy({})
    assert set(cors.LOCAL_DEV_ORIGINS) <= set(default.allow_origins)
    assert set(cors.deployed_origins()) <= set(default.allow_origins)


def test_headers_trickling_in_byte_by_byte_are_cut_off_at_the_head_deadline():
    srv = _start(_Invoker(), timeout_s=TIMEOUT_S, head_deadline_s=2 * TIMEOUT_S)
    try:
        with socket.create_connection(srv.server_address[:2], timeout=10) as s:
            started, cut = time.monotonic(), False
            for byte in b"GET /openapi.json HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 100:
                try:
                    s.sendall(bytes([byte]))
                except (BrokenPipeError, ConnectionResetError):
                    cut = True
                    break
                time.sleep(0.5 * TIMEOUT_S)  # below the per-read timeout: only a deadline stops it
                if time.monotonic() - started > 8:
                    break
            if not cut:
                s.settimeout(1)
                try:
                    cut = s.recv(1) == b""
                except ConnectionResetError:
                    cut = True
                except TimeoutError:
                    cut = False
        assert cut and time.monotonic() - started < 2 * TIMEOUT_S + 2
    finally:
        srv.shutdown()
        srv.server_close()
