"""HTTP handler of the tenancy routine: parse, call the tenancy service, shape the response."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.depends import Depends
from aws_lambda_powertools.event_handler.openapi.params import Query

from functions import catalogue
from klientportal.api.app import Context, build_app, http_handler
from klientportal.api.idempotency import run_idempotent
from klientportal.api.problems import COMMON_RESPONSES, created
from klientportal.api.response_model import DeferredModel
from klientportal.auth import policy
from klientportal.errors import FieldError, InvalidInput
from klientportal.repository import keys
from klientportal.tenancy.models import (
    Bureau,
    BureauInvitation,
    BureauLicenceUpdate,
    Client,
    ClientCreate,
    ClientInvitation,
    ClientLicenceUpdate,
    ClientUpdate,
    Membership,
    MembershipUpdate,
)
from klientportal.tenancy.service import TenancyService

router = Router()


class BureauOut(Bureau):
    version: int


class ClientPage(DeferredModel):
    items: list[Client]
    next_cursor: str | None = None


class MemberList(DeferredModel):
    items: list[Membership]


class Me(DeferredModel):
    sub: str
    email: str | None
    memberships: list[Membership]


def _tenancy(ctx: Context) -> TenancyService:
    return ctx.invocation.tenancy


Tenancy = Annotated[TenancyService, Depends(_tenancy)]


@router.get("/me", tags=["tenancy"], summary="Who am I: memberships and roles", responses=COMMON_RESPONSES)
def me(ctx: Context) -> Me:
    p = ctx.user
    return Me(sub=p.sub, email=p.email, memberships=list(p.memberships))


@router.get("/bureau", tags=["tenancy"], summary="The bureau and its licence", responses=COMMON_RESPONSES)
def get_bureau(ctx: Context, tenancy: Tenancy) -> BureauOut:
    bureau, version = tenancy.bureau(ctx.bureau_id)
    return BureauOut(**bureau.model_dump(), version=version)


@router.put(
    "/bureau/licence",
    tags=["tenancy"],
    summary="Change the bureau's licensed modules",
    description="Refused (409) while a client still has a module the licence would drop.",
    responses=COMMON_RESPONSES,
)
def put_bureau_licence(body: BureauLicenceUpdate, ctx: Context, tenancy: Tenancy) -> BureauOut:
    bureau, version = tenancy.set_bureau_licence(ctx.bureau_id, body, ctx.actor)
    return BureauOut(**bureau.model_dump(), version=version)


@router.get("/bureau/users", tags=["users"], summary="Bureau staff", responses=COMMON_RESPONSES)
def list_bureau_users(ctx: Context, tenancy: Tenancy) -> MemberList:
    return MemberList(items=tenancy.repo.members("bureau", ctx.bureau_id))


@router.post(
    "/bureau/users",
    tags=["users"],
    summary="Invite a bureau admin or accountant",
    responses={201: created(Membership), **COMMON_RESPONSES},
)
def invite_bureau_user(body: BureauInvitation, ctx: Context, tenancy: Tenancy) -> Response[Membership]:
    return run_idempotent(
        ctx,
        body.model_dump(mode="json"),
        Membership,
        lambda: (201, tenancy.invite_to_bureau(ctx.bureau_id, body, ctx.actor).model_dump(mode="json")),
    )


@router.patch(
    "/bureau/users/<user_id>",
    tags=["users"],
    summary="Change a staff member's role, clients or status",
    responses=COMMON_RESPONSES,
)
def update_bureau_user(user_id: str, body: MembershipUpdate, ctx: Context, tenancy: Tenancy) -> Membership:
    return tenancy.update_membership("bureau", ctx.bureau_id, user_id, body, ctx.actor)


@router.get("/clients", tags=["clients"], summary="The clients you can reach", responses=COMMON_RESPONSES)
def list_clients(
    ctx: Context,
    tenancy: Tenancy,
    limit: Annotated[int | None, Query(ge=1, le=200)] = None,
    cursor: Annotated[str | None, Query(max_length=2000)] = None,
) -> ClientPage:
    items: list[Client] = []
    next_cursor = None
    accepted = False
    for bureau_id in ctx.user.bureau_ids():
        # a cursor is bound to one bureau's list: continue that list only
        try:
            page = ctx.store.query(keys.bureau_clients_gsi(bureau_id), index="GSI1", limit=limit, cursor=cursor)
        except InvalidInput:
            continue
        accepted = True
        clients = [Client.model_validate({**r.data, "version": r.version}) for r in page.items]
        items += [c for c in clients if policy.reach(ctx.user, c) is not None]
        next_cursor = page.next_cursor
    if cursor and not accepted:
        raise InvalidInput("the cursor is not valid for this list", [FieldError("cursor", "invalid cursor")])
    seen = {c.client_id for c in items}
    if not cursor:
        for m in ctx.user.active():
            if m.scope == "client" and m.scope_id not in seen:
                found = tenancy.repo.client(m.scope_id)
                if found:
                    items.append(found[0])
    return ClientPage(items=items, next_cursor=next_cursor)


@router.post(
    "/clients",
    tags=["clients"],
    summary="Create a client",
    description="Modules must be within the bureau's licence. Portal clients are licence-"
    "registered at once; ByråKlient and Byrålisens clients start as pending.",
    responses={201: created(Client), **COMMON_RESPONSES},
)
def create_client(body: ClientCreate, ctx: Context, tenancy: Tenancy) -> Response[Client]:
    return run_idempotent(
        ctx,
        body.model_dump(mode="json"),
        Client,
        lambda: (201, tenancy.create_client(ctx.bureau_id, body, ctx.actor).model_dump(mode="json")),
    )


@router.get("/clients/<client_id>", tags=["clients"], summary="One client", responses=COMMON_RESPONSES)
def get_client(client_id: str, ctx: Context) -> Client:
    return ctx.authorized_client


@router.patch(
    "/clients/<client_id>",
    tags=["clients"],
    summary="Change name, tier, modules, financial year start or status",
    responses=COMMON_RESPONSES,
)
def update_client(client_id: str, body: ClientUpdate, ctx: Context, tenancy: Tenancy) -> Client:
    return tenancy.update_client(ctx.authorized_client, body, ctx.actor)


@router.put(
    "/clients/<client_id>/licence",
    tags=["clients"],
    summary="Record the client's external licence registration (ByråKlient, Byrålisens)",
    responses=COMMON_RESPONSES,
)
def put_client_licence(client_id: str, body: ClientLicenceUpdate, ctx: Context, tenancy: Tenancy) -> Client:
    return tenancy.register_client_licence(ctx.authorized_client, body, ctx.actor)


@router.get("/clients/<client_id>/users", tags=["users"], summary="The client's users", responses=COMMON_RESPONSES)
def list_client_users(client_id: str, ctx: Context, tenancy: Tenancy) -> MemberList:
    return MemberList(items=tenancy.repo.members("client", client_id))


@router.post(
    "/clients/<client_id>/invitations",
    tags=["users"],
    summary="Invite a user to the client",
    responses={201: created(Membership), **COMMON_RESPONSES},
)
def invite_client_user(client_id: str, body: ClientInvitation, ctx: Context, tenancy: Tenancy) -> Response[Membership]:
    return run_idempotent(
        ctx,
        body.model_dump(mode="json"),
        Membership,
        lambda: (201, tenancy.invite_to_client(ctx.authorized_client, body, ctx.actor).model_dump(mode="json")),
    )


@router.patch(
    "/clients/<client_id>/users/<user_id>",
    tags=["users"],
    summary="Change a client user's role, modules or status",
    responses=COMMON_RESPONSES,
)
def update_client_user(
    client_id: str, user_id: str, body: MembershipUpdate, ctx: Context, tenancy: Tenancy
) -> Membership:
    return tenancy.update_membership("client", client_id, user_id, body, ctx.actor, client=ctx.client)


app = build_app([router], catalogue.function("tenancy").routes)
lambda_handler = http_handler(app)
