"""The ISO 20022 schemas shipped in klientportal/data/iso20022 (2009 editions, unrestricted), compiled
once per process, and the few helpers the camt, pain.001 and pain.002 modules share."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from functools import cache
from importlib import resources

from lxml import etree

from klientportal.formats.bank.model import BankFileRejected

CAMT053 = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"
CAMT054 = "urn:iso:std:iso:20022:tech:xsd:camt.054.001.02"
CAMT052 = "urn:iso:std:iso:20022:tech:xsd:camt.052.001.02"
PAIN001 = "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"
PAIN002 = "urn:iso:std:iso:20022:tech:xsd:pain.002.001.03"
_SCHEMA_FILES = {CAMT053: "camt.053.001.02.xsd", CAMT054: "camt.054.001.02.xsd", PAIN001: "pain.001.001.03.xsd"}


@cache
def schema(namespace: str) -> etree.XMLSchema:
    """The compiled XSD of a message namespace (KeyError for a message we ship no schema for)."""
    name = _SCHEMA_FILES[namespace]
    data = resources.files("klientportal").joinpath("data", "iso20022", name).read_bytes()
    parser = etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True)
    return etree.XMLSchema(etree.fromstring(data, parser=parser))


def schema_errors(root: etree._Element, namespace: str) -> list[tuple[int | None, str]]:
    """(line, message) of every XSD violation of `root`, empty when it is valid."""
    xsd = schema(namespace)
    if xsd.validate(root.getroottree()):
        return []
    return [(error.line or None, error.message) for error in xsd.error_log]


def hundredths(text: str, line: int | None, what: str = "amount") -> int:
    """A decimal amount as an integer of hundredths (øre for NOK); more decimals than two are refused
    unless they are zeros (money is never rounded)."""
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise BankFileRejected(f"{what} {text!r} is not a number", line, code="field") from None
    scaled = value * 100
    if scaled != scaled.to_integral_value():
        raise BankFileRejected(
            f"{what} {text.strip()} has more than two decimals: it cannot be held in øre without rounding",
            line,
            code="amount-precision",
        )
    return int(scaled)
