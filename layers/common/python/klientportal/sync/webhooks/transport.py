"""The HTTP POST of a webhook delivery, connected to a checked, pinned address (urls.py).

The connection goes to the address the URL check approved, never to a fresh resolution (DNS
rebinding); TLS still verifies the certificate for the URL's host name (SNI and hostname check).
No redirects are followed (a redirect is a failed attempt), the response body is not read beyond
a few kilobytes, and connect/read time out.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import urllib3

from klientportal.sync.webhooks.urls import Target

CONNECT_TIMEOUT_S = 3.0
READ_TIMEOUT_S = 10.0
MAX_READ = 4096


@dataclass(frozen=True)
class Outcome:
    status: int | None  # the HTTP status, None when no response came
    error: str | None
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


Transport = Callable[[Target, bytes, Mapping[str, str]], Outcome]


def post(target: Target, body: bytes, headers: Mapping[str, str]) -> Outcome:
    started = time.monotonic()
    address = target.addresses[0]
    timeout = urllib3.Timeout(connect=CONNECT_TIMEOUT_S, read=READ_TIMEOUT_S)
    pool: urllib3.HTTPConnectionPool
    if target.scheme == "https":
        pool = urllib3.HTTPSConnectionPool(
            address,
            target.port,
            timeout=timeout,
            retries=False,
            cert_reqs="CERT_REQUIRED",
            server_hostname=target.host,
            assert_hostname=target.host,
        )
    else:
        pool = urllib3.HTTPConnectionPool(address, target.port, timeout=timeout, retries=False)
    default_port = 443 if target.scheme == "https" else 80
    host_header = target.host if target.port == default_port else f"{target.host}:{target.port}"
    try:
        resp = pool.urlopen(
            "POST",
            target.path,
            body=body,
            headers={**headers, "Host": host_header, "Content-Type": "application/json"},
            redirect=False,
            retries=False,
            preload_content=False,
        )
        resp.read(MAX_READ)
        resp.release_conn()
        return Outcome(resp.status, None, int((time.monotonic() - started) * 1000))
    except urllib3.exceptions.HTTPError as exc:
        return Outcome(None, f"{type(exc).__name__}: {exc}"[:300], int((time.monotonic() - started) * 1000))
    finally:
        pool.close()
