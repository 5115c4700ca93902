"""Scheduled anchor run (EventBridge schedule "audit-anchors"; locally POST /_local/schedules/audit-anchors):
every audit chain's head hash that moved since its last anchor is written to the Object-Lock bucket."""

from __future__ import annotations

from typing import Any

from klientportal import clock
from klientportal.bootstrap import invocation
from klientportal.observability import instrumented, logger
from klientportal.repository.audit_anchors import anchor_heads


def _handle(event: dict[str, Any], context: object) -> dict[str, Any]:
    inv = invocation()
    result = anchor_heads(inv.store.audit_heads(), inv.audit_anchors(), clock.iso(clock.now()))
    if result.behind_anchor:
        logger.error("audit heads behind or off their anchors: rolled back or rewritten?", extra=result.as_dict())
    else:
        logger.info("audit anchor run", extra=result.as_dict())
    return result.as_dict()


lambda_handler = instrumented(_handle)
