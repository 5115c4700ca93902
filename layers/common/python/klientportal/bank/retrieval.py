"""Retrieval from the bank channel: for every client whose agreement asks for it (the agreements
index, no table scan), the files the bank lists as new are downloaded, received (stored unaltered,
an import record, queued) and only then acknowledged. A crash before the acknowledgement lists the
file again next time; receiving it again finds its import (the content is its identity)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from klientportal.adapters.bank_channel import BankChannel, BankChannelError, bank_channel
from klientportal.bank.agreements import Agreements, clients_with_agreements
from klientportal.observability import logger
from klientportal.repository.store import Actor

if TYPE_CHECKING:
    from klientportal.bootstrap import Invocation

RETRIEVAL = Actor(sub="bank-channel", kind="system")
KINDS_IMPORTED = ("ocr", "camt.053", "camt.054")


def retrieve_all(inv: Invocation, channel: BankChannel | None = None) -> dict[str, Any]:
    channel = channel or bank_channel(inv.settings.delivery_mode)
    clients = clients_with_agreements(inv.store)
    received = known = failed = 0
    for client_id in clients:
        try:
            r, k = retrieve(inv, client_id, channel)
        except BankChannelError as exc:  # one bank's outage does not stop the others
            failed += 1
            logger.warning("bank channel failed", extra={"client": client_id, "error": str(exc)})
            continue
        received, known = received + r, known + k
    return {"clients": len(clients), "received": received, "known": known, "failed": failed}


def retrieve(inv: Invocation, client_id: str, channel: BankChannel) -> tuple[int, int]:
    """(files received now, files received before) for one client."""
    agreement = Agreements(inv.store, client_id).agreement()
    if agreement is None or not agreement.retrieval:
        return 0, 0
    bank = inv.bank(client_id)
    received = known = 0
    for f in channel.list_new(agreement.channel_customer_id):
        if f.kind not in KINDS_IMPORTED:
            continue  # pain.002 and the like are the outgoing routine's
        data = channel.download(agreement.channel_customer_id, f.file_id)
        meta = {"file_id": f.file_id, "name": f.name, "kind": f.kind}
        _, new = bank.imports.receive(data, "channel", RETRIEVAL, channel_file=meta)
        channel.acknowledge(agreement.channel_customer_id, f.file_id)
        received, known = received + int(new), known + int(not new)
    return received, known
