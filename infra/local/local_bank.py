"""The local stack's `/_local/bank/...` call: the bank simulator offers a file to a client's channel
(as a bank makes a file available), e.g. `curl --data-binary @ocr.txt
http://127.0.0.1:8000/_local/bank/fjordkaffe-dnb/OCR-0001.txt`. The next run of the bank-retrieval
schedule (`POST /_local/schedules/bank-retrieval`) fetches it. `GET /_local/bank/<customer>` lists
what the simulator holds for that customer."""

from __future__ import annotations

import json
from collections.abc import Callable

from klientportal.adapters.bank_channel import BankChannelError, SimulatedBankChannel

Handler = Callable[[str, bytes], tuple[int, dict, bytes]]


def _json(status: int, body: object) -> tuple[int, dict, bytes]:
    return status, {"content-type": "application/json"}, json.dumps(body, ensure_ascii=False, indent=2).encode()


def offer(rest: str, body: bytes) -> tuple[int, dict, bytes]:
    parts = rest.strip("/").split("/")
    if len(parts) != 2 or not body:
        return _json(422, {"detail": "POST /_local/bank/<channel customer>/<file name> with the file as the body"})
    try:
        f = SimulatedBankChannel().offer(parts[0], parts[1], body)
    except BankChannelError as exc:
        return _json(409, {"detail": str(exc)})
    return _json(201, {"file_id": f.file_id, "name": f.name, "kind": f.kind, "size": f.size})


def listing(rest: str, body: bytes) -> tuple[int, dict, bytes]:
    customer = rest.strip("/")
    try:
        files = SimulatedBankChannel().list_new(customer)
    except BankChannelError as exc:
        return _json(422, {"detail": str(exc)})
    return _json(
        200, {"customer": customer, "new": [{"file_id": f.file_id, "name": f.name, "kind": f.kind} for f in files]}
    )


def routes() -> dict[tuple[str, str], Handler]:
    return {("POST", "/_local/bank/"): offer, ("GET", "/_local/bank/"): listing}
