"""Validate EHF / PEPPOL BIS Billing 3.0 documents: UBL 2.1 XSD, then the CEN and PEPPOL Schematron.

The official artefacts are not shipped with the code. They are read from a conformance directory
(the layout of ../shared/conformance): the `KLIENTPORTAL_CONFORMANCE_DIR` environment variable, or
else `../shared/conformance` beside the repository root (the folder holding pyproject.toml).
Schemas and compiled stylesheets are cached per process; one validator is not for concurrent
threads (a Lambda container runs one request at a time).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import asdict, dataclass
from functools import cache, cached_property
from pathlib import Path
from typing import TYPE_CHECKING, TypedDict

from lxml import etree

from klientportal.formats.ehf.ubl import DOCUMENT_TYPES
from klientportal.formats.safe_xml import XmlInputError, parse_xml

if TYPE_CHECKING:
    from saxonche import PySaxonProcessor, PyXsltExecutable

ENV_CONFORMANCE_DIR = "KLIENTPORTAL_CONFORMANCE_DIR"
XSD_DIR = Path("peppol/ubl-2.1-xsd/maindoc")
XSLT_DIR = Path("peppol/xslt/openpeppol-2026.5")
XSLT_FILES = ("CEN-EN16931-UBL.xslt", "PEPPOL-EN16931-UBL.xslt")
XSD_FILES = {"Invoice": "UBL-Invoice-2.1.xsd", "CreditNote": "UBL-CreditNote-2.1.xsd"}
_SVRL = "http://purl.oclc.org/dsdl/svrl"


@dataclass(frozen=True)
class Finding:
    """One failed Schematron assertion. `flag` is "fatal" or "warning"."""

    rule_id: str
    flag: str
    location: str
    text: str


@dataclass(frozen=True)
class ValidationReport:
    document_type: str  # "Invoice" | "CreditNote" | "unknown"
    xsd_errors: tuple[str, ...]
    findings: tuple[Finding, ...]

    @property
    def valid(self) -> bool:
        """No XSD error and no fatal finding (warnings allowed)."""
        return not self.xsd_errors and not any(f.flag == "fatal" for f in self.findings)

    @property
    def fatal(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.flag == "fatal")


class ConformanceArtifactsMissing(RuntimeError):
    """The directory with the official XSDs and XSLTs is not where configuration says."""


def default_conformance_dir() -> Path:
    """$KLIENTPORTAL_CONFORMANCE_DIR, else ../shared/conformance beside the repository root."""
    configured = os.environ.get(ENV_CONFORMANCE_DIR)
    if configured:
        return Path(configured)
    for parent in Path(__file__).resolve().parents:
        if (parent / "pyproject.toml").is_file():
            return parent.parent / "shared" / "conformance"
    raise ConformanceArtifactsMissing(f"set {ENV_CONFORMANCE_DIR}: no repository root above {__file__}")


class EhfValidator:
    """XSD and Schematron validation against the artefacts in `conformance_dir` (loaded lazily)."""

    def __init__(self, conformance_dir: Path) -> None:
        self.conformance_dir = Path(conformance_dir)
        for relative in [XSD_DIR / f for f in XSD_FILES.values()] + [XSLT_DIR / f for f in XSLT_FILES]:
            if not (self.conformance_dir / relative).is_file():
                raise ConformanceArtifactsMissing(f"missing {self.conformance_dir / relative}")
        self._schemas: dict[str, etree.XMLSchema] = {}

    def validate(self, xml: bytes) -> ValidationReport:
        """Parse with the hardened parser (XmlInputError propagates) and run every check."""
        return self.validate_tree(parse_xml(xml))

    def validate_tree(self, root: etree._Element) -> ValidationReport:
        document_type = DOCUMENT_TYPES.get(root.tag, "unknown")
        if document_type == "unknown":
            return ValidationReport("unknown", (f"root element {root.tag} is not a UBL Invoice or CreditNote",), ())
        return ValidationReport(document_type, self.xsd_errors(root, document_type), self.schematron(root))

    def xsd_errors(self, root: etree._Element, document_type: str) -> tuple[str, ...]:
        schema = self._schema(document_type)
        if schema.validate(root):
            return ()
        return tuple(f"line {e.line}: {e.message}" for e in schema.error_log)

    def schematron(self, root: etree._Element) -> tuple[Finding, ...]:
        """Findings of the CEN rules, then the PEPPOL rules, on any UBL tree."""
        node = _saxon().parse_xml(xml_text=etree.tostring(root, encoding="unicode"))
        findings: list[Finding] = []
        for stylesheet in self._stylesheets:
            svrl = stylesheet.transform_to_string(xdm_node=node)
            findings.extend(_findings(svrl.encode("utf-8")))
        return tuple(findings)

    def _schema(self, document_type: str) -> etree.XMLSchema:
        if document_type not in self._schemas:
            path = self.conformance_dir / XSD_DIR / XSD_FILES[document_type]
            self._schemas[document_type] = etree.XMLSchema(etree.parse(str(path)))
        return self._schemas[document_type]

    @cached_property
    def _stylesheets(self) -> tuple[PyXsltExecutable, ...]:
        compiler = _saxon().new_xslt30_processor()
        return tuple(
            compiler.compile_stylesheet(stylesheet_file=str(self.conformance_dir / XSLT_DIR / name))
            for name in XSLT_FILES
        )


@cache
def _saxon() -> PySaxonProcessor:
    from saxonche import PySaxonProcessor

    return PySaxonProcessor(license=False)


@cache
def get_validator(conformance_dir: Path | None = None) -> EhfValidator:
    """The process-wide validator for a conformance directory (default: default_conformance_dir())."""
    return EhfValidator(conformance_dir or default_conformance_dir())


def validate_ehf(xml: bytes, *, conformance_dir: Path | None = None) -> ValidationReport:
    """Validate EHF bytes: XSD by root element, then CEN and PEPPOL Schematron."""
    return get_validator(conformance_dir).validate(xml)


def _findings(svrl: bytes) -> list[Finding]:
    report = parse_xml(svrl, max_bytes=200 * 1024 * 1024)
    result = []
    for failed in report.iterfind(f"{{{_SVRL}}}failed-assert"):
        flag = failed.get("flag", "fatal")
        result.append(
            Finding(
                rule_id=failed.get("id", ""),
                flag="warning" if flag in ("warning", "information") else "fatal",
                location=failed.get("location", ""),
                text=" ".join((failed.findtext(f"{{{_SVRL}}}text") or "").split()),
            )
        )
    return result


def main(argv: list[str]) -> int:
    """`klientportal ehf validate FILE...`: exit 0 when all are valid, else print JSON and exit 1."""
    parser = argparse.ArgumentParser(prog="klientportal ehf validate", description=main.__doc__)
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--conformance-dir", type=Path, default=None)
    args = parser.parse_args(argv)
    results = [_check_file(path, args.conformance_dir) for path in args.files]
    if all(r["valid"] for r in results):
        for r in results:
            print(f"{r['file']}: valid ({len(r['findings'])} warnings)")
        return 0
    json.dump(results, sys.stdout, indent=2, ensure_ascii=False)
    print()
    return 1


class FileResult(TypedDict):
    """What `klientportal ehf validate` prints for one file."""

    file: str
    valid: bool
    document_type: str
    xsd_errors: list[str]
    findings: list[dict[str, str]]


def _check_file(path: Path, conformance_dir: Path | None) -> FileResult:
    try:
        report = validate_ehf(path.read_bytes(), conformance_dir=conformance_dir)
    except (OSError, XmlInputError) as exc:
        return {"file": str(path), "valid": False, "document_type": "unknown", "xsd_errors": [str(exc)], "findings": []}
    return {
        "file": str(path),
        "valid": report.valid,
        "document_type": report.document_type,
        "xsd_errors": list(report.xsd_errors),
        "findings": [asdict(f) for f in report.findings],
    }
