"""The statement of one bureau and month, computed as a pure function of what the run has read:
the clients, their agreements, their usage counters and the platform's prices (net). Lines per
client × transaction type (late ones separately, with their own month) and per licence item;
amounts quantity × price, exact to the øre (prices have two decimals); totals per client, per
type and in all. The same inputs give the same statement, byte for byte (`canonical`)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from klientportal.billing.metering import Usage
from klientportal.billing.months import Month
from klientportal.billing.prices import Prices
from klientportal.billing.tiers import Agreement, licence_charges
from klientportal.billing.transactions import TransactionType
from klientportal.repository.records import canonical_json

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class ClientIn:
    client_id: str
    name: str
    agreement: Agreement
    usage: Usage


def _money(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.01")))


def _transaction_price(prices: Prices, kind: str) -> Decimal | None:
    try:
        return prices.transactions.get(TransactionType(kind))
    except ValueError:
        return None  # a type counted by an earlier version of the meter and no longer known


def client_lines(client: ClientIn, month: Month, prices: Prices) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """The client's lines (priced) and the counted types no price names (for the record)."""
    lines: list[dict[str, Any]] = []
    unpriced: dict[str, int] = {}
    counted = [(kind, str(month), False, n) for kind, n in client.usage.counts.items()]
    counted += [(kind, original, True, n) for (original, kind), n in client.usage.late.items()]
    for kind, original, late, n in counted:
        price = _transaction_price(prices, kind)
        if price is None:
            unpriced[kind] = unpriced.get(kind, 0) + n
            continue
        lines.append(
            {
                "client_id": client.client_id,
                "kind": "transaction",
                "item": kind,
                "month": original,
                "late": late,
                "quantity": n,
                "unit_price": _money(price),
                "amount": _money(price * n),
                "note": f"late: {original}, after that month was closed" if late else "",
            }
        )
    for charge in licence_charges(client.agreement, month, prices):
        lines.append(
            {
                "client_id": client.client_id,
                "kind": "licence",
                "item": charge.item,
                "month": str(month),
                "late": False,
                "quantity": charge.quantity,
                "unit_price": _money(charge.unit_price),
                "amount": _money(charge.amount),
                "note": charge.note,
            }
        )
    return lines, unpriced


def compute(
    bureau_id: str, month: Month, clients: list[ClientIn], prices: Prices, price_list_from: str | None
) -> dict[str, Any]:
    """The statement document (status and timestamps are the caller's to add)."""
    lines: list[dict[str, Any]] = []
    per_client: list[dict[str, Any]] = []
    by_item: dict[str, Decimal] = {}
    unpriced: dict[str, int] = {}
    for client in sorted(clients, key=lambda c: c.client_id):
        own, missing = client_lines(client, month, prices)
        total = sum((Decimal(line["amount"]) for line in own), ZERO)
        per_client.append(
            {
                "client_id": client.client_id,
                "name": client.name,
                "tier": str(client.agreement.tier),
                "net": _money(total),
            }
        )
        for line in own:
            by_item[line["item"]] = by_item.get(line["item"], ZERO) + Decimal(line["amount"])
        for kind, n in missing.items():
            unpriced[kind] = unpriced.get(kind, 0) + n
        lines += own
    return {
        "bureau_id": bureau_id,
        "month": str(month),
        "currency": "NOK",
        "price_list_valid_from": price_list_from,
        "clients": per_client,
        "lines": lines,
        "totals": {
            "net": _money(sum(by_item.values(), ZERO)),
            "by_item": {k: _money(v) for k, v in sorted(by_item.items())},
            "lines": len(lines),
            "clients": len(per_client),
        },
        "unpriced": dict(sorted(unpriced.items())),
    }


def canonical(statement: dict[str, Any]) -> bytes:
    return canonical_json(statement).encode()
