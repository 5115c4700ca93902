"""Synchronisation with the bureau's system and collaboration: change feed, webhooks, push API,
questions on postings, the bureau overview (docs/sync.md)."""
