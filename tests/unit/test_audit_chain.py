"""The hash chain detects any alteration, insertion, removal or reordering of audit events."""
from __future__ import annotations

import copy

from klientportal.repository.audit import GENESIS_HASH, build_event, verify_chain


def _chain(n: int) -> tuple[list[dict], dict]:
    events, prev = [], GENESIS_HASH
    for seq in range(1, n + 1):
        e = build_event(seq=seq, prev_hash=prev, at=f"2026-11-27T10:00:0{seq}.000Z", actor={"sub": "u1"},
                        action="customer.updated", entity="customer", key="CUSTOMER#1",
                        before={"name": f"v{seq - 1}"}, after={"name": f"v{seq}", "amount": "10.50"})
        events.append(e)
        prev = e["hash"]
    return events, {"seq": n, "hash": prev}


def test_an_untouched_chain_verifies():
    events, head = _chain(4)
    result = verify_chain(events, head)
    assert result.ok and result.events == 4 and result.problems == ()


def test_altered_content_is_detected():
    events, head = _chain(4)
    events[1]["after"]["amount"] = "1000.50"
    result = verify_chain(events, head)
    assert not result.ok and "event 2: content does not match its hash" in result.problems


def test_rehashed_alteration_breaks_the_next_link():
    events, head = _chain(4)
    events[1]["actor"] = {"sub": "mallory"}
    from klientportal.repository.audit import event_hash
    events[1]["hash"] = event_hash(events[1])
    result = verify_chain(events, head)
    assert not result.ok and "event 3: link to the previous event is broken" in result.problems


def test_removed_and_reordered_events_are_detected():
    events, head = _chain(4)
    assert not verify_chain(events[:2] + events[3:], head).ok
    swapped = copy.deepcopy(events)
    swapped[1], swapped[2] = swapped[2], swapped[1]
    assert not verify_chain(swapped, head).ok


def test_truncated_tail_is_detected_by_the_head():
    events, head = _chain(4)
    result = verify_chain(events[:3], head)
    assert not result.ok and any("head" in p for p in result.problems)
