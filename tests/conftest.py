"""Shared test fixtures: the conformance artefacts beside the repository root."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
CONFORMANCE_DIR = REPO_ROOT.parent / "shared" / "conformance"


@pytest.fixture(scope="session")
def conformance_dir() -> Path:
    """The official artefacts in ../shared/conformance (laid beside the repo by CI)."""
    if not CONFORMANCE_DIR.is_dir():
        pytest.fail(f"conformance artefacts missing: expected {CONFORMANCE_DIR}")
    return CONFORMANCE_DIR
