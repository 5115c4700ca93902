"""The merged OpenAPI document (`klientportal openapi`, /openapi.json): valid, every response typed,
errors as the problem+json component, money one decimal-string schema, and a client generated from
it (openapi-python-client) usable as is."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from openapi_spec_validator import validate

from functions.apidocs.document import openapi_document
from tests.unit.invoicing.invoice_samples import stored_with_every_shape

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
CLIENT_CONFIG = Path(__file__).resolve().parents[2] / "tools" / "openapi-python-client.yaml"
FREE_FORM_ALLOWED = {"AuditEvent.before", "AuditEvent.after"}  # entity snapshots of any entity type
# sync: a pushed master-data item, validated per kind (the path's {kind}) by klientportal/sync/push.py
FREE_FORM_ALLOWED |= {"MasterDataPush.data", "Pushed.data"}


@pytest.fixture(scope="module")
def doc() -> dict:
    return json.loads(json.dumps(openapi_document()))


def _operations(doc: dict):
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            yield f"{method.upper()} {path}", operation


def _walk(node, where: str = ""):
    if isinstance(node, dict):
        yield where, node
        for key, value in node.items():
            yield from _walk(value, f"{where}.{key}" if where else key)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value, where)


def test_the_document_is_valid_openapi_3_1(doc):
    validate(doc)


def test_every_operation_documents_a_typed_success_response(doc):
    untyped = []
    for name, operation in _operations(doc):
        success = {code: r for code, r in operation["responses"].items() if code.startswith("2")}
        if not success or any(not c.get("schema") for r in success.values() for c in r["content"].values()):
            untyped.append(name)
    assert untyped == []


def test_every_error_response_is_the_problem_component(doc):
    wrong = []
    for name, operation in _operations(doc):
        for code, response in operation["responses"].items():
            if code[0] in "45" and response.get("content") != {"application/problem+json": {"schema": PROBLEM_REF}}:
                wrong.append(f"{name} {code}")
    assert wrong == []
    assert {"401", "403", "404", "409", "422", "500"} <= set(
        doc["paths"]["/clients/{client_id}/invoices"]["post"]["responses"]
    )
    assert {"413", "415"} <= set(doc["paths"]["/clients/{client_id}/invoices"]["post"]["responses"])


def test_no_inlined_defs_and_no_dangling_refs(doc):
    text = json.dumps(doc)
    assert "$defs" not in text
    for ref in {node["$ref"] for _, node in _walk(doc) if "$ref" in node}:
        assert ref.startswith("#/components/schemas/") and ref.rsplit("/", 1)[1] in doc["components"]["schemas"]


def test_money_is_one_decimal_string_schema(doc):
    schemas = doc["components"]["schemas"]
    decimals = [node for _, node in _walk(schemas) if node.get("format") == "decimal"]
    assert decimals and all(node["type"] == "string" and node["pattern"].startswith("^") for node in decimals)
    mixed = [
        where
        for where, node in _walk(schemas)
        if {"number", "string"} <= {a.get("type") for a in node.get("anyOf", []) if isinstance(a, dict)}
    ]
    assert mixed == []
    money = schemas["TotalsOut"]["properties"]["payable"]
    assert {k: money[k] for k in ("type", "format", "pattern")} == {
        "type": "string",
        "format": "decimal",
        "pattern": r"^-?[0-9]{1,12}(\.[0-9]{1,2})?$",
    }


def test_response_models_are_closed_and_typed(doc):
    schemas = doc["components"]["schemas"]
    loose = []
    for name, schema in schemas.items():
        for prop, node in (schema.get("properties") or {}).items():
            for _, inner in _walk(node):
                if inner.get("additionalProperties") is True and f"{name}.{prop}" not in FREE_FORM_ALLOWED:
                    loose.append(f"{name}.{prop}")
        if schema.get("additionalProperties") is True:
            loose.append(name)
    assert loose == []
    voucher = schemas["Voucher"]["properties"]
    assert {"details", "checks", "coding", "approved", "booking", "extracted", "validation"} <= set(voucher)
    assert {"lines", "totals"} <= set(schemas["PaymentProposal"]["properties"])
    assert {"totals", "vat", "payments", "reminders", "delivery"} <= set(schemas["InvoiceOut"]["properties"])


def test_the_invoice_declares_every_ehf_shape(doc):
    """The EHF shapes (ISSUE-8 §3) on the invoice, its lines and totals, typed: money and prices as
    the decimal-string schema, periods as dates."""
    schemas = doc["components"]["schemas"]

    def prop(model: str, name: str) -> dict:
        node = schemas[model]["properties"][name]
        types = [a for a in node.get("anyOf", [node]) if a.get("type") != "null"]
        assert len(types) == 1, (model, name, node)
        return types[0]

    for model, name in [
        ("InvoiceOut", "prepaid_amount"),
        ("InvoiceOut", "nok_exchange_rate"),
        ("TotalsOut", "prepaid"),
        ("TotalsOut", "rounding"),
        ("TotalsOut", "vat_nok"),
        ("LineOut", "gross_price"),
        ("LineOut", "base_quantity"),
        ("LineAllowanceChargeOut", "amount"),
        ("LineAllowanceChargeOut", "percent"),
        ("AllowanceChargeOut", "amount"),
        ("AllowanceChargeOut", "percent"),
        ("AllowanceChargeOut", "base_amount"),
    ]:
        assert prop(model, name)["format"] == "decimal", (model, name)
    for model in ("InvoiceOut", "LineOut"):
        assert prop(model, "period") == {"$ref": "#/components/schemas/PeriodOut"}
    assert {prop("PeriodOut", x)["format"] for x in ("start", "end")} == {"date"}
    assert prop("LineOut", "allowances_charges")["items"] == {"$ref": "#/components/schemas/LineAllowanceChargeOut"}
    assert {"exemption_reason", "exemption_reason_code"} <= set(schemas["LineOut"]["properties"])
    assert {"reason_code", "exemption_reason_code"} <= set(schemas["AllowanceChargeOut"]["properties"])
    assert {"round_payable_to_krone", "currency", "attachments", "recipient", "overpaid_amount", "payments"} <= set(
        schemas["InvoiceOut"]["properties"]
    )


@pytest.mark.slow
def test_a_generated_client_imports_and_types_its_errors(doc, tmp_path, monkeypatch):
    generator = Path(sys.executable).with_name("openapi-python-client")
    if not generator.exists():
        pytest.skip("openapi-python-client is not installed (pip install -e '.[dev]')")
    spec = tmp_path / "openapi.json"
    spec.write_text(json.dumps(doc))
    env_path = f"{generator.parent}:{os.environ.get('PATH', '')}"
    done = subprocess.run(
        [
            str(generator),
            "generate",
            "--path",
            str(spec),
            "--config",
            str(CLIENT_CONFIG),
            "--meta",
            "none",
            "--output-path",
            str(tmp_path / "kp_client"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PATH": env_path},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Warning" not in done.stdout + done.stderr, done.stdout + done.stderr
    monkeypatch.syspath_prepend(str(tmp_path))
    client_module = importlib.import_module("kp_client")
    create = importlib.import_module("kp_client.api.invoicing.create_invoice_clients_client_id_invoices_post")
    models = importlib.import_module("kp_client.models")
    problem = {
        "type": "https://klientportal.no/problems/validation-error",
        "title": "The request is not valid",
        "status": 422,
        "detail": "see errors",
        "errors": [{"field": "lines.0.quantity", "message": "bad"}],
    }

    def answer(request: httpx.Request) -> httpx.Response:
        assert request.headers["authorization"] == "Bearer t"
        return httpx.Response(422, json=problem, headers={"content-type": "application/problem+json"})

    client = client_module.AuthenticatedClient(base_url="http://kp.test", token="t")
    client.set_httpx_client(
        httpx.Client(
            base_url="http://kp.test", transport=httpx.MockTransport(answer), headers={"Authorization": "Bearer t"}
        )
    )
    body = models.InvoiceCreate.from_dict({"customer_number": 1, "lines": [{"quantity": "2", "description": "x"}]})
    parsed = create.sync(client_id="c-1", client=client, body=body)
    assert isinstance(parsed, models.Problem)
    assert parsed.status == 422 and parsed.errors[0].field == "lines.0.quantity"
    invoice = stored_with_every_shape()  # an invoice with every EHF shape, as the API sends it
    typed = models.InvoiceOut.from_dict(invoice)
    assert isinstance(typed.lines[0].allowances_charges[0], models.LineAllowanceChargeOut)
    assert typed.to_dict() == invoice
