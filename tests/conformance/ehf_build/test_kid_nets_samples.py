"""Every KID in the Nets OCR Giro and AvtaleGiro sample files passes validate_kid."""

from __future__ import annotations

from pathlib import Path

import netsgiro
import pytest

from klientportal.formats.kid import validate_kid

SAMPLES = ["netsgiro/ocr_giro_transactions.txt", "netsgiro/avtalegiro_payment_request.txt", "java-netsgiro/ocr1.txt"]


@pytest.mark.parametrize("name", SAMPLES)
def test_real_kids_validate(conformance_dir: Path, name: str) -> None:
    transmission = netsgiro.parse((conformance_dir / "nets-ocr" / name).read_text())
    kids = [t.kid for a in transmission.assignments for t in a.transactions if t.kid]
    assert kids
    assert all(validate_kid(kid) for kid in kids), [k for k in kids if not validate_kid(k)]
    assert not validate_kid(kids[0][:-1] + str((int(kids[0][-1]) + 1) % 10))
