"""Encryption of personal data at rest."""
