"""Reading the semicolon-separated reference tables shipped in klientportal/data/reference."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from importlib import resources


def rows(name: str) -> Iterator[dict[str, str]]:
    """The rows of `data/reference/<name>` as dicts, values stripped."""
    text = resources.files("klientportal").joinpath("data", "reference", name).read_text(encoding="utf-8")
    for row in csv.DictReader(text.splitlines(), delimiter=";"):
        yield {key: value.strip() for key, value in row.items()}
