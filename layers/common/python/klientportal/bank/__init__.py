"""Incoming bank payments: bank agreements, file imports, the customer sub-ledger (kundereskontro)
and matching by KID (docs/bank.md)."""
