"""The dependency layer builder and the Node.js lookup, without network or synth."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from infra import assets, build_deps_layer, node_runtime
from infra.app import build_app


def test_requirements_come_from_pyproject_less_the_separate_ones():
    reqs = build_deps_layer.requirements()
    names = {build_deps_layer._name(r) for r in reqs}
    assert "aws-lambda-powertools" in names and "pydantic" in names
    assert not names & set(build_deps_layer.SEPARATE)


def test_stamp_decides_whether_to_rebuild(tmp_path: Path):
    reqs = ["pydantic>=2"]
    assert not build_deps_layer.up_to_date(tmp_path, reqs)
    (tmp_path / "python" / "pydantic").mkdir(parents=True)
    (tmp_path / ".stamp").write_text(build_deps_layer.stamp(reqs) + "\n")
    assert build_deps_layer.up_to_date(tmp_path, reqs)
    assert not build_deps_layer.up_to_date(tmp_path, ["pydantic>=2", "lxml"])


def test_pip_targets_the_lambda_platform(tmp_path: Path):
    command = build_deps_layer.pip_command(tmp_path, ["lxml"])
    assert command[command.index("--python-version") + 1] == "3.13"
    assert "manylinux2014_aarch64" in command and "--only-binary=:all:" in command
    assert command[command.index("--target") + 1] == str(tmp_path / "python")


def test_layers_install_the_tested_versions(tmp_path: Path, monkeypatch):
    """Every layer (deps, pdf, xslt: all built by pip_command) installs the pins of constraints.txt,
    and renewed pins rebuild the deps layer."""
    command = build_deps_layer.pip_command(tmp_path, ["lxml"])
    assert command[command.index("--constraint") + 1] == str(build_deps_layer.REPO_ROOT / "constraints.txt")
    pins = tmp_path / "constraints.txt"
    pins.write_text("lxml==6.0.0\n")
    before = build_deps_layer.stamp(["lxml"], pins)
    pins.write_text("lxml==6.1.0\n")
    assert build_deps_layer.stamp(["lxml"], pins) != before


def test_placeholder_stands_in_for_a_missing_layer(tmp_path: Path):
    assert not assets.deps_layer_built(tmp_path / "missing")
    assert assets.deps_layer_built(assets.PLACEHOLDER_LAYER_DIR)


def test_node_from_the_wheel_when_none_on_path(monkeypatch):
    wheel = node_runtime.wheel_node_dir()
    assert wheel is not None
    monkeypatch.setenv("PATH", "/nonexistent")
    node_runtime.ensure_node()
    assert os.environ["PATH"].split(os.pathsep)[0] == str(wheel)


def test_deploy_refuses_the_placeholder_layer(tmp_path: Path):
    context = {
        "klientportal:depsLayerDir": str(tmp_path / "missing"),
        "klientportal:requireDepsLayer": "true",
    }
    with pytest.raises(RuntimeError, match="dependency layer not built"):
        build_app(outdir=tmp_path / "cdk.out", context=context)
