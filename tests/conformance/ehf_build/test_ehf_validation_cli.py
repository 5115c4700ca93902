"""`klientportal ehf validate FILE...` and where the validator finds its artefacts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from klientportal.formats.ehf import validation
from klientportal.formats.ehf.build import build_ehf
from tests.unit.invoicing.invoice_samples import mixed_invoice

EXAMPLES = Path("peppol/examples")


def test_all_valid_exits_0(conformance_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    built = tmp_path / "built.xml"
    built.write_bytes(build_ehf(mixed_invoice()))
    example = conformance_dir / EXAMPLES / "ehf-norway/ehf-3-faktura-1.xml"
    assert validation.main([str(built), str(example), "--conformance-dir", str(conformance_dir)]) == 0
    out = capsys.readouterr().out
    assert f"{built}: valid (0 warnings)" in out
    assert f"{example}: valid (1 warnings)" in out


def test_invalid_prints_json_and_exits_1(
    conformance_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    legacy = conformance_dir / EXAMPLES / "ehf-norway/legacy-ehf-2-faktura-1.xml"
    broken = tmp_path / "broken.xml"
    broken.write_bytes(b"<Invoice")
    missing = tmp_path / "missing.xml"
    code = validation.main([str(legacy), str(broken), str(missing), "--conformance-dir", str(conformance_dir)])
    assert code == 1
    results = json.loads(capsys.readouterr().out)
    assert [r["valid"] for r in results] == [False, False, False]
    first = results[0]["findings"][0]
    assert set(first) == {"rule_id", "flag", "location", "text"}
    assert any(f["rule_id"] == "PEPPOL-EN16931-R004" and f["flag"] == "fatal" for f in results[0]["findings"])
    assert "malformed" in results[1]["xsd_errors"][0]
    assert results[2]["xsd_errors"]


def test_default_dir_is_beside_the_repository(monkeypatch: pytest.MonkeyPatch, conformance_dir: Path) -> None:
    monkeypatch.delenv(validation.ENV_CONFORMANCE_DIR, raising=False)
    assert validation.default_conformance_dir().resolve() == conformance_dir.resolve()


def test_environment_variable_wins(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(validation.ENV_CONFORMANCE_DIR, str(tmp_path))
    assert validation.default_conformance_dir() == tmp_path
    with pytest.raises(validation.ConformanceArtifactsMissing):
        validation.EhfValidator(tmp_path)
