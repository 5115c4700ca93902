"""Adapters to outside parties. Each has the real protocol's shape and a local simulator."""
