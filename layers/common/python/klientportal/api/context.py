"""The per-request context: who is asking, for which tenant, allowed through which membership, and
the invocation's composition (store, services) from `klientportal.bootstrap`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from klientportal.auth.principal import Principal
from klientportal.bootstrap import Invocation
from klientportal.repository.store import Actor, Store
from klientportal.tenancy.models import Client, Membership


@dataclass
class RequestContext:
    invocation: Invocation
    principal: Principal | None
    action: str | None
    route_key: str
    request_id: str
    client: Client | None = None
    membership: Membership | None = None
    headers: dict[str, str] = field(default_factory=dict)
    lambda_context: Any = None

    @property
    def store(self) -> Store:
        return self.invocation.store

    @property
    def authorized_client(self) -> Client:
        """The client of a client-scoped request (authorized before any route code runs)."""
        if self.client is None:
            raise RuntimeError("not a client-scoped request")
        return self.client

    @property
    def client_id(self) -> str:
        return self.authorized_client.client_id

    @property
    def user(self) -> Principal:
        """The signed-in principal (every route but the public ones)."""
        if self.principal is None:
            raise RuntimeError("no principal on a public route")
        return self.principal

    @property
    def actor(self) -> Actor:
        return Actor(sub=self.user.sub, email=self.user.email)

    @property
    def bureau_id(self) -> str:
        """The bureau of the acting bureau membership (bureau-scoped actions)."""
        if self.membership is None or self.membership.scope != "bureau":
            raise RuntimeError("not a bureau-scoped request")
        return self.membership.scope_id

    @property
    def tenant(self) -> str:
        """The tenant the request is scoped to (client id, bureau id, or the user)."""
        if self.client is not None:
            return self.client.client_id
        if self.membership is not None:
            return self.membership.scope_id
        return self.principal.sub if self.principal else "-"
