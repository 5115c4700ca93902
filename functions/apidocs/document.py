"""The one OpenAPI document, merged from every API function's own app (catalogue order)."""
from __future__ import annotations

import importlib
from functools import cache

from functions import catalogue

TITLE = "Klientportal API"
VERSION = "0.1.0"
DESCRIPTION = (
    "The portal API of Klientportal: a Norwegian accounting bureau and its clients. "
    "Authenticate with a bearer token (Cognito in AWS; locally `klientportal token --user EMAIL`). "
    "Errors are RFC 9457 problem+json. Creating POSTs honour an `Idempotency-Key` header."
)


def _api_apps() -> list:
    apps = []
    for fn in catalogue.FUNCTIONS:
        if fn.routes and fn.name != "apidocs":
            apps.append(importlib.import_module(fn.module).app)
    return apps


@cache
def openapi_document() -> dict:
    """The merged OpenAPI 3.1 document (built once per process)."""
    doc: dict = {
        "openapi": "3.1.0",
        "info": {"title": TITLE, "version": VERSION, "description": DESCRIPTION},
        "paths": {},
        "components": {"schemas": {}, "securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}}},
        "security": [{"bearer": []}],
    }
    for app in _api_apps():
        part = app.get_openapi_schema(title=TITLE, version=VERSION).model_dump(
            mode="json", by_alias=True, exclude_none=True)
        for path, ops in part.get("paths", {}).items():
            doc["paths"].setdefault(path, {}).update(ops)
        doc["components"]["schemas"].update(part.get("components", {}).get("schemas", {}))
    return doc
