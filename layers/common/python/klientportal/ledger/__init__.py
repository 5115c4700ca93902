"""The per-client general ledger: journal entries of every series, balances, periods, queries."""
