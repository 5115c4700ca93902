"""Outgoing invoicing: the invoice model, its amounts and its PDF rendering."""
