"""Throughput of outgoing invoicing: EHF build + XSD, full Schematron, PDF rendering.

Run from the repository root: .venv/bin/python bench/bench_invoicing.py [--seconds 3]
Needs the conformance artefacts (KLIENTPORTAL_CONFORMANCE_DIR or ../shared/conformance).
"""
from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "layers" / "common" / "python")]

from klientportal.formats.ehf.build import build_ehf  # noqa: E402
from klientportal.formats.ehf.validation import get_validator  # noqa: E402
from klientportal.formats.safe_xml import parse_xml  # noqa: E402
from klientportal.invoicing.pdf import render_invoice_pdf  # noqa: E402
from tests.unit.invoicing.invoice_samples import mixed_invoice  # noqa: E402


def measure(action: Callable[[], object], seconds: float) -> tuple[int, float]:
    """Run `action` repeatedly for about `seconds`; return (runs, seconds per run)."""
    action()
    runs, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        action()
        runs += 1
    return runs, elapsed / runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=3.0)
    seconds = parser.parse_args().seconds
    invoice = mixed_invoice()
    validator = get_validator()
    started = time.perf_counter()
    validator._stylesheets  # noqa: B018 - compile outside the timed loops
    compile_seconds = time.perf_counter() - started
    xml = build_ehf(invoice)
    root = parse_xml(xml)

    def build_and_xsd() -> None:
        assert validator.xsd_errors(parse_xml(build_ehf(invoice)), "Invoice") == ()

    rows = [
        ("EHF build + XSD validation", *measure(build_and_xsd, seconds)),
        ("Schematron CEN + PEPPOL", *measure(lambda: validator.schematron(root), seconds)),
        ("Full validate_ehf (XSD + Schematron)", *measure(lambda: validator.validate(xml), seconds)),
        ("PDF render (fpdf2, DejaVu Sans)", *measure(lambda: render_invoice_pdf(invoice), seconds)),
    ]
    print(f"Schematron compile (once per process): {compile_seconds * 1000:.0f} ms; "
          f"document: {len(invoice.lines)} lines, {len(xml)} bytes EHF")
    print(f"{'operation':<40} {'runs':>6} {'ms/doc':>9} {'docs/s':>9}")
    for name, runs, per in rows:
        print(f"{name:<40} {runs:>6} {per * 1000:>9.2f} {1 / per:>9.1f}")


if __name__ == "__main__":
    main()
