"""EHF (PEPPOL BIS Billing 3.0, UBL 2.1).

`build` writes invoices and credit notes, `validation` checks documents against the UBL XSD and the
CEN/PEPPOL Schematron, `reader` reads incoming ones. Import the submodule you need: reading does
not pull in the invoicing model, and nothing here loads Saxon until a document is validated.
"""
