"""File formats Klientportal reads and writes (EHF/UBL, Nets OCR, ISO 20022, a-melding, SAF-T, KID)."""
