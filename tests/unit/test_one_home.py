"""Facts that have one home: written as literals there and nowhere else in the code.

A second copy drifts (a namespace typo, a key prefix that begins another's); these scans fail when a
literal of one of these families appears outside its home module.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "layers/common/python/klientportal"
CODE = [*PACKAGE.rglob("*.py"), *(ROOT / "functions").rglob("*.py"), *(ROOT / "infra").rglob("*.py")]

HOMES = {
    "UBL namespaces": (re.compile(r"urn:oasis:names:specification:ubl:schema"), {"formats/ehf/ubl.py"}),
    # the code compares with or builds from it; sample documents (schemeID="0192" in XML) are data
    "the orgnr scheme 0192": (re.compile(r"""(?<!schemeID=)["']0192["']|f["']0192:"""), {"formats/ehf/ubl.py"}),
    # a sort-key or partition-key prefix: an upper-case word and '#' opening a string literal
    "key prefixes": (re.compile(r"""(?<![\w])[frbFRB]{0,2}["'][A-Z][A-Z_]*#"""), {"repository/keys.py"}),
}


def _strings_outside_docstrings(path: Path) -> str:
    """The file without its docstrings and comments (they may name a key to explain it)."""
    text = re.sub(r'"""(?:.|\n)*?"""', lambda m: "\n" * m.group().count("\n"), path.read_text())
    return "\n".join(line.split("  # ", 1)[0] for line in text.splitlines())


@pytest.mark.parametrize("family", sorted(HOMES))
def test_literal_lives_in_its_home_only(family: str) -> None:
    pattern, homes = HOMES[family]
    home_paths = {PACKAGE / h for h in homes}
    found = [
        f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
        for path in CODE
        if path not in home_paths
        for n, line in enumerate(_strings_outside_docstrings(path).splitlines(), 1)
        if pattern.search(line)
    ]
    assert not found, f"{family} written outside {sorted(homes)}:\n" + "\n".join(found)


def test_no_key_prefix_begins_another() -> None:
    """A begins_with query on one family must not read another's items (e.g. INVOICE# vs INVOICE#REF#)."""
    from klientportal.registers.service import REGISTERS
    from klientportal.repository import keys

    prefixes = {v for k, v in vars(keys).items() if k.endswith("_PREFIX") and isinstance(v, str)}
    prefixes |= {keys.register_prefix(spec.entity) for spec in REGISTERS.values()}
    assert len(prefixes) > 20
    clashes = [(a, b) for a in prefixes for b in prefixes if a != b and b.startswith(a)]
    assert not clashes
