"""Monthly run (EventBridge schedule "billing-monthly", the 1st; locally POST
/_local/schedules/billing-monthly): every billed bureau's final statement of the month before and
its draft re-invoices. `detail.month` (YYYY-MM) names another month, for catch-up runs and tests."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from klientportal.billing.months import Month
from klientportal.billing.service import parse_month
from klientportal.bootstrap import invocation
from klientportal.observability import instrumented, logger
from klientportal.repository.store import SYSTEM

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


def _handle(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    detail = event.get("detail") or {}
    month = parse_month(detail["month"]) if detail.get("month") else Month.current().previous()
    billing = invocation().billing()
    results: dict[str, Any] = {}
    for bureau_id in billing.billed_bureaus():
        try:
            outcome = billing.run(bureau_id, month, SYSTEM)
            results[bureau_id] = {"net": outcome["statement"]["totals"]["net"], "drafts": len(outcome["drafts"])}
        except Exception as exc:  # one bureau's failure does not stop the others; it is logged and reported
            logger.exception("billing run failed", extra={"bureau": bureau_id})
            results[bureau_id] = {"error": f"{type(exc).__name__}: {exc}"}
    logger.info("billing run", extra={"month": str(month), "bureaus": len(results)})
    return {"month": str(month), "bureaus": results}


lambda_handler = instrumented(_handle)
