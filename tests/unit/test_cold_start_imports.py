"""What a handler module does at import (its cold start): no library only some requests need, no
validator built for a request model that only some routes use. Times are in bench/, not here."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from functions import catalogue

REPO = Path(__file__).resolve().parents[2]
API_MODULES = [fn.module for fn in catalogue.FUNCTIONS if fn.routes]

#: Request and document models built on first use (defer_build), by module.
DEFERRED = {
    "klientportal.tenancy.models": ("ClientCreate", "ClientUpdate", "ClientInvitation", "MembershipUpdate"),
    "klientportal.registers.models": ("CustomerCreate", "SupplierUpdate", "EmployeeRecord", "Address"),
    "klientportal.invoicing.models": ("Invoice", "InvoiceLine", "Seller"),
}

_PROBE = """
import importlib, json, sys
importlib.import_module(sys.argv[1])
deferred = json.loads(sys.argv[2])
built = {f"{mod}.{name}": getattr(sys.modules[mod], name).__pydantic_complete__
         for mod, names in deferred.items() if mod in sys.modules for name in names}
print(json.dumps({"stdnum": sorted(m for m in sys.modules if m.split(".")[0] == "stdnum"), "built": built}))
"""


def _imported(module: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", _PROBE, module, json.dumps(DEFERRED)],
        cwd=REPO,
        check=True,
        capture_output=True,
        text=True,
        env={
            "PYTHONPATH": f"{REPO}:{REPO}/layers/common/python",
            "AWS_DEFAULT_REGION": "eu-north-1",
            "POWERTOOLS_TRACE_DISABLED": "true",
            "POWERTOOLS_METRICS_DISABLED": "true",
        },
    )
    return json.loads(out.stdout)


@pytest.mark.parametrize("module", API_MODULES)
def test_api_handler_imports_neither_stdnum_nor_builds_request_models(module: str) -> None:
    found = _imported(module)
    assert found["stdnum"] == [], "python-stdnum is for the validators that use it, not for import"
    assert not any(found["built"].values()), {k: v for k, v in found["built"].items() if v}


def test_deferred_models_still_validate_and_describe_themselves() -> None:
    from pydantic import ValidationError

    from klientportal.registers.models import CustomerCreate
    from klientportal.tenancy.models import ClientCreate

    assert (
        ClientCreate.model_validate({"name": "Fjord AS", "orgnr": "987 654 325", "tier": "portal"}).orgnr == "987654325"
    )
    with pytest.raises(ValidationError, match="MOD11"):
        ClientCreate.model_validate({"name": "Fjord AS", "orgnr": "987654321", "tier": "portal"})
    assert "customer_number" in CustomerCreate.model_json_schema()["properties"]


_GC_PROBE = """
import gc, importlib, json, os, sys
importlib.import_module(sys.argv[1])
print(json.dumps({"enabled": gc.isenabled(), "frozen": gc.get_freeze_count(),
                  "plugins": os.environ.get("PYDANTIC_DISABLE_PLUGINS")}))
"""


def _gc_after_import(module: str, in_lambda: bool, **extra: str) -> dict:
    env = {
        **extra,
        "PYTHONPATH": f"{REPO}:{REPO}/layers/common/python",
        "AWS_DEFAULT_REGION": "eu-north-1",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_DISABLED": "true",
    }
    if in_lambda:
        env["AWS_LAMBDA_RUNTIME_API"] = "127.0.0.1:9001"
    out = subprocess.run(
        [sys.executable, "-c", _GC_PROBE, module], cwd=REPO, check=True, capture_output=True, text=True, env=env
    )
    return json.loads(out.stdout)


@pytest.mark.parametrize("module", sorted({fn.module for fn in catalogue.FUNCTIONS}))
def test_every_handler_module_ends_lambdas_init_phase(module: str) -> None:
    """In Lambda the collector is paused during the import and back on, with the import frozen, once the
    module has built its handler: a handler module that forgets `instrumented`/`http_handler` would run
    every request without cyclic garbage collection."""
    got = _gc_after_import(module, in_lambda=True)
    assert got["enabled"] and got["frozen"] > 10_000


def test_outside_lambda_the_collector_and_pydantic_are_left_alone() -> None:
    assert _gc_after_import("functions.audit.api", in_lambda=False) == {"enabled": True, "frozen": 0, "plugins": None}


def test_in_lambda_pydantic_plugin_discovery_is_off_unless_the_environment_says_otherwise() -> None:
    """The entry-point scan of pydantic's plugin loader costs each cold start; no plugin is used."""
    assert _gc_after_import("functions.audit.api", in_lambda=True)["plugins"] == "__all__"
    chosen = _gc_after_import("functions.audit.api", in_lambda=True, PYDANTIC_DISABLE_PLUGINS="logfire")
    assert chosen["plugins"] == "logfire"


