"""Norwegian SAF-T Financial 1.30: an I/O-free writer (records → XML bytes)."""
