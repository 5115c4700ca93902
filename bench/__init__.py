"""Benchmarks: speed and memory targets live here, never in timed tests (see bench/README.md)."""
