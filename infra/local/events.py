"""Event shapes the local stack delivers to handlers: exactly what AWS would deliver."""

from __future__ import annotations

import time
import uuid
from urllib.parse import parse_qsl


def http_api_event(
    *,
    method: str,
    path: str,
    route_key: str,
    path_parameters: dict[str, str],
    headers: dict[str, str],
    query: str,
    body: str | None,
    claims: dict | None,
    source_ip: str = "127.0.0.1",
    base64_encoded: bool = False,
) -> dict:
    """An API Gateway HTTP API (payload 2.0) proxy event; JWT claims as strings, as AWS passes them."""
    now = time.time()
    lowered = {k.lower(): v for k, v in headers.items()}
    query_params = dict(parse_qsl(query, keep_blank_values=True)) if query else None
    request_context: dict = {
        "accountId": "000000000000",
        "apiId": "local",
        "domainName": lowered.get("host", "127.0.0.1"),
        "domainPrefix": "local",
        "http": {
            "method": method,
            "path": path,
            "protocol": "HTTP/1.1",
            "sourceIp": source_ip,
            "userAgent": lowered.get("user-agent", ""),
        },
        "requestId": str(uuid.uuid4()),
        "routeKey": route_key,
        "stage": "$default",
        "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
        "timeEpoch": int(now * 1000),
    }
    if claims is not None:
        request_context["authorizer"] = {"jwt": {"claims": {k: _claim(v) for k, v in claims.items()}, "scopes": None}}
    return {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": path,
        "rawQueryString": query,
        "headers": lowered,
        "queryStringParameters": query_params,
        "pathParameters": path_parameters or None,
        "requestContext": request_context,
        "body": body,
        "isBase64Encoded": base64_encoded,
    }


def _claim(value: object) -> str:
    if isinstance(value, list):
        return "[" + " ".join(str(v) for v in value) + "]"
    return str(value)
