"""Audit routine: read a client's audit trail and verify its hash chain."""
