"""Validated value types for API input: Norwegian identifiers, bank details, contact data."""
