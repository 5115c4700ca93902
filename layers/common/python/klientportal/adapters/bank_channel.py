"""The bank channel: files to and from the client's bank, as a bank's host-to-host or corporate
file API offers them.

The shape every such channel has (SFTP host-to-host: an outbound folder, files removed or moved
once fetched, an inbound folder for payment files; the banks' corporate file APIs: list, download,
acknowledge, upload):

- `list_new(customer)`: the files the bank has made available and we have not acknowledged, with
  the bank's own id, name, kind and size. A file stays listed until it is acknowledged, so a
  retrieval that crashed after the download lists it again (the import is idempotent on content).
- `download(customer, file_id)`: the bytes, unaltered.
- `acknowledge(customer, file_id)`: tell the bank the file is safely stored; acknowledging an
  acknowledged file is harmless (the ack may be retried).
- `upload(customer, name, data)`: an outgoing file (pain.001); the bank's id of the received file.

`customer` is the client's id at the bank (the agreement's `channel_customer_id`).

`HttpBankChannel` is the shape of a corporate file API over HTTPS (not contracted: no bank, no
certificates here). `SimulatedBankChannel` is the LOCAL SIMULATOR: a folder per customer
(`KP_SIM_BANK_DIR`, default `.local/bank`) whose `outbound/` holds what the bank offers; files
are put there by hand, by the local stack's `/_local/bank/...` call, by the demo seed, or by the
simulator itself (`offer`, used for answers to uploads); acknowledged files move to
`outbound/acknowledged/`; uploads land in `inbound/` and in the outbox (channel "bank").
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from klientportal.adapters import outbox

#: What a bank says a file is (the listing's file type); `other` for anything else.
KINDS = ("ocr", "camt.053", "camt.054", "pain.002", "other")
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,120}$")


class BankChannelError(Exception):
    """The channel refused or failed a request (unknown file, refused upload, unreachable)."""


class UnknownFile(BankChannelError):
    """No such file on the channel for this customer."""


@dataclass(frozen=True)
class RemoteFile:
    file_id: str  # the bank's id of the file (stable while it is listed)
    name: str
    kind: str  # one of KINDS, as the bank lists it
    size: int
    created: datetime | None


class BankChannel(Protocol):
    def list_new(self, customer: str) -> list[RemoteFile]: ...

    def download(self, customer: str, file_id: str) -> bytes: ...

    def acknowledge(self, customer: str, file_id: str) -> None: ...

    def upload(self, customer: str, name: str, data: bytes) -> str: ...


def kind_of(name: str, head: bytes) -> str:
    """The kind of a file from its first bytes (what a bank's listing would say)."""
    text = head[:4096]
    if text.startswith(b"NY000010"):
        return "ocr"
    for marker, kind in (
        (b"camt.053", "camt.053"),
        (b"camt.054", "camt.054"),
        (b"pain.002", "pain.002"),
    ):
        if marker in text:
            return kind
    return "other"


class HttpBankChannel:
    """A bank's corporate file API over HTTPS (base URL and token from the environment):
    GET /customers/{c}/files?status=new, GET /customers/{c}/files/{id}, POST .../{id}/acknowledgement,
    POST /customers/{c}/files. Not contracted with a bank; mutual TLS and signing left to the bank's spec."""

    def __init__(self, base_url: str | None = None, token: str | None = None) -> None:
        self.base_url = base_url or os.environ.get("KP_BANK_CHANNEL_URL", "")
        self.token = token or os.environ.get("KP_BANK_CHANNEL_TOKEN", "")

    def _request(self, method: str, path: str, body: bytes | None = None) -> bytes:
        import urllib.error
        import urllib.request

        if not self.base_url:
            raise BankChannelError("KP_BANK_CHANNEL_URL is not configured")
        req = urllib.request.Request(
            self.base_url + path,
            data=body,
            method=method,
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/octet-stream"},
        )
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                data: bytes = resp.read()
                return data
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                raise UnknownFile(path) from exc
            raise BankChannelError(f"{method} {path}: HTTP {exc.code}") from exc

    def list_new(self, customer: str) -> list[RemoteFile]:
        listed: list[dict[str, Any]] = json.loads(self._request("GET", f"/customers/{customer}/files?status=new"))
        return [
            RemoteFile(
                str(f["id"]),
                str(f["name"]),
                str(f.get("type", "other")) if f.get("type") in KINDS else "other",
                int(f.get("size", 0)),
                datetime.fromisoformat(f["created"]) if f.get("created") else None,
            )
            for f in listed
        ]

    def download(self, customer: str, file_id: str) -> bytes:
        return self._request("GET", f"/customers/{customer}/files/{file_id}")

    def acknowledge(self, customer: str, file_id: str) -> None:
        self._request("POST", f"/customers/{customer}/files/{file_id}/acknowledgement", b"")

    def upload(self, customer: str, name: str, data: bytes) -> str:
        answer: dict[str, Any] = json.loads(self._request("POST", f"/customers/{customer}/files?name={name}", data))
        return str(answer["id"])


def simulator_dir() -> Path:
    return Path(os.environ.get("KP_SIM_BANK_DIR", ".local/bank"))


def _customer_dir(customer: str) -> Path:
    if not _SAFE_NAME.match(customer):
        raise BankChannelError(f"not a channel customer id: {customer!r}")
    return simulator_dir() / customer


def _file_id(path: Path) -> str:
    """The simulator's file id: the name and a digest of the content (stable while listed)."""
    return f"{path.name}.{hashlib.sha256(path.read_bytes()).hexdigest()[:12]}"


class SimulatedBankChannel:
    """LOCAL SIMULATOR of a bank's file channel, fed from a folder (see the module docstring)."""

    def outbound(self, customer: str) -> Path:
        return _customer_dir(customer) / "outbound"

    def list_new(self, customer: str) -> list[RemoteFile]:
        folder = self.outbound(customer)
        if not folder.is_dir():
            return []
        files = []
        for path in sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")):
            data = path.read_bytes()
            created = datetime.fromtimestamp(path.stat().st_mtime, UTC)
            files.append(RemoteFile(_file_id(path), path.name, kind_of(path.name, data), len(data), created))
        return files

    def _find(self, customer: str, file_id: str) -> Path | None:
        name = file_id.rsplit(".", 1)[0]
        path = self.outbound(customer) / name
        if _SAFE_NAME.match(name) and path.is_file() and _file_id(path) == file_id:
            return path
        return None

    def download(self, customer: str, file_id: str) -> bytes:
        path = self._find(customer, file_id)
        if path is None:
            raise UnknownFile(f"no file {file_id} for {customer}")
        return path.read_bytes()

    def acknowledge(self, customer: str, file_id: str) -> None:
        path = self._find(customer, file_id)
        done = self.outbound(customer) / "acknowledged"
        if path is None:
            before = done / file_id.rsplit(".", 1)[0]
            if before.is_file() and _file_id(before) == file_id:
                return  # acknowledged before: harmless
            raise UnknownFile(f"no file {file_id} for {customer}")
        done.mkdir(parents=True, exist_ok=True)
        path.replace(done / path.name)

    def upload(self, customer: str, name: str, data: bytes) -> str:
        if not _SAFE_NAME.match(name):
            raise BankChannelError(f"the bank refuses the file name {name!r}")
        folder = _customer_dir(customer) / "inbound"
        folder.mkdir(parents=True, exist_ok=True)
        received = f"sim-bank-{hashlib.sha256(data).hexdigest()[:16]}"
        partial = folder / f".{name}.part"
        partial.write_bytes(data)
        partial.replace(folder / name)  # appears whole, never half-written
        outbox.deliver("bank", {"action": "upload", "customer": customer, "name": name, "received_id": received})
        return received

    def offer(self, customer: str, name: str, data: bytes) -> RemoteFile:
        """Make a file available to us, as the bank does (the local `/_local/bank` call, the seed,
        the simulator's own answers). The same name with other content is refused, as banks never
        reuse a file name."""
        if not _SAFE_NAME.match(name):
            raise BankChannelError(f"not a file name the bank would use: {name!r}")
        folder = self.outbound(customer)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / name
        if path.exists() and path.read_bytes() != data:
            raise BankChannelError(f"{name} is already offered with other content")
        tmp = folder / f".{name}.part"
        tmp.write_bytes(data)
        tmp.replace(path)  # appears whole, never half-written
        created = datetime.fromtimestamp(path.stat().st_mtime, UTC)
        return RemoteFile(_file_id(path), name, kind_of(name, data), len(data), created)


def bank_channel(mode: str) -> BankChannel:
    """The real channel in AWS (`KP_DELIVERY_MODE=aws`), the simulator otherwise."""
    return HttpBankChannel() if mode == "aws" else SimulatedBankChannel()
