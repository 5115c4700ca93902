"""The bank's answers to what was sent: a pain.002 status report and a camt.054 debit notification
become `bank_status.report` calls (contract 4), each batch found by the ids it was sent with
(`outgoing.py`). Reporting the same answer again changes nothing (report is idempotent)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from klientportal.adapters.bank_channel import BankChannel, HttpBankChannel
from klientportal.bank import outgoing
from klientportal.bank.agreements import Agreements, clients_with_agreements
from klientportal.observability import logger
from klientportal.repository import keys
from klientportal.repository.store import Store

if TYPE_CHECKING:  # the file formats are imported by the functions that read files
    from klientportal.bootstrap import Invocation
    from klientportal.formats.bank import BankFile


def answering_channel(mode: str) -> BankChannel:
    """The real channel in AWS; locally the simulated one that also answers as the bank (simulator)."""
    if mode == "aws":
        return HttpBankChannel()
    from klientportal.bank.answering_bank import AnsweringBankChannel

    return AnsweringBankChannel()


def apply_status_report(store: Store, client_id: str, data: bytes) -> outgoing.StatusUpdate:
    """Read a pain.002 (refused: BankFileRejected) and report it for the batch it answers."""
    from klientportal.formats.bank.pain002 import read_pain002
    from klientportal.payments import bank_status

    report = read_pain002(data)
    batch = store.get(keys.client_pk(client_id), keys.payment_batch_sk(report.original_message_id))
    if batch is None:
        raise LookupError(f"the status report answers {report.original_message_id}, no batch of this client")
    update = outgoing.status_from_pain002(report, batch.data)
    bank_status.report(store, client_id, update.batch_id, update.status, list(update.lines))
    return update


def _debited_batches(bank_file: BankFile) -> Iterator[str]:
    seen: set[str] = set()
    for entry in bank_file.entries:
        batch_id = outgoing.batch_id_of(entry.end_to_end_id or "") if not entry.credit else None
        if batch_id and batch_id not in seen:
            seen.add(batch_id)
            yield batch_id


def apply_debits(store: Store, client_id: str, bank_file: BankFile) -> list[outgoing.StatusUpdate]:
    """Report the lines a camt.054 debit notification shows paid, per batch of ours it names."""
    from klientportal.formats.bank import BankFile
    from klientportal.payments import bank_status

    if not isinstance(bank_file.entries, tuple):
        bank_file = BankFile(bank_file.format, bank_file.identity, bank_file.created, tuple(bank_file.entries))
    updates = []
    pk = keys.client_pk(client_id)
    for batch_id in _debited_batches(bank_file):
        batch = store.get(pk, keys.payment_batch_sk(batch_id))
        if batch is None:
            continue
        update = outgoing.status_from_debits(bank_file, batch.data)
        if update is None or batch.data["status"] in ("paid", "rejected"):
            continue
        bank_status.report(store, client_id, update.batch_id, update.status, list(update.lines))
        updates.append(update)
    return updates


def collect_answers(inv: Invocation, channel: BankChannel | None = None) -> dict[str, Any]:
    """For every client with a bank agreement: each pain.002 the channel lists is applied, then
    acknowledged. Locally the simulator first releases the debit notifications that are due."""
    from klientportal import clock

    channel = channel or answering_channel(inv.settings.delivery_mode)
    applied = refused = 0
    for client_id in clients_with_agreements(inv.store):
        agreement = Agreements(inv.store, client_id).agreement()
        if agreement is None:
            continue
        customer = agreement.channel_customer_id
        release = getattr(channel, "release_debits", None)
        if release is not None:
            release(customer, clock.today_oslo())
        for remote in channel.list_new(customer):
            if remote.kind != "pain.002":
                continue  # camt.054 (debits included) goes through the bank import
            data = channel.download(customer, remote.file_id)
            try:
                apply_status_report(inv.store, client_id, data)
                applied += 1
            except (ValueError, LookupError) as exc:  # BankFileRejected is a ValueError
                refused += 1
                logger.error(
                    "bank status report not applied",
                    extra={"client": client_id, "file": remote.name, "error": str(exc)},
                )
            channel.acknowledge(customer, remote.file_id)
    return {"applied": applied, "refused": refused}


def read_debit_notification(data: bytes) -> BankFile:
    """A camt.054 read whole (for callers that hold the bytes)."""
    from klientportal.formats.bank import BankFile, read_bank_file

    read = read_bank_file(data)
    return BankFile(
        read.format, read.identity, read.created, tuple(read.entries), read.count, read.credit_ore, read.debit_ore
    )
