"""Anchors of the audit chains outside the table: each chain's head hash written to the Object-Lock
bucket, so that someone able to write the table cannot roll a chain back or rewrite it unnoticed.

An anchor is `audit-anchors/<kind>/<id>/<inverted seq>.json` = {"chain", "seq", "hash", "anchored_at"} in
the vouchers bucket (COMPLIANCE retention: no one can delete or shorten it; a second version of a key
is kept beside the first and both are checked). The inverted sequence number (10^12 - seq) makes the
newest anchor the first key of a listing. `verify_chain` compares every anchor with the chain.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from klientportal.repository import keys

PREFIX = "audit-anchors/"
_SEQ_SPAN = 10**12
HEAD_SHARDS = 16


def heads_gsi(audit_pk: str) -> str:
    """GSI1 partition listing audit heads (sharded, so the head writes do not share one hot partition)."""
    shard = int(hashlib.sha256(audit_pk.encode()).hexdigest(), 16) % HEAD_SHARDS
    return f"{keys.AUDIT_HEADS_GSI}{shard:02d}"


def all_heads_gsi() -> list[str]:
    return [f"{keys.AUDIT_HEADS_GSI}{shard:02d}" for shard in range(HEAD_SHARDS)]


def _chain_prefix(audit_pk: str) -> str:
    return PREFIX + audit_pk.replace("#", "/") + "/"


def anchor_key(audit_pk: str, seq: int) -> str:
    return f"{_chain_prefix(audit_pk)}{_SEQ_SPAN - seq:012d}.json"


@dataclass(frozen=True)
class Anchor:
    chain: str
    seq: int
    hash: str
    anchored_at: str


class AnchorStore:
    """The anchors in the Object-Lock bucket."""

    def __init__(self, s3: Any, bucket: str) -> None:
        self._s3 = s3
        self._bucket = bucket

    def latest(self, audit_pk: str) -> Anchor | None:
        resp = self._s3.list_objects_v2(Bucket=self._bucket, Prefix=_chain_prefix(audit_pk), MaxKeys=1)
        contents = resp.get("Contents") or []
        return self._read(contents[0]["Key"]) if contents else None

    def all(self, audit_pk: str) -> list[Anchor]:
        """Every anchor of the chain, every version of every key, oldest sequence number first."""
        out: list[Anchor] = []
        for page in self._s3.get_paginator("list_object_versions").paginate(
            Bucket=self._bucket, Prefix=_chain_prefix(audit_pk)
        ):
            for version in page.get("Versions", []):
                out.append(self._read(version["Key"], version["VersionId"]))
        return sorted(out, key=lambda a: (a.seq, a.anchored_at))

    def write(self, audit_pk: str, seq: int, head_hash: str, at: str) -> Anchor:
        anchor = Anchor(audit_pk, seq, head_hash, at)
        body = json.dumps(anchor.__dict__, sort_keys=True).encode()
        self._s3.put_object(
            Bucket=self._bucket,
            Key=anchor_key(audit_pk, seq),
            Body=body,
            ContentType="application/json",
            ChecksumAlgorithm="SHA256",
        )
        return anchor

    def _read(self, key: str, version_id: str | None = None) -> Anchor:
        args = {"Bucket": self._bucket, "Key": key, **({"VersionId": version_id} if version_id else {})}
        data = json.loads(self._s3.get_object(**args)["Body"].read())
        return Anchor(str(data["chain"]), int(data["seq"]), str(data["hash"]), str(data["anchored_at"]))


@dataclass(frozen=True)
class AnchorRun:
    anchored: int
    unchanged: int
    behind_anchor: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {"anchored": self.anchored, "unchanged": self.unchanged, "behind_anchor": list(self.behind_anchor)}


def anchor_heads(heads: list[tuple[str, int, str]], anchors: AnchorStore, at: str) -> AnchorRun:
    """Write an anchor for every chain (pk, seq, hash) whose head moved past its latest anchor. A head
    behind its latest anchor (rolled back) gets no new anchor; it is reported."""
    anchored, unchanged, behind = 0, 0, []
    for audit_pk, seq, head_hash in heads:
        latest = anchors.latest(audit_pk)
        if latest is not None and latest.seq == seq and latest.hash == head_hash:
            unchanged += 1
        elif latest is not None and latest.seq >= seq:
            behind.append(audit_pk)
        else:
            anchors.write(audit_pk, seq, head_hash, at)
            anchored += 1
    return AnchorRun(anchored, unchanged, tuple(behind))
