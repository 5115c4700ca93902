"""HTTP handler serving /openapi.json and /docs (Swagger UI, its assets served by this function).

The Swagger UI files come from the swagger-ui-bundle-v2 distribution on PyPI (in the dependency
layer), so /docs works offline and in AWS without a CDN: /docs/assets/<file> serves them.
"""

from __future__ import annotations

import json

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from swagger_ui_bundle import swagger_ui_path

from functions import catalogue
from functions.apidocs.document import TITLE, openapi_document
from klientportal.api.app import build_app, http_handler, raw_response
from klientportal.errors import NotFound

router = Router()

ASSETS_PATH = "/docs/assets"
ASSETS = {  # the files of the distribution the page uses, and their media types
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "favicon-32x32.png": "image/png",
}
ASSET_CACHE = "public, max-age=86400"

SWAGGER_HTML = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<link rel="icon" type="image/png" href="{assets}/favicon-32x32.png">
<link rel="stylesheet" href="{assets}/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="{assets}/swagger-ui-bundle.js"></script>
<script>
window.ui = SwaggerUIBundle({{url: "/openapi.json", dom_id: "#swagger-ui", persistAuthorization: true}});
</script>
<noscript>The OpenAPI document is at <a href="/openapi.json">/openapi.json</a>.</noscript>
</body></html>"""


@router.get("/openapi.json", include_in_schema=False)
@raw_response
def openapi_json() -> Response[str]:
    return Response(200, "application/json", json.dumps(openapi_document(), ensure_ascii=False))


@router.get("/docs", include_in_schema=False)
@raw_response
def docs() -> Response[str]:
    return Response(200, "text/html; charset=utf-8", SWAGGER_HTML.format(title=TITLE, assets=ASSETS_PATH))


@router.get(f"{ASSETS_PATH}/<asset>", include_in_schema=False)
@raw_response
def docs_asset(asset: str) -> Response[str | bytes]:
    """One Swagger UI file from the packaged distribution (only those the page uses)."""
    if asset not in ASSETS:
        raise NotFound(f"no documentation asset {asset!r}")
    body = (swagger_ui_path / asset).read_bytes()
    text = ASSETS[asset].startswith("text/")
    return Response(
        200,
        ASSETS[asset],
        body.decode("utf-8") if text else body,
        headers={"cache-control": ASSET_CACHE},
        compress=text,
    )


app = build_app([router], catalogue.function("apidocs").routes)
lambda_handler = http_handler(app)
