"""HTTP handler serving /openapi.json and /docs (Swagger UI)."""
from __future__ import annotations

import json

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import Router

from functions import catalogue
from functions.apidocs.document import TITLE, openapi_document
from klientportal.api.app import build_app, http_handler

router = Router()

SWAGGER_HTML = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<link rel="stylesheet" href="https://unpkg.com/swagger-ui-dist@5/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="https://unpkg.com/swagger-ui-dist@5/swagger-ui-bundle.js"></script>
<script>window.ui = SwaggerUIBundle({{url: "/openapi.json", dom_id: "#swagger-ui", persistAuthorization: true}});</script>
<noscript>The OpenAPI document is at <a href="/openapi.json">/openapi.json</a>.</noscript>
</body></html>"""


@router.get("/openapi.json", include_in_schema=False)
def openapi_json():
    return Response(200, "application/json", json.dumps(openapi_document(), ensure_ascii=False))


@router.get("/docs", include_in_schema=False)
def docs():
    return Response(200, "text/html; charset=utf-8", SWAGGER_HTML.format(title=TITLE))


app = build_app([router], catalogue.function("apidocs").routes)
lambda_handler = http_handler(app)
