"""The approval rule of a payment batch, pure: who may add an approval, and when the batch is approved.

- One approval is needed up to the client's threshold, two different people above it.
- The creator never approves alone: with one approval needed, the creator's approval is refused
  (another person approves); with two, the creator may be one of them.
- Only approvals of the batch's current content hash count; a person approves a content once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from klientportal.errors import RuleViolation


class AlreadyApproved(RuleViolation):
    slug, title = "already-approved", "You have approved this batch already"


class CreatorAlone(RuleViolation):
    slug, title = "creator-approves-alone", "The creator of a batch cannot approve it alone"


class HashMismatch(RuleViolation):
    slug, title = "content-hash-mismatch", "The batch is not the one you saw"


def required_approvals(total_ore: int, threshold_ore: int) -> int:
    return 2 if total_ore > threshold_ore else 1


def counting(approvals: Sequence[Mapping[str, Any]], current_hash: str) -> list[Mapping[str, Any]]:
    """The approvals of the current content, one per person (the first)."""
    seen: set[str] = set()
    out = []
    for a in approvals:
        if a["content_hash"] == current_hash and a["sub"] not in seen:
            seen.add(a["sub"])
            out.append(a)
    return out


def check_approval(
    *,
    approver: str,
    seen_hash: str,
    current_hash: str,
    creator: str,
    approvals: Sequence[Mapping[str, Any]],
    required: int,
) -> None:
    """Raise the refusal for adding `approver`'s approval of `seen_hash`, if any."""
    if seen_hash != current_hash:
        raise HashMismatch(
            "the batch changed after you saw it: review it again and approve its current content",
            extra={"content_hash": current_hash},
        )
    valid = counting(approvals, current_hash)
    if any(a["sub"] == approver for a in valid):
        raise AlreadyApproved("you have approved this content of the batch already")
    others = [a for a in valid if a["sub"] != creator]
    if approver == creator and required - len(valid) <= 1 and not others:
        raise CreatorAlone(
            "you made this batch; another person with the payment right must approve it"
            + (" (with you, two approvals are needed)" if required > 1 else ""),
            extra={"required_approvals": required},
        )


def is_approved(approvals: Sequence[Mapping[str, Any]], current_hash: str, creator: str, required: int) -> bool:
    valid = counting(approvals, current_hash)
    return len(valid) >= required and any(a["sub"] != creator for a in valid)
