"""Lambda code and layer assets: plain folders, so synth needs neither Docker nor bundling."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from functools import cache
from pathlib import Path

from aws_cdk import aws_lambda as lambda_

from infra.config import REPO_ROOT

PLACEHOLDER_LAYER_DIR = Path(__file__).resolve().parent / "placeholder_layer"
COMMON_LAYER_DIR = REPO_ROOT / "layers" / "common"
FUNCTIONS_DIR = REPO_ROOT / "functions"
NEVER_SHIPPED = ["**/__pycache__", "**/*.pyc", "**/.pytest_cache", "**/.DS_Store"]


def functions_code() -> lambda_.Code:
    """The one code asset of every function: the repository's `functions` package and nothing else.

    Handler strings keep their `functions.` prefix, so the asset root holds a `functions/` folder;
    it is staged outside the repository (excluding everything else from the repository root would
    make CDK walk .venv, seconds per synth).
    """
    return lambda_.Code.from_asset(str(_staged_functions()))


@cache
def _staged_functions() -> Path:
    """A private copy of functions/ under a temporary root, removed when the process ends."""
    root = Path(tempfile.mkdtemp(prefix="klientportal-code-"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    shutil.copytree(FUNCTIONS_DIR, root / "functions", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return root


def common_layer_code() -> lambda_.Code:
    """layers/common as it is: Lambda puts its python/ folder (klientportal) on sys.path."""
    return lambda_.Code.from_asset(str(COMMON_LAYER_DIR), exclude=NEVER_SHIPPED)


def deps_layer_built(folder: Path) -> bool:
    """Whether `folder` holds a built dependency layer (python/ with at least one package)."""
    python = folder / "python"
    return python.is_dir() and any(python.iterdir())


def deps_layer_code(folder: Path) -> lambda_.Code:
    """The third-party dependency layer (see infra/build_deps_layer.py) or the placeholder."""
    chosen = folder if deps_layer_built(folder) else PLACEHOLDER_LAYER_DIR
    return lambda_.Code.from_asset(str(chosen), exclude=NEVER_SHIPPED)
