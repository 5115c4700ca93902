"""A client's bank agreement: its accounts, its OCR giro (Nets) agreement and its id on the bank's
file channel. One item per client (BANKIN#AGREEMENT), in the agreements index (GSI1, sharded) that
the retrieval schedule reads instead of scanning the table."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from klientportal.api.types import Flag
from klientportal.repository import keys
from klientportal.repository.records import Record
from klientportal.repository.retry import retry_on_stale
from klientportal.repository.store import Actor, Change, Store
from klientportal.validation.norwegian import BankAccount

LEDGER_BANK_ACCOUNT = "1920"


class AgreementAccount(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    account: BankAccount
    ledger_account: Annotated[str, Field(pattern=r"^19[0-9]{2}$", description="the bank account in the ledger")] = (
        LEDGER_BANK_ACCOUNT
    )


class BankAgreement(BaseModel):
    """What the bank agreed with the client. `channel_customer_id` is the client's id on the bank's
    file channel; `ocr_agreement_id` the Nets OCR giro agreement (avtale-ID, 9 digits);
    `egiro_agreement_id` an eGiro agreement if the client has one."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    accounts: Annotated[list[AgreementAccount], Field(min_length=1, max_length=20)]
    channel_customer_id: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
    ocr_agreement_id: Annotated[str, Field(pattern=r"^[0-9]{9}$")] | None = None
    egiro_agreement_id: Annotated[str, Field(pattern=r"^[A-Za-z0-9-]{1,35}$")] | None = None
    retrieval: Flag = Field(default=True, description="poll the bank's channel for new files")

    @model_validator(mode="after")
    def _accounts_once(self) -> BankAgreement:
        numbers = [a.account for a in self.accounts]
        if len(set(numbers)) != len(numbers):
            raise ValueError("an account is listed twice")
        return self

    def ledger_account_of(self, account: str | None) -> str | None:
        """The ledger account of one of the agreement's bank accounts (None: not ours)."""
        for a in self.accounts:
            if a.account == account:
                return a.ledger_account
        return None


class Agreements:
    def __init__(self, store: Store, client_id: str) -> None:
        self.store = store
        self.client_id = client_id
        self.pk = keys.client_pk(client_id)

    def get(self) -> Record | None:
        return self.store.get(self.pk, keys.BANK_AGREEMENT_SK)

    def agreement(self) -> BankAgreement | None:
        rec = self.get()
        return BankAgreement.model_validate(rec.data) if rec else None

    def put(self, agreement: BankAgreement, actor: Actor) -> Record:
        data: dict[str, Any] = agreement.model_dump(mode="json")

        def attempt() -> Record:
            before = self.get()
            after = Record(
                self.pk,
                keys.BANK_AGREEMENT_SK,
                "bank_agreement",
                data,
                gsi1pk=keys.bank_agreements_gsi(self.client_id) if agreement.retrieval else None,
                gsi1sk=self.client_id if agreement.retrieval else None,
            )
            if before is not None:
                if before.data == data and before.gsi1pk == after.gsi1pk:
                    return before
                after = replace(before, data=data, gsi1pk=after.gsi1pk, gsi1sk=after.gsi1sk)
            change = Change(before, after, "bank_agreement.updated" if before else "bank_agreement.created")
            return self.store.write(self.pk, [change], actor)[0]

        return retry_on_stale(attempt, also_on_exists=True)


def clients_with_agreements(store: Store) -> list[str]:
    """Every client whose agreement asks for retrieval, from the agreements index (no table scan)."""
    return sorted(r.gsi1sk or "" for gsi in keys.all_bank_agreements_gsi() for r in store.query_all(gsi, index="GSI1"))
