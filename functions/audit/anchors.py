"""Scheduled anchor run (EventBridge schedule "audit-anchors"; locally POST /_local/schedules/audit-anchors):
every audit chain's head hash that moved since its last anchor is written to the Object-Lock bucket."""
from __future__ import annotations

from klientportal import aws, clock
from klientportal.api.app import store
from klientportal.observability import instrumented, logger
from klientportal.repository.audit_anchors import AnchorStore, anchor_heads
from klientportal.settings import settings


def anchor_store() -> AnchorStore:
    return AnchorStore(aws.client("s3"), settings().vouchers_bucket)


def _handle(event: dict, context: object) -> dict:
    result = anchor_heads(store().audit_heads(), anchor_store(), clock.iso(clock.now()))
    if result.behind_anchor:
        logger.error("audit heads behind or off their anchors: rolled back or rewritten?", extra=result.as_dict())
    else:
        logger.info("audit anchor run", extra=result.as_dict())
    return result.as_dict()


lambda_handler = instrumented(_handle)
