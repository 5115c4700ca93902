"""HTTP handler of the registers routine. The four routes of each register come from one factory,
so every register behaves the same: list (paginated), create (idempotent), read, patch (versioned)."""

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.depends import Depends
from aws_lambda_powertools.event_handler.openapi.params import Query
from pydantic import BaseModel, Field, create_model

from functions import catalogue
from klientportal.api.app import Context, build_app, http_handler
from klientportal.api.idempotency import run_idempotent
from klientportal.api.problems import COMMON_RESPONSES, created
from klientportal.api.response_model import DeferredModel
from klientportal.api.types import Integer, Text
from klientportal.errors import FieldError, InvalidInput
from klientportal.reference.chart_of_accounts import AccountType
from klientportal.reference.vat_codes import vat_codes
from klientportal.registers.service import (
    REGISTERS,
    CustomAccount,
    RegisterService,
    RegisterSpec,
    add_account,
    chart_of_accounts,
)

router = Router()


def _registers(ctx: Context) -> RegisterService:
    return ctx.invocation.registers(ctx.client_id)


Registers = Annotated[RegisterService, Depends(_registers)]


class VersionedPatch(DeferredModel):
    """What every register's PATCH body has beside its fields: the version it was read at."""

    version: int


def _routes_for(spec: RegisterSpec) -> None:
    title = spec.entity.capitalize()
    out = create_model(
        f"{title}Out",
        __base__=spec.read,
        id=(str, ...),
        version=(int, ...),
        created_at=(str, ...),
        updated_at=(str, ...),
    )
    page = create_model(f"{title}Page", __base__=DeferredModel, items=(list[out], ...), next_cursor=(str | None, None))
    patch = create_model(
        f"{title}Patch",
        __base__=(VersionedPatch, spec.update),
        version=(Integer, Field(ge=1, description="The version you read; a stale one gets 409")),
    )
    base = f"/clients/<client_id>/{spec.name}"
    tags = [spec.name]

    def list_items(
        client_id: str,
        service: Registers,
        limit: Annotated[int | None, Query(ge=1, le=200)] = None,
        cursor: Annotated[str | None, Query(max_length=2000)] = None,
    ) -> BaseModel:
        result = service.list(spec, limit, cursor)
        return page(items=[service.to_read(spec, r) for r in result.items], next_cursor=result.next_cursor)

    def create_item(client_id: str, body: BaseModel, ctx: Context, service: Registers) -> Response[BaseModel]:
        return run_idempotent(
            ctx,
            body.model_dump(mode="json"),
            out,
            lambda: (201, service.to_read(spec, service.create(spec, body, ctx.actor))),
        )

    def get_item(client_id: str, item_id: str, service: Registers) -> dict[str, Any]:
        return service.to_read(spec, service.get(spec, item_id))

    def update_item(
        client_id: str, item_id: str, body: VersionedPatch, ctx: Context, service: Registers
    ) -> dict[str, Any]:
        changes = body.model_dump(exclude_unset=True, exclude={"version"})
        return service.to_read(spec, service.update(spec, item_id, body.version, changes, ctx.actor))

    # The static types above are all that can be known of models made per register; powertools
    # validates and documents each route with its register's own models, given here.
    list_items.__annotations__["return"] = page
    create_item.__annotations__.update({"body": spec.create, "return": Response[out]})
    get_item.__annotations__["return"] = out
    update_item.__annotations__.update({"body": patch, "return": out})

    for fn, verb in ((list_items, "list"), (create_item, "create"), (get_item, "get"), (update_item, "update")):
        fn.__name__ = f"{verb}_{spec.entity}"
    router.get(base, tags=tags, summary=f"List {spec.name}", responses=COMMON_RESPONSES)(list_items)
    router.post(base, tags=tags, summary=f"Create a {spec.entity}", responses={201: created(out), **COMMON_RESPONSES})(
        create_item
    )
    router.get(base + "/<item_id>", tags=tags, summary=f"One {spec.entity}", responses=COMMON_RESPONSES)(get_item)
    router.patch(base + "/<item_id>", tags=tags, summary=f"Change a {spec.entity}", responses=COMMON_RESPONSES)(
        update_item
    )


for _spec in REGISTERS.values():
    _routes_for(_spec)


class AccountIn(BaseModel):
    model_config = {"extra": "forbid", "defer_build": True}
    number: Annotated[str, Field(pattern=r"^[1-8][0-9]{3}$")]
    name: Annotated[Text, Field(min_length=1, max_length=100)]
    type: AccountType
    default_vat_code: Annotated[str, Field(pattern=r"^[0-9]{1,2}$")] | None = None
    standard_account_id: Annotated[str, Field(pattern=r"^[0-9]{2,4}$")]


class AccountOut(DeferredModel):
    number: str
    name: str
    type: str
    default_vat_code: str | None = None
    standard_account_id: str
    standard: bool


class AccountList(DeferredModel):
    items: list[AccountOut]


class VatCodeOut(DeferredModel):
    code: str
    description_nb: str
    description_en: str
    rate: str | None
    direction: str
    deductible: bool


class VatCodeList(DeferredModel):
    items: list[VatCodeOut]


@router.get(
    "/clients/<client_id>/accounts",
    tags=["accounts"],
    summary="Chart of accounts (standard + own)",
    responses=COMMON_RESPONSES,
)
def list_accounts(client_id: str, ctx: Context) -> AccountList:
    return AccountList(items=chart_of_accounts(ctx.store, client_id))


@router.post(
    "/clients/<client_id>/accounts",
    tags=["accounts"],
    summary="Add an own account",
    responses={201: created(AccountOut), **COMMON_RESPONSES},
)
def create_account(client_id: str, body: AccountIn, ctx: Context) -> Response[AccountOut]:
    codes = {v.code for v in vat_codes()}
    if body.default_vat_code is not None and body.default_vat_code not in codes:
        raise InvalidInput("unknown VAT code", [FieldError("default_vat_code", "not a VAT code")])
    account = CustomAccount(**body.model_dump(mode="json"))
    return run_idempotent(
        ctx,
        body.model_dump(mode="json"),
        AccountOut,
        lambda: (201, {**add_account(ctx.store, client_id, account, ctx.actor).data, "standard": False}),
    )


@router.get(
    "/clients/<client_id>/vat-codes",
    tags=["accounts"],
    summary="VAT codes (SAF-T standard codes)",
    responses=COMMON_RESPONSES,
)
def list_vat_codes(client_id: str) -> VatCodeList:
    return VatCodeList(
        items=[
            VatCodeOut(
                code=v.code,
                description_nb=v.description_nb,
                description_en=v.description_en,
                rate=str(v.rate) if v.rate is not None else None,
                direction=str(v.direction),
                deductible=v.deductible,
            )
            for v in vat_codes()
        ]
    )


app = build_app([router], catalogue.function("registers").routes)
lambda_handler = http_handler(app)
