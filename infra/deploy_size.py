"""What each catalogue function deploys, unzipped: its code plus every layer it carries.

Lambda refuses a function whose code and layers together exceed 250 MiB unzipped; the check fails
above a margin (MAX_FUNCTION_MIB) so that a new dependency is noticed at build time, not at deploy.
It runs after every layer build (infra/build_*_layer.py), when synthesising a deployment
(`requireDepsLayer`) and in tests/infra/test_deploy_size.py.

    python -m infra.deploy_size     # the table of every function, with the layers as built now
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from functions import catalogue as cat
from infra.config import Config

MIB = 1024 * 1024
LAMBDA_LIMIT_MIB = 250
MAX_FUNCTION_MIB = 200
_NEVER_SHIPPED = ("__pycache__", "*.pyc", ".pytest_cache", ".DS_Store", ".stamp")


def folder_bytes(folder: Path) -> int:
    """Unzipped size of what an asset of `folder` ships (caches and build stamps left out)."""
    if not folder.is_dir():
        return 0
    total = 0
    for path in folder.rglob("*"):
        if path.is_file() and not any(
            fnmatch.fnmatch(part, pattern) for part in path.relative_to(folder).parts for pattern in _NEVER_SHIPPED
        ):
            total += path.stat().st_size
    return total


@dataclass(frozen=True)
class FunctionSize:
    name: str
    parts: tuple[tuple[str, int], ...]  # ("code", bytes), ("layer common", bytes), …

    @property
    def total(self) -> int:
        return sum(size for _, size in self.parts)

    def line(self) -> str:
        parts = ", ".join(f"{what} {size / MIB:.1f}" for what, size in self.parts)
        return f"{self.name:<22} {self.total / MIB:7.1f} MiB  ({parts})"


def function_sizes(
    functions: Iterable[cat.Function],
    code: Path,
    layer_folders: dict[str, Path],
    size: Callable[[Path], int] = folder_bytes,
) -> list[FunctionSize]:
    """Each function's code plus its layers: "common" and "deps" for all, then its `extra_layers`."""
    measured = {name: size(folder) for name, folder in layer_folders.items()}
    code_size = size(code)
    out = []
    for fn in functions:
        layers = ("common", "deps", *fn.extra_layers)
        out.append(FunctionSize(fn.name, (("code", code_size), *((f"layer {n}", measured[n]) for n in layers))))
    return out


def check(sizes: list[FunctionSize], limit_mib: int = MAX_FUNCTION_MIB) -> None:
    """SystemExit naming every function above `limit_mib` (code + layers, unzipped)."""
    over = [s for s in sizes if s.total > limit_mib * MIB]
    if over:
        raise SystemExit(
            f"functions over {limit_mib} MiB unzipped (Lambda refuses above {LAMBDA_LIMIT_MIB} MiB):\n  "
            + "\n  ".join(s.line() for s in over)
        )


def layer_folders(config: Config) -> dict[str, Path]:
    """Where each layer's content is built (an unbuilt layer measures 0 and ships the placeholder)."""
    from infra.api import EXTRA_LAYERS
    from infra.assets import COMMON_LAYER_DIR

    return {
        "common": COMMON_LAYER_DIR,
        "deps": config.deps_layer_dir,
        **{name: layer.folder(config) for name, layer in EXTRA_LAYERS.items()},
    }


def check_catalogue(config: Config | None = None, report: bool = True) -> list[FunctionSize]:
    """Measure and check every catalogue function with the layers as built now."""
    from infra.assets import FUNCTIONS_DIR

    sizes = function_sizes(cat.FUNCTIONS, FUNCTIONS_DIR, layer_folders(config or Config()))
    if report:
        print("\n".join(s.line() for s in sizes))
    check(sizes)
    return sizes


def main() -> None:
    check_catalogue()


if __name__ == "__main__":
    main()
