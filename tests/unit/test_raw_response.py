"""A route's return annotation is powertools' response schema: it validates the body by it and
encodes it as JSON. A route that answers bytes (a PDF, a font) is marked `raw_response`, so the
annotation the type checker needs does not reach powertools and the bytes go out unchanged."""

from __future__ import annotations

import base64

import pytest
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response

from klientportal.api.app import raw_response

PDF = b"%PDF-1.7\n\xe2\xe3\xcf\xd3\n\x00\xff binary"


def _get(app: APIGatewayHttpResolver, path: str) -> dict:
    event = {
        "version": "2.0",
        "routeKey": f"GET {path}",
        "rawPath": path,
        "rawQueryString": "",
        "headers": {},
        "requestContext": {
            "http": {"method": "GET", "path": path, "sourceIp": "127.0.0.1"},
            "requestId": "r",
            "stage": "$default",
        },
        "isBase64Encoded": False,
    }
    return app.resolve(event, None)


def test_bytes_of_a_raw_route_go_out_unchanged():
    app = APIGatewayHttpResolver(enable_validation=True)

    @app.get("/pdf")
    @raw_response
    def pdf() -> Response[bytes]:
        return Response(200, "application/pdf", PDF)

    answer = _get(app, "/pdf")
    assert answer["statusCode"] == 200
    assert answer["isBase64Encoded"] is True
    assert base64.b64decode(answer["body"]) == PDF


def test_the_annotation_alone_would_reach_powertools():
    """Without the marker powertools encodes the body by the annotation: the bytes of a PDF fail."""
    app = APIGatewayHttpResolver(enable_validation=True)

    @app.get("/pdf")
    def pdf() -> Response[bytes]:
        return Response(200, "application/pdf", PDF)

    with pytest.raises(UnicodeDecodeError):
        _get(app, "/pdf")
