"""Build the "pdf" layer (catalogue `Function.extra_layers`): fpdf2 with fontTools and Pillow for
python3.13 arm64, for the functions that render invoice PDFs (and only those).

    python -m infra.build_pdf_layer [--target build/pdf-layer]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tomllib
from pathlib import Path

from infra.build_deps_layer import PYPROJECT, RUNTIME_PROVIDED, _name, pip_command, remove_distributions, size_mb
from infra.config import REPO_ROOT

DEFAULT_TARGET = REPO_ROOT / "build" / "pdf-layer"
MAX_LAYER_MB = 100


def pdf_requirement() -> str:
    deps = tomllib.loads(PYPROJECT.read_text())["project"]["dependencies"]
    return next(d for d in deps if _name(d) == "fpdf2")


def build(target: Path = DEFAULT_TARGET) -> Path:
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    subprocess.run(pip_command(target, [pdf_requirement()]), check=True)
    remove_distributions(target / "python", RUNTIME_PROVIDED)
    size = size_mb(target)
    if size > MAX_LAYER_MB:
        raise SystemExit(f"pdf layer is {size:.0f} MB unzipped, over {MAX_LAYER_MB} MB")
    print(f"pdf layer built: {target} ({size:.0f} MB unzipped)")
    from infra.deploy_size import check_catalogue

    check_catalogue()
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", type=Path, default=DEFAULT_TARGET)
    args = parser.parse_args()
    build(args.target)


if __name__ == "__main__":
    main()
