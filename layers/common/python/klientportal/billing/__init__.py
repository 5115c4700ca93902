"""Client billing: usage metered from domain events, price lists, tier rules, the monthly run and
re-invoicing (docs/billing.md)."""
