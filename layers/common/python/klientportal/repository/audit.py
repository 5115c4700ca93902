"""The audit trail: one hash-chained sequence of events per tenant partition.

Each event holds who, when, what and the before/after images, the previous event's hash and its
own hash over all of that. The head item (AUDIT#HEAD) holds the latest sequence number and hash;
every audited write advances it conditionally inside the same transaction as the change, so the
chain has no gaps and no forks. Altering, inserting or removing any event breaks verification.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from klientportal.repository.records import canonical_json

if TYPE_CHECKING:
    from klientportal.repository.audit_anchors import Anchor

GENESIS_HASH = "0" * 64


def event_hash(event: dict[str, Any]) -> str:
    """SHA-256 over the canonical JSON of the event without its own hash."""
    body = {k: v for k, v in event.items() if k != "hash"}
    return hashlib.sha256(canonical_json(body).encode()).hexdigest()


def build_event(
    *,
    seq: int,
    prev_hash: str,
    at: str,
    actor: dict[str, Any],
    action: str,
    entity: str,
    key: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> dict[str, Any]:
    event = {
        "seq": seq,
        "prev_hash": prev_hash,
        "at": at,
        "actor": actor,
        "action": action,
        "entity": entity,
        "key": key,
        "before": before,
        "after": after,
    }
    event["hash"] = event_hash(event)
    return event


@dataclass(frozen=True)
class ChainVerification:
    ok: bool
    events: int
    head_seq: int
    problems: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "events": self.events, "head_seq": self.head_seq, "problems": list(self.problems)}


def verify_chain(
    events: list[dict[str, Any]], head: dict[str, Any] | None, anchors: Sequence[Anchor] = ()
) -> ChainVerification:
    """Check sequence continuity, links and hashes of `events` (ordered by seq) against the head and
    against the anchors written outside the table (audit_anchors: objects with seq, hash, anchored_at):
    an anchored event that is gone means a rollback, one whose hash differs a rewrite."""
    problems: list[str] = []
    prev_hash, expected_seq = GENESIS_HASH, 1
    for event in events:
        seq = event.get("seq")
        if seq != expected_seq:
            problems.append(f"event {seq}: expected sequence number {expected_seq}")
        if event.get("prev_hash") != prev_hash:
            problems.append(f"event {seq}: link to the previous event is broken")
        if event_hash(event) != event.get("hash"):
            problems.append(f"event {seq}: content does not match its hash")
        prev_hash = event.get("hash", "")
        expected_seq = (seq if isinstance(seq, int) else expected_seq) + 1
    head_seq = int(head["seq"]) if head else 0
    head_hash = head["hash"] if head else GENESIS_HASH
    if head_seq != len(events):
        problems.append(f"head says {head_seq} events, found {len(events)}")
    if head_hash != prev_hash:
        problems.append("head hash does not match the last event")
    by_seq = {e.get("seq"): e for e in events}
    for anchor in anchors:
        anchored = by_seq.get(anchor.seq)
        if anchored is None:
            problems.append(
                f"event {anchor.seq}, anchored at {anchor.anchored_at}, is missing: the chain was rolled back"
            )
        elif anchored.get("hash") != anchor.hash:
            problems.append(
                f"event {anchor.seq} differs from its anchor of {anchor.anchored_at}: the chain was rewritten"
            )
    return ChainVerification(not problems, len(events), head_seq, tuple(problems))
