"""Build the "xslt" layer (catalogue `Function.extra_layers`): saxonche for python3.13 arm64 and the
EHF validation artefacts (UBL 2.1 XSD, CEN/PEPPOL XSLT) from ../shared/conformance.

    python -m infra.build_xslt_layer [--target build/xslt-layer] [--conformance ../shared/conformance]

Lambda unpacks a layer under /opt: python/ (saxonche) goes on sys.path, conformance/ is read through
KLIENTPORTAL_CONFORMANCE_DIR=/opt/conformance (set by infra/api.py for functions with the layer).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tomllib
from pathlib import Path

from infra.build_deps_layer import PYPROJECT, _name, pip_command, size_mb
from infra.config import REPO_ROOT

DEFAULT_TARGET = REPO_ROOT / "build" / "xslt-layer"
DEFAULT_CONFORMANCE = REPO_ROOT.parent / "shared" / "conformance"
ARTEFACTS = ("peppol/ubl-2.1-xsd", "peppol/xslt")
MAX_LAYER_MB = 200


def saxon_requirement() -> str:
    deps = tomllib.loads(PYPROJECT.read_text())["project"]["dependencies"]
    return next(d for d in deps if _name(d) == "saxonche")


def build(target: Path = DEFAULT_TARGET, conformance: Path = DEFAULT_CONFORMANCE) -> Path:
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    subprocess.run(pip_command(target, [saxon_requirement()]), check=True)
    for relative in ARTEFACTS:
        shutil.copytree(conformance / relative, target / "conformance" / relative)
    size = size_mb(target)
    if size > MAX_LAYER_MB:
        raise SystemExit(f"xslt layer is {size:.0f} MB unzipped, over {MAX_LAYER_MB} MB")
    print(f"xslt layer built: {target} ({size:.0f} MB unzipped)")
    from infra.deploy_size import check_catalogue

    check_catalogue()
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", type=Path, default=DEFAULT_TARGET)
    parser.add_argument("--conformance", type=Path, default=DEFAULT_CONFORMANCE)
    args = parser.parse_args()
    build(args.target, args.conformance)


if __name__ == "__main__":
    main()
