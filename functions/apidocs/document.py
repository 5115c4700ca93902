"""The one OpenAPI document, merged from every API function's own app (catalogue order)."""

from __future__ import annotations

import importlib
import json
import re
from functools import cache
from typing import TYPE_CHECKING, Any

from functions import catalogue
from klientportal.api.problems import PROBLEM_CONTENT_TYPE

if TYPE_CHECKING:
    from klientportal.api.app import GuardedApp

TITLE = "Klientportal API"
VERSION = "0.1.0"
DESCRIPTION = (
    "The portal API of Klientportal: a Norwegian accounting bureau and its clients. "
    "Authenticate with a bearer token (Cognito in AWS; locally `klientportal token --user EMAIL`). "
    "Errors are RFC 9457 problem+json. Creating POSTs honour an `Idempotency-Key` header."
)


def _api_apps() -> list[GuardedApp]:
    apps: list[GuardedApp] = []
    for fn in catalogue.FUNCTIONS:
        if fn.routes and fn.name != "apidocs":
            apps.append(importlib.import_module(fn.module).app)
    return apps


@cache
def openapi_document() -> dict[str, Any]:
    """The merged OpenAPI 3.1 document (built once per process)."""
    doc: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": TITLE, "version": VERSION, "description": DESCRIPTION},
        "paths": {},
        "components": {
            "schemas": {},
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
        },
        "security": [{"bearer": []}],
    }
    for app in _api_apps():
        part = app.get_openapi_schema(title=TITLE, version=VERSION).model_dump(
            mode="json", by_alias=True, exclude_none=True
        )
        for path, ops in part.get("paths", {}).items():
            doc["paths"].setdefault(path, {}).update(ops)
        doc["components"]["schemas"].update(part.get("components", {}).get("schemas", {}))
    _internal_errors_as_problems(doc)
    _drop_unreferenced_schemas(doc)
    return doc


_REF = re.compile(r'"#/components/schemas/([^"]+)"')
INTERNAL_ERROR = {
    "description": "Internal error (logged)",
    "content": {PROBLEM_CONTENT_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
}


def _internal_errors_as_problems(doc: dict[str, Any]) -> None:
    """powertools documents a failed response validation as its own JSON error; the app answers
    every 500 (that one included) with problem+json."""
    for operations in doc["paths"].values():
        for operation in operations.values():
            operation["responses"]["500"] = INTERNAL_ERROR


def _drop_unreferenced_schemas(doc: dict[str, Any]) -> None:
    """Leave out component schemas nothing refers to (powertools' default error shapes)."""
    schemas = doc["components"]["schemas"]
    wanted: set[str] = set()
    pending: list[Any] = [doc["paths"]]
    while pending:
        for name in _REF.findall(json.dumps(pending.pop())):
            if name in schemas and name not in wanted:
                wanted.add(name)
                pending.append(schemas[name])
    doc["components"]["schemas"] = {name: schema for name, schema in schemas.items() if name in wanted}
