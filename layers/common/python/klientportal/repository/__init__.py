"""The data layer: one DynamoDB table, tenant-prefixed keys, versioned records, audited writes."""

from klientportal.repository.records import Record
from klientportal.repository.store import Page, Store

__all__ = ["Page", "Record", "Store"]
