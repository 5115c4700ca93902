"""The ledger routine: postings, statements, periods, SAF-T."""
