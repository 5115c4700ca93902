"""RFC 9457 problem bodies: the standard members are never overwritten by extensions."""

from __future__ import annotations

import json

import pytest

from klientportal.api.problems import field_errors_from_validation, problem_response
from klientportal.errors import FieldError


def test_problem_body_has_the_standard_members_and_extensions():
    r = problem_response(
        409,
        "stale-version",
        "Changed",
        "reload",
        instance="/x",
        errors=[FieldError("version", "stale")],
        extra={"current_version": 3},
    )
    body = json.loads(r.body)
    assert r.status_code == 409 and r.content_type == "application/problem+json"
    assert body == {
        "type": "https://klientportal.no/problems/stale-version",
        "title": "Changed",
        "status": 409,
        "detail": "reload",
        "instance": "/x",
        "errors": [{"field": "version", "message": "stale"}],
        "current_version": 3,
    }


def test_an_extension_may_not_reuse_a_standard_member():
    with pytest.raises(ValueError, match="status"):
        problem_response(409, "x", "X", "x", extra={"status": "sent"})


def test_validation_errors_become_field_paths():
    errors = field_errors_from_validation(
        [
            {"loc": ("body", "address", "city"), "msg": "Field required", "type": "missing"},
            {"loc": ("body", "colour"), "msg": "Extra inputs are not permitted", "type": "extra_forbidden"},
            {"loc": ("query", "limit"), "msg": "Input should be a valid integer", "type": "int_parsing"},
        ]
    )
    assert [(e.field, e.message) for e in errors] == [
        ("address.city", "Field required"),
        ("colour", "unknown field"),
        ("query.limit", "Input should be a valid integer"),
    ]
