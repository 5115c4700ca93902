"""The HTTP API plumbing shared by every API function: app builder, auth, problems, idempotency."""
