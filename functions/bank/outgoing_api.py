"""HTTP: the exact pain.001 file that was sent to the bank for a payment batch."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from functions import catalogue
from klientportal.api.app import Context, build_app, http_handler, raw_response
from klientportal.api.problems import COMMON_RESPONSES
from klientportal.bank import outgoing
from klientportal.errors import NotFound

router = Router()


@router.get(
    "/clients/<client_id>/payment-batches/<batch_id>/pain001",
    tags=["payments"],
    summary="The pain.001 credit transfer file sent to the bank for the batch, byte for byte",
    responses={
        200: {
            "description": "the file as sent",
            "content": {"application/xml": {"schema": {"type": "string", "format": "binary"}}},
        },
        **COMMON_RESPONSES,
    },
)
@raw_response
def pain001(client_id: str, batch_id: str, ctx: Context) -> Response[bytes]:
    data = ctx.invocation.bank_sender(ctx.tenant).sent_file(batch_id)
    if data is None:
        raise NotFound(f"no pain.001 has been sent for payment batch {batch_id}")
    name = outgoing.file_name(batch_id)
    return Response(200, "application/xml", data, headers={"Content-Disposition": f'attachment; filename="{name}"'})


app = build_app([router], catalogue.function("bank-outgoing-api").routes)
lambda_handler = http_handler(app)
