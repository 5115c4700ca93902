"""Deployable size (ISSUE-8 §5): every catalogue function's code plus all its layers stays under the
margin, with the layers as the builders compose them; and each function carries only the layers it uses."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from functions import catalogue as cat
from infra import build_deps_layer, build_pdf_layer
from infra.assets import COMMON_LAYER_DIR, FUNCTIONS_DIR
from infra.deploy_size import MAX_FUNCTION_MIB, MIB, check, check_catalogue, folder_bytes, function_sizes

REPO = Path(__file__).resolve().parents[2]
# Unzipped sizes measured for python3.13 arm64 (ISSUE-8 §5): the dependency layer was 111 MiB, of it
# boto3 + botocore 21 MiB and fontTools + Pillow 43 MiB; the xslt layer 110 MiB.
MIB_OF = {"boto3+botocore": 21, "fpdf2+fontTools+Pillow": 43, "other dependencies": 47, "xslt": 110}


def _sparse_layer(folder: Path, mib: int) -> Path:
    (folder / "python").mkdir(parents=True)
    with open(folder / "python" / "payload.bin", "wb") as f:
        f.truncate(mib * MIB)  # sparse: the apparent size is what is measured
    return folder


def _as_built(tmp_path: Path) -> dict[str, Path]:
    """Layers of the sizes the builders produce from pyproject and their own selection rules."""
    names = {build_deps_layer._name(r) for r in build_deps_layer.requirements()}
    deps = MIB_OF["other dependencies"]
    if "fpdf2" in names:
        deps += MIB_OF["fpdf2+fontTools+Pillow"]
    if not {"boto3", "botocore"} <= set(getattr(build_deps_layer, "RUNTIME_PROVIDED", ())):
        deps += MIB_OF["boto3+botocore"]
    assert build_pdf_layer.pdf_requirement().startswith("fpdf2")
    return {
        "common": COMMON_LAYER_DIR,
        "deps": _sparse_layer(tmp_path / "deps", deps),
        "xslt": _sparse_layer(tmp_path / "xslt", MIB_OF["xslt"]),
        "pdf": _sparse_layer(tmp_path / "pdf", MIB_OF["fpdf2+fontTools+Pillow"]),
    }


def test_every_function_with_its_layers_stays_under_the_margin(tmp_path):
    sizes = function_sizes(cat.FUNCTIONS, FUNCTIONS_DIR, _as_built(tmp_path))
    check(sizes)  # SystemExit naming the function above MAX_FUNCTION_MIB
    ingest = next(s for s in sizes if s.name == "ingest")
    assert ingest.total < 165 * MIB, ingest.line()
    assert all(s.total <= MAX_FUNCTION_MIB * MIB for s in sizes)


def test_the_check_names_a_function_over_the_margin(tmp_path):
    heavy = cat.Function(
        name="heavy", handler="functions.heavy.lambda_handler", description="test", extra_layers=("xslt", "pdf")
    )
    layers = {**_as_built(tmp_path), "deps": _sparse_layer(tmp_path / "big-deps", 60)}
    with pytest.raises(SystemExit, match=r"heavy .* MiB"):
        check(function_sizes([heavy], FUNCTIONS_DIR, layers))


def test_the_catalogue_check_runs_on_the_layers_as_built_now():
    sizes = check_catalogue(report=False)
    assert {s.name for s in sizes} == {fn.name for fn in cat.FUNCTIONS}
    assert all(s.parts[0] == ("code", folder_bytes(FUNCTIONS_DIR)) for s in sizes)


def test_runtime_provided_distributions_are_removed_from_a_built_layer(tmp_path):
    site = tmp_path / "python"
    for name, files in (
        ("botocore", ["botocore/__init__.py", "botocore/data/x.json"]),
        ("pydantic", ["pydantic/__init__.py"]),
    ):
        info = site / f"{name}-1.0.dist-info"
        info.mkdir(parents=True)
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
        for f in files:
            (site / f).parent.mkdir(parents=True, exist_ok=True)
            (site / f).write_text("x")
        record = [*files, f"{info.name}/METADATA", f"{info.name}/RECORD"]
        (info / "RECORD").write_text("".join(f"{r},,\n" for r in record))
    removed = build_deps_layer.remove_distributions(site, build_deps_layer.RUNTIME_PROVIDED)
    assert removed == ["botocore 1.0"]
    assert not (site / "botocore").exists() and (site / "pydantic" / "__init__.py").is_file()
    assert not (site / "botocore-1.0.dist-info").exists()


# how a function reaches a layer's packages (fpdf2 / saxonche are imported lazily below these, only when
# a PDF is rendered or an EHF validated): by importing the entry module, or by asking the composition
# root (klientportal.bootstrap.Invocation) for the service that imports it on first use
LAYER_ENTRY = {"pdf": "klientportal.invoicing.renditions", "xslt": "klientportal.formats.ehf.reader"}
LAYER_FACTORY = {
    "pdf": ("invoices", "klientportal.invoicing.service"),
    "xslt": ("voucher_intake", "klientportal.vouchers.intake"),
}
# modules whose importers reach a layer only when a PDF is made (named in the handler's source): the
# billing rendering a route imports; the payroll approval's steps, which issue payslip PDFs (h-payflow)
LAYER_LAZY = {"pdf": ("klientportal.billing.rendering", "klientportal.payroll.run_approval")}
HEAVY_IMPORTS = {
    "fpdf": (
        "klientportal/billing/rendering.py",
        "klientportal/invoicing/pdf.py",
        "klientportal/payroll/payslip_pdf.py",
    ),
    "fontTools": "klientportal/invoicing/pdf.py",
    "PIL": None,
    "saxonche": "klientportal/formats/ehf/validation.py",
}


def _entry_modules_imported_by(module: str) -> set[str]:
    probe = (
        "import importlib, json, sys; importlib.import_module(sys.argv[1]); "
        f"print(json.dumps([m for m in {list(LAYER_ENTRY.values())!r} if m in sys.modules]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe, module],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": f"{REPO}:{REPO / 'layers/common/python'}", "AWS_DEFAULT_REGION": "eu-north-1"},
    ).stdout
    return set(json.loads(out.strip().splitlines()[-1]))


def _layers_reached(fn: cat.Function) -> set[str]:
    imported = _entry_modules_imported_by(fn.module)
    source = (REPO / (fn.module.replace(".", "/") + ".py")).read_text()
    return (
        {layer for layer, module in LAYER_ENTRY.items() if module in imported}
        | {layer for layer, (factory, _) in LAYER_FACTORY.items() if re.search(rf"\.{factory}\(", source)}
        | {layer for layer, modules in LAYER_LAZY.items() if any(m in source for m in modules)}
    )


def test_each_function_carries_the_layers_it_uses_and_no_other():
    for fn in cat.FUNCTIONS:
        assert _layers_reached(fn) == set(fn.extra_layers), (fn.name, fn.extra_layers)


def test_the_factories_reach_the_entry_modules():
    bootstrap = (REPO / "layers/common/python/klientportal/bootstrap.py").read_text()
    for layer, (factory, module) in LAYER_FACTORY.items():
        body = bootstrap[bootstrap.index(f"    def {factory}(") :]
        assert f"from {module} import" in body[: body.index("\n\n")], (factory, module)
        source = (REPO / "layers/common/python" / (module.replace(".", "/") + ".py")).read_text()
        lazily = f"from {LAYER_ENTRY[layer]} import" in source  # imported on first use of the service
        assert lazily or LAYER_ENTRY[layer] in _entry_modules_imported_by(module), (module, layer)


def test_the_heavy_packages_are_imported_only_below_their_entry_modules():
    root = REPO / "layers" / "common" / "python"
    for package, home in HEAVY_IMPORTS.items():
        importers = sorted(
            str(p.relative_to(root))
            for p in root.rglob("*.py")
            if re.search(rf"^\s*(from|import) {package}\b", p.read_text(), re.MULTILINE)
        )
        homes = [home] if isinstance(home, str) else list(home or ())
        assert importers == homes, (package, importers)
    pdf_users = sorted(
        str(p.relative_to(root)) for p in root.rglob("*.py") if "klientportal.invoicing.pdf import" in p.read_text()
    )
    # the payslip PDF (payroll function, with the pdf layer) shares the invoice PDF's fonts
    assert pdf_users == ["klientportal/invoicing/renditions.py", "klientportal/payroll/payslip_pdf.py"]
