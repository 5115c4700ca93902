"""Workflows on Step Functions: human tasks behind task tokens, executions started idempotently,
durations as execution input (docs/workflows.md)."""
