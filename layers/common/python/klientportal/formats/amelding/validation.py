"""a-melding XSD validation against the v2_3 schema of the conformance directory (decision 0902)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from lxml import etree

from klientportal.formats.ehf.validation import default_conformance_dir
from klientportal.formats.safe_xml import parse_xml

XSD_PATH = Path("amelding") / "xsd" / "amelding_v2_3.xsd"


@cache
def _schema(conformance_dir: Path) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(conformance_dir / XSD_PATH)))


def xsd_errors(xml: bytes, *, conformance_dir: Path | None = None) -> tuple[str, ...]:
    """The schema's complaints (line: message), empty when the message is valid.

    Raises XmlInputError for bytes that are not acceptable XML at all.
    """
    root = parse_xml(xml)
    schema = _schema(conformance_dir or default_conformance_dir())
    if schema.validate(root):
        return ()
    return tuple(f"line {e.line}: {e.message}" for e in schema.error_log)
