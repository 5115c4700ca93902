"""constraints.txt pins every dependency of pyproject.toml to a version its range allows.

A dependency added to pyproject.toml without `make lock` would install unpinned on a fresh machine;
a range narrowed below the pinned version would make `make install` fail. Both fail here first.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]


def _pins() -> dict[str, Version]:
    pins: dict[str, Version] = {}
    for raw in (ROOT / "constraints.txt").read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, version = line.partition("==")
        assert sep and name.strip() and version.strip(), f"not a name==version pin: {line!r}"
        pins[canonicalize_name(name)] = Version(version.strip())
    return pins


def _requirements() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        declared.extend(extra)
    return [Requirement(d) for d in declared]


def test_every_dependency_is_pinned_within_its_range() -> None:
    pins = _pins()
    missing = [str(r) for r in _requirements() if canonicalize_name(r.name) not in pins]
    assert not missing, f"not in constraints.txt (run `make lock`): {missing}"
    outside = [
        f"{r} (pinned {pins[canonicalize_name(r.name)]})"
        for r in _requirements()
        if not r.specifier.contains(pins[canonicalize_name(r.name)], prereleases=True)
    ]
    assert not outside, f"constraints.txt pins outside pyproject's range (run `make lock`): {outside}"


def test_the_project_itself_is_not_pinned() -> None:
    assert "klientportal" not in _pins()