def test_extracted_voucher_models_are_not_built_by_their_defaults() -> None:
    """A default that is a model instance (`Extracted[str]()`) would build its validator at import.
    (The generic `Extracted` itself is built: pydantic rebuilds a generic model when it is parametrized.)"""
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "import json, klientportal.vouchers.models as m; "
            "print(json.dumps([n for n in ('VoucherLine', 'VatSubtotal', 'Totals', 'ExtractedVoucher') "
            "if getattr(m, n).__pydantic_complete__]))",
        ],
        cwd=REPO,
        check=True,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": f"{REPO}:{REPO}/layers/common/python"},
    )
    assert json.loads(out.stdout) == []


def test_extracted_defaults_are_empty_and_compare_as_before() -> None:
    from klientportal.vouchers.models import Extracted, ExtractedVoucher, VoucherSource

    voucher = ExtractedVoucher(source=VoucherSource.OCR)
    assert voucher.kid == Extracted[str]() and not voucher.kid.found and voucher.kid.confidence == 0.0
    assert voucher.totals.payable == Extracted[str]()
    assert ExtractedVoucher.model_validate(voucher.model_dump()) == voucher


#: Models an API handler builds at import: the ones every request reads (the caller's memberships,
#: the client). The problem answer is written without its model, which only the OpenAPI document
#: builds; a default that is a model is a `default_factory` (0412).
BUILT_AT_IMPORT = {
    "klientportal.tenancy.models.Client",
    "klientportal.tenancy.models.Membership",
}
#: The register models (22 classes) are defined by the handler of the register routes only; invoice
#: settings take the postal address from `klientportal.registers.base`.
DEFINES_REGISTER_MODELS = {"functions.registers.api"}

_BUILT_PROBE = """
import importlib, json, sys
importlib.import_module(sys.argv[1])
from pydantic import BaseModel

def subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from subclasses(sub)

built = sorted(
    f"{c.__module__}.{c.__qualname__}"
    for c in set(subclasses(BaseModel))
    if c.__module__.startswith(("klientportal", "functions")) and c.__dict__.get("__pydantic_complete__")
)
print(json.dumps({"built": built, "lxml": "lxml" in sys.modules,
                  "registers": "klientportal.registers.models" in sys.modules}))
"""


@pytest.mark.parametrize("module", API_MODULES)
def test_api_handler_builds_only_what_every_request_reads(module: str) -> None:
    """Request, response and domain models are built by the route that uses them (one invocation
    serves one route), and the file formats (lxml) are imported where a file is read or built."""
    out = subprocess.run(
        [sys.executable, "-c", _BUILT_PROBE, module],
        cwd=REPO,
        check=True,
        capture_output=True,
        text=True,
        env={
            "PYTHONPATH": f"{REPO}:{REPO}/layers/common/python",
            "AWS_DEFAULT_REGION": "eu-north-1",
            "POWERTOOLS_TRACE_DISABLED": "true",
            "POWERTOOLS_METRICS_DISABLED": "true",
        },
    )
    found = json.loads(out.stdout)
    assert set(found["built"]) <= BUILT_AT_IMPORT, set(found["built"]) - BUILT_AT_IMPORT
    assert not found["lxml"]
    assert found["registers"] == (module in DEFINES_REGISTER_MODELS)
