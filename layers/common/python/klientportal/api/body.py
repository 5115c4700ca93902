"""The request body at the boundary: size, media type and nesting checked before the JSON parser
runs, numbers bounded while it runs.

`refuse_body` runs in the Lambda handler, before the resolver; `loads` is the resolver's JSON
parser. A JSON number becomes an int (at most `MAX_NUMBER_CHARS` characters) or an exact Decimal
(never a binary float); exponent notation, NaN and Infinity are refused. Every refusal is a 4xx
problem and nothing has been written.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from decimal import Decimal
from itertools import accumulate
from typing import Any

from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError

from klientportal.errors import DomainError, FieldError, InvalidInput

MAX_BODY_BYTES = 6 * 1024 * 1024
"""Lambda's synchronous payload limit (an invoice may carry 4 MiB of attachments, base64)."""
MAX_DEPTH = 32
MAX_NUMBER_CHARS = 40
JSON_MEDIA_TYPES = ("application/json", "application/problem+json")

_STRINGS = re.compile(r'"(?>(?:[^"\\]+|\\.|\\\Z)*)(?:"|\Z)', re.DOTALL)
"""A JSON string, or an unterminated one to the end: every match attempt succeeds, so no input
makes the scan quadratic."""
_NOT_BRACKETS = re.compile(r"[^\[\]{}]+")
_STEP = [0] * 256
_STEP[ord("[")] = _STEP[ord("{")] = 1
_STEP[ord("]")] = _STEP[ord("}")] = -1


class PayloadTooLarge(DomainError):
    status, slug, title = 413, "payload-too-large", "Request body too large"


class UnsupportedMediaType(DomainError):
    status, slug, title = 415, "unsupported-media-type", "Unsupported media type"


def refuse_body(event: dict[str, Any]) -> DomainError | None:
    """Why the body of this API Gateway (v2) event is refused before it is parsed, or None."""
    body = event.get("body")
    if not body:
        return None
    size = len(body) * 3 // 4 if event.get("isBase64Encoded") else len(body.encode("utf-8", "surrogatepass"))
    if size > MAX_BODY_BYTES:
        return PayloadTooLarge(f"the body may be at most {MAX_BODY_BYTES} bytes")
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    media_type = headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media_type and media_type not in JSON_MEDIA_TYPES:
        return UnsupportedMediaType(f"request bodies are application/json, not {media_type}")
    text = body
    if event.get("isBase64Encoded"):
        try:
            text = base64.b64decode(body, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return InvalidInput(
                "the body is not valid base64-encoded UTF-8", [FieldError("body", "malformed body encoding")]
            )
    depth = nesting_depth(text)
    if depth > MAX_DEPTH:
        return InvalidInput(
            "the request does not match the schema; see errors",
            [FieldError("body", f"JSON nested deeper than {MAX_DEPTH} levels")],
        )
    return None


def refuse_raw_body(event: dict[str, Any]) -> DomainError | None:
    """Why the file body of a raw-body route (a bank file) is refused before the route runs: only its
    size (the route reads and checks the bytes itself)."""
    body = event.get("body") or ""
    size = len(body) * 3 // 4 if event.get("isBase64Encoded") else len(body.encode("utf-8", "surrogatepass"))
    if size > MAX_BODY_BYTES:
        return PayloadTooLarge(f"the body may be at most {MAX_BODY_BYTES} bytes; upload a larger file presigned")
    return None


def nesting_depth(text: str) -> int:
    """The deepest nesting of arrays and objects in JSON `text`, strings left out: one linear pass
    in C (regular expressions, then a running sum of +1/-1 per bracket)."""
    skeleton = _NOT_BRACKETS.sub("", _STRINGS.sub("", text)).encode("ascii")
    return max(accumulate(map(_STEP.__getitem__, skeleton)), default=0)


def _refused(message: str) -> RequestValidationError:
    return RequestValidationError([{"type": "json_number", "loc": ("body",), "msg": message, "input": {}}])


def _integer(token: str) -> int:
    if len(token) > MAX_NUMBER_CHARS:
        raise _refused(f"a number has more than {MAX_NUMBER_CHARS} digits")
    return int(token)


def _fraction(token: str) -> Decimal:
    if len(token) > MAX_NUMBER_CHARS:
        raise _refused(f"a number has more than {MAX_NUMBER_CHARS} characters")
    if "e" in token or "E" in token:
        raise _refused(f"numbers in exponent notation are not accepted ({token}): write the digits")
    return Decimal(token)


def _constant(token: str) -> Any:
    raise _refused(f"{token} is not a number")


def loads(text: str | bytes) -> Any:
    """The resolver's JSON parser: depth checked first, numbers bounded and exact. A top-level array
    is refused: every JSON body of the API is an object, and powertools' validation would otherwise
    take an array's first element for the body."""
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    if nesting_depth(text) > MAX_DEPTH:
        raise _refused(f"JSON nested deeper than {MAX_DEPTH} levels")
    value = json.loads(text, parse_int=_integer, parse_float=_fraction, parse_constant=_constant)
    if isinstance(value, list):
        raise RequestValidationError(
            [{"type": "model_type", "loc": ("body",), "msg": "the body is a JSON object, not an array", "input": {}}]
        )
    return value
