"""The bureau's SAF-T grouping of a client's accounts (`LEDGERMAP#<account>`): a næringsspesifikasjon
category and code per account, over the defaults of the standard chart (decision 0803)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

from klientportal.errors import FieldError, InvalidInput
from klientportal.reference.chart_of_accounts import get_account
from klientportal.reference.saft_grouping import Grouping, default_of, grouping
from klientportal.repository import keys
from klientportal.repository.records import Record
from klientportal.repository.store import Actor, Change, Store


def mapped(store: Store, pk: str) -> dict[str, Grouping]:
    """The client's own groupings, by account."""
    out = {}
    for rec in store.query_all(pk, keys.LEDGER_MAPPING_PREFIX):
        out[rec.data["account"]] = Grouping(rec.data["grouping_category"], rec.data["grouping_code"], "")
    return out


def grouping_of(
    account: str, own: dict[str, Grouping], closing: Decimal = Decimal("0.00")
) -> tuple[Grouping | None, Literal["client", "standard", "none"]]:
    """(grouping, where it comes from: "client", "standard" or "none"); `closing` (positive = debit)
    picks the standard default's code for a credit balance where the list has two (8320)."""
    if account in own:
        return own[account], "client"
    found = default_of(account)
    return (found.for_balance(closing), "standard") if found else (None, "none")


def set_mapping(store: Store, pk: str, account: str, category: str, code: str, actor: Actor) -> Record:
    """Map `account` (standard or the client's own) to a grouping of the list; 422 for anything else."""
    errors = []
    if get_account(account) is None and store.get(pk, keys.account_sk(account)) is None:
        errors.append(FieldError("account", f"{account} is not in the client's chart of accounts"))
    found = grouping(category, code)
    if found is None:
        errors.append(FieldError("grouping_code", f"{category} {code} is not in the næringsspesifikasjon list"))
    if errors:
        raise InvalidInput("the mapping is not valid", errors)
    sk = keys.ledger_mapping_sk(account)
    before = store.get(pk, sk)
    data: dict[str, Any] = {"account": account, "grouping_category": category, "grouping_code": code}
    change = (
        Change(before, before.with_data(data), "ledger_mapping.changed")
        if before
        else Change(None, Record(pk, sk, "ledger_mapping", data), "ledger_mapping.changed")
    )
    return store.write(pk, [change], actor)[0]
