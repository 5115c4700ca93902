"""The bureau's queue: the approved and paid vouchers of every client the member reaches, one client
after the other (by client id), paged at client boundaries (0257)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from klientportal.auth.policy import reach
from klientportal.auth.principal import Principal
from klientportal.repository import keys
from klientportal.repository.pagination import decode_cursor, encode_cursor
from klientportal.repository.store import Store
from klientportal.tenancy.repository import TenancyRepository
from klientportal.vouchers.records import BUREAU_QUEUE
from klientportal.vouchers.workflow import view

DEFAULT_PAGE = 50


@dataclass(frozen=True)
class BureauQueuePage:
    items: list[dict[str, Any]]  # voucher views with `client_name`
    next_cursor: str | None = None


def bureau_queue(
    store: Store, principal: Principal, bureau_id: str, limit: int | None, cursor: str | None
) -> BureauQueuePage:
    """A page of at least `limit` vouchers (whole clients), oldest client id first; accountants see only
    the clients assigned to them."""
    clients = sorted(
        (c for c in TenancyRepository(store).clients_of(bureau_id) if reach(principal, c)), key=lambda c: c.client_id
    )
    wanted = limit or DEFAULT_PAGE
    scope = {"list": "bureau-voucher-queue", "bureau": bureau_id}
    position = decode_cursor(cursor, scope)
    start = (position or {}).get("client", "")
    items: list[dict[str, Any]] = []
    for client in clients:
        if client.client_id < start:
            continue
        for status in BUREAU_QUEUE:
            for rec in store.query_all(keys.voucher_queue_gsi(client.client_id, status), index="GSI1"):
                items.append({**view(rec), "client_name": client.name})
        if len(items) >= wanted:
            following = [c.client_id for c in clients if c.client_id > client.client_id]
            return BureauQueuePage(items, encode_cursor({"client": following[0]}, scope) if following else None)
    return BureauQueuePage(items)
