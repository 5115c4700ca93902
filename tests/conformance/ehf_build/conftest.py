"""The EHF validator on the official artefacts, compiled once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from klientportal.formats.ehf.validation import EhfValidator, get_validator


@pytest.fixture(scope="session")
def ehf_validator(conformance_dir: Path) -> EhfValidator:
    return get_validator(conformance_dir)
