"""A payment batch's content and its canonical hash.

The hash identifies what is paid: sha256 over a canonical serialisation (sorted keys, no spaces,
UTF-8) of the execution date and, per line in voucher order, the voucher, the amount in øre, the
currency, the creditor account (`bban:` or `iban:`) and the KID or message. An approval is bound to
this hash: anything that changes what the bank would pay changes the hash.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from klientportal.repository.records import canonical_json

HASH_VERSION = "kp-payment-batch-1"


class NotWholeOre(ValueError):
    """An amount with a fraction of an øre: never rounded silently."""


def to_ore(amount: Decimal | str) -> int:
    """Kroner (Decimal or its exact string) as integer øre; a fraction of an øre is refused."""
    value = Decimal(str(amount))
    ore = value * 100
    if not ore.is_finite() or ore != ore.to_integral_value():
        raise NotWholeOre(f"{amount} is not a whole number of øre")
    return int(ore)


def ore_text(ore: int) -> str:
    """Integer øre as kroner with two decimals, e.g. 80200 → "802.00"."""
    sign, ore = ("-", -ore) if ore < 0 else ("", ore)
    return f"{sign}{ore // 100}.{ore % 100:02d}"


def account_text(account: Mapping[str, str]) -> str:
    """{"bban": …} / {"iban": …} as "bban:…" / "iban:…"."""
    if "bban" in account:
        return f"bban:{account['bban']}"
    return f"iban:{account['iban']}"


def canonical_line(line: Mapping[str, Any]) -> dict[str, Any]:
    """The part of a batch line the hash covers."""
    reference = {"kid": line["kid"]} if line.get("kid") else {"message": line.get("message") or ""}
    return {
        "voucher_id": line["voucher_id"],
        "amount_ore": int(line["amount_ore"]),
        "currency": line["currency"],
        "creditor_account": account_text(line["creditor_account"]),
        **reference,
    }


def canonical_content(execution_date: str, lines: Iterable[Mapping[str, Any]]) -> str:
    body = {
        "version": HASH_VERSION,
        "execution_date": execution_date,
        "lines": sorted((canonical_line(x) for x in lines), key=lambda x: x["voucher_id"]),
    }
    return canonical_json(body)


def content_hash(execution_date: str, lines: Iterable[Mapping[str, Any]]) -> str:
    """The hex sha256 of the batch's canonical content."""
    return hashlib.sha256(canonical_content(execution_date, lines).encode("utf-8")).hexdigest()
