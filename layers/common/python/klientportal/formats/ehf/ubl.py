"""UBL 2.1 namespaces and the PEPPOL BIS Billing 3.0 identifiers shared by EHF writing and checking."""

from __future__ import annotations

NS_INVOICE = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
NS_CREDIT_NOTE = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
NS_CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
NS_CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"

CUSTOMIZATION_ID = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
PROFILE_ID = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"

INVOICE_TYPE_CODE = "380"
CREDIT_NOTE_TYPE_CODE = "381"
SCHEME_NO_ORGNR = "0192"
PAYMENT_MEANS_CREDIT_TRANSFER = "30"
PAYMENT_MEANS_SEPA_CREDIT_TRANSFER = "58"
DISCOUNT_REASON_CODE = "95"
FORETAKSREGISTERET = "Foretaksregisteret"


def orgnr_participant_id(orgnr: str) -> str:
    """The PEPPOL participant id of a Norwegian organisation: 0192:<organisation number>."""
    return f"{SCHEME_NO_ORGNR}:{orgnr}"


DOCUMENT_TYPES = {f"{{{NS_INVOICE}}}Invoice": "Invoice", f"{{{NS_CREDIT_NOTE}}}CreditNote": "CreditNote"}

# PEPPOL document type identifiers (what an access point's SMP lists for a receiver), BIS Billing 3.0
INVOICE_DOCUMENT_TYPE_ID = f"{NS_INVOICE}::Invoice##{CUSTOMIZATION_ID}::2.1"
CREDIT_NOTE_DOCUMENT_TYPE_ID = f"{NS_CREDIT_NOTE}::CreditNote##{CUSTOMIZATION_ID}::2.1"
