"""Send a payment batch to the bank at most once (decision 0605): build its pain.001, store it in the
documents bucket exactly as it will be sent, claim the upload (a conditional create), then upload
through the bank channel. Only the claim's writer calls the channel."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from klientportal import clock
from klientportal.adapters.bank_channel import BankChannel, BankChannelError
from klientportal.bank import outgoing
from klientportal.bank.agreements import Agreements
from klientportal.errors import AlreadyExists
from klientportal.repository import keys
from klientportal.repository.records import Record
from klientportal.repository.store import Actor, Store

BANK_ROUTINE = Actor(sub="bank-outgoing", kind="system")


@dataclass(frozen=True, slots=True)
class SendOutcome:
    """`uploaded` (now), `already-uploaded`, `in-doubt` (a claim without an answer: never resent by
    itself), `upload-failed` (the bank refused the upload) or `refused` (no bank agreement, or no
    valid pain.001 can be made); after the last two the batch is reported rejected with the reason."""

    outcome: str
    batch_id: str
    bank_file_id: str | None = None


class BatchSender:
    def __init__(self, store: Store, s3: Any, bucket: str, channel: BankChannel, client_id: str) -> None:
        self.store, self.s3, self.bucket, self.channel = store, s3, bucket, channel
        self.client_id, self.pk = client_id, keys.client_pk(client_id)

    def _claim(self, batch_id: str) -> Record | None:
        return self.store.get(self.pk, outgoing.outgoing_sk(batch_id))

    def _known(self, claim: Record) -> SendOutcome:
        state = claim.data["status"]
        mapping = {"uploaded": "already-uploaded", "uploading": "in-doubt", "upload_failed": "upload-failed"}
        return SendOutcome(mapping[state], claim.data["batch_id"], claim.data.get("bank_file_id"))

    def debtor(self) -> tuple[outgoing.Debtor, str]:
        """(who pays, the client's id on the bank channel) from the client and its bank agreement."""
        client = self.store.get(self.pk, keys.CLIENT_SK)
        agreement = Agreements(self.store, self.client_id).agreement()
        if client is None or agreement is None:
            raise outgoing.NoAgreement("the client has no bank agreement with a bank account")
        debtor = outgoing.Debtor(
            name=str(client.data["name"]),
            account=str(agreement.accounts[0].account),
            organisation_number=client.data.get("orgnr"),
        )
        return debtor, agreement.channel_customer_id

    def send(self, batch_id: str, content_hash: str) -> SendOutcome:
        claim = self._claim(batch_id)
        if claim is not None:
            return self._known(claim)
        batch = self.store.get(self.pk, keys.payment_batch_sk(batch_id))
        if batch is None:
            raise outgoing.NotSendable(f"no payment batch {batch_id}")
        if batch.data.get("content_hash") != content_hash:
            raise outgoing.NotSendable("the message's content hash is not the batch's: nothing is sent")
        from klientportal.formats.bank.pain001 import Pain001Error  # the file is built on sending only

        try:
            debtor, customer = self.debtor()
            data, digest = outgoing.build_for_batch(batch.data, debtor, content_hash)
        except (outgoing.NoAgreement, Pain001Error) as exc:  # no retry can help: the lines go back with the reason
            self._rejected(batch_id, batch.data, f"not sent to the bank: {exc}")
            return SendOutcome("refused", batch_id)
        key = outgoing.s3_key(self.client_id, batch_id)
        self.s3.put_object(
            Bucket=self.bucket, Key=key, Body=data, ContentType="application/xml", Metadata={"sha256": digest}
        )
        name = outgoing.file_name(batch_id)
        intent = {
            "batch_id": batch_id,
            "status": "uploading",
            "sha256": digest,
            "s3_key": key,
            "file_name": name,
            "customer": customer,
            "claimed_at": clock.iso(clock.now()),
            "line_count": len(batch.data["lines"]),
        }
        try:
            claim = self.store.create(
                Record(self.pk, outgoing.outgoing_sk(batch_id), "bank_outgoing", intent),
                BANK_ROUTINE,
                "bank_outgoing.claimed",
            )
        except AlreadyExists:
            again = self._claim(batch_id)
            assert again is not None
            return self._known(again)
        try:
            received = self.channel.upload(customer, name, data)
        except BankChannelError as exc:
            self.store.replace(
                claim,
                {**claim.data, "status": "upload_failed", "reason": str(exc)},
                BANK_ROUTINE,
                "bank_outgoing.failed",
            )
            from klientportal.payments import bank_status

            lines = [
                {"voucher_id": x["voucher_id"], "status": "rejected", "reason": f"the bank refused the file: {exc}"}
                for x in batch.data["lines"]
            ]
            bank_status.report(self.store, self.client_id, batch_id, "rejected", lines)
            return SendOutcome("upload-failed", batch_id)
        done = {**claim.data, "status": "uploaded", "bank_file_id": received, "uploaded_at": clock.iso(clock.now())}
        self.store.replace(claim, done, BANK_ROUTINE, "bank_outgoing.uploaded")
        return SendOutcome("uploaded", batch_id, received)

    def _rejected(self, batch_id: str, batch: dict[str, Any], reason: str) -> None:
        from klientportal.payments import bank_status

        lines = [{"voucher_id": x["voucher_id"], "status": "rejected", "reason": reason} for x in batch["lines"]]
        bank_status.report(self.store, self.client_id, batch_id, "rejected", lines)

    def sent_file(self, batch_id: str) -> bytes | None:
        """The exact pain.001 sent for the batch (None when none was sent)."""
        claim = self._claim(batch_id)
        if claim is None or claim.data["status"] != "uploaded":
            return None
        body = self.s3.get_object(Bucket=self.bucket, Key=claim.data["s3_key"])["Body"].read()
        return bytes(body)
