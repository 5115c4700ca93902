"""Build the third-party dependency layer for the Lambda platform (python3.13, arm64).

    python -m infra.build_deps_layer [--force] [--target build/deps-layer]

Installs pyproject's [project].dependencies as manylinux aarch64 wheels into <target>/python (less
the packages of their own layers, SEPARATE, and those the Lambda runtime provides, RUNTIME_PROVIDED),
checks every function's deployed size (infra/deploy_size.py) and writes <target>/.stamp; a later run
with the same inputs does nothing. The folder is git-ignored;
the CDK app uses it when present and a placeholder otherwise (see infra/assets.py).
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import json
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

from infra.config import DEFAULT_DEPS_LAYER_DIR, REPO_ROOT

PYPROJECT = REPO_ROOT / "pyproject.toml"
CONSTRAINTS = REPO_ROOT / "constraints.txt"  # the versions the tests passed with (`make lock`, decision 0026)
PYTHON_VERSION = "3.13"
PLATFORMS = (
    "manylinux2014_aarch64",
    "manylinux_2_24_aarch64",
    "manylinux_2_28_aarch64",
    "manylinux_2_34_aarch64",
)
SEPARATE = {
    "saxonche": "~100 MB unzipped: with it the layer exceeds Lambda's 250 MB limit; it belongs in "
    "its own layer for the one function that runs the EHF validation XSLT",
    "fpdf2": "with fontTools and Pillow ~45 MB that only the invoice PDF renderer needs: the pdf layer "
    "(infra/build_pdf_layer.py) of the functions that render PDFs",
}
# The Lambda Python runtime ships these (under /var/runtime); pip still installs them as dependencies
# of others (aws-xray-sdk needs botocore), so they are removed from the layer after the install.
RUNTIME_PROVIDED = ("boto3", "botocore", "s3transfer", "jmespath")
MAX_LAYER_MB = 200
STAMP_NAME = ".stamp"
DROPPED = ("bin",)


def requirements(pyproject: Path = PYPROJECT) -> list[str]:
    """The runtime dependencies from pyproject, less those that ship in a layer of their own."""
    deps = tomllib.loads(pyproject.read_text())["project"]["dependencies"]
    return [d for d in deps if _name(d) not in SEPARATE]


def stamp(reqs: list[str], constraints: Path = CONSTRAINTS) -> str:
    """A digest of everything the layer's content depends on (the pinned versions included)."""
    inputs = {
        "requirements": reqs,
        "python": PYTHON_VERSION,
        "platforms": PLATFORMS,
        "constraints": hashlib.sha256(constraints.read_bytes()).hexdigest(),
    }
    return hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()


def up_to_date(target: Path, reqs: list[str]) -> bool:
    stamp_file = target / STAMP_NAME
    python = target / "python"
    return (
        stamp_file.is_file()
        and stamp_file.read_text().strip() == stamp(reqs)
        and python.is_dir()
        and any(python.iterdir())
    )


def pip_command(target: Path, reqs: list[str]) -> list[str]:
    """pip for the Lambda platform: binary wheels only, no .pyc (they would be for this Python), the
    versions pinned by constraints.txt (what the tests passed with)."""
    platforms = [arg for p in PLATFORMS for arg in ("--platform", p)]
    return [
        sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
        *platforms, "--python-version", PYTHON_VERSION, "--implementation", "cp",
        "--only-binary=:all:", "--no-compile", "--upgrade", "--target", str(target / "python"),
        "--constraint", str(CONSTRAINTS), *reqs,
    ]  # fmt: skip


def size_mb(folder: Path) -> float:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 1_000_000


def build(target: Path = DEFAULT_DEPS_LAYER_DIR, force: bool = False) -> Path:
    """Build the layer into `target` unless it is up to date; return `target`."""
    reqs = requirements()
    if not force and up_to_date(target, reqs):
        print(f"deps layer up to date: {target}")
        return target
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    subprocess.run(pip_command(target, reqs), check=True)
    for name in DROPPED:
        shutil.rmtree(target / "python" / name, ignore_errors=True)
    removed = remove_distributions(target / "python", RUNTIME_PROVIDED)
    size = size_mb(target / "python")
    if size > MAX_LAYER_MB:
        raise SystemExit(f"deps layer is {size:.0f} MB unzipped, over {MAX_LAYER_MB} MB")
    (target / STAMP_NAME).write_text(stamp(reqs) + "\n")
    print(f"deps layer built: {target} ({size:.0f} MB unzipped; left to the runtime: {', '.join(removed)})")
    from infra.deploy_size import check_catalogue

    check_catalogue()
    return target


def remove_distributions(site: Path, names: tuple[str, ...]) -> list[str]:
    """Delete the installed distributions `names` from `site` (every file of their RECORD)."""
    removed = []
    for dist in importlib.metadata.distributions(path=[str(site)]):
        name = re.sub(r"[-_.]+", "-", dist.metadata["Name"]).lower()
        if name not in names:
            continue
        removed.append(f"{name} {dist.version}")
        paths = [Path(dist.locate_file(f)) for f in dist.files or ()]
        for path in paths:
            if path.is_file():
                path.unlink()
        for folder in sorted({p.parent for p in paths}, key=lambda p: len(p.parts), reverse=True):
            if folder != site and folder.is_dir() and not any(f.is_file() for f in folder.rglob("*")):
                shutil.rmtree(folder)
    return removed


def _name(requirement: str) -> str:
    """The normalised project name of a requirement string ("PyJWT[crypto]>=2" → "pyjwt")."""
    match = re.match(r"[A-Za-z0-9._-]+", requirement.strip())
    return re.sub(r"[-_.]+", "-", match.group(0)).lower() if match else requirement


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", type=Path, default=DEFAULT_DEPS_LAYER_DIR)
    parser.add_argument("--force", action="store_true", help="rebuild even if up to date")
    args = parser.parse_args(argv)
    build(args.target, force=args.force)


if __name__ == "__main__":
    main()
