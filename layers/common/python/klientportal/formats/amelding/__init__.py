"""The a-melding (format 2.3): records → XML, and XSD validation. I/O-free except the schema file."""

from klientportal.formats.amelding.model import (
    NAMESPACE,
    AMelding,
    Business,
    ContributionBasis,
    Deduction,
    Employment,
    Garnishment,
    Income,
    IncomeRecipient,
)
from klientportal.formats.amelding.writer import write_amelding

__all__ = [
    "NAMESPACE",
    "AMelding",
    "Business",
    "ContributionBasis",
    "Deduction",
    "Employment",
    "Garnishment",
    "Income",
    "IncomeRecipient",
    "write_amelding",
]
