"""Klientportal shared package: domain, rules, formats, repository, adapters and auth."""
