"""The hash chain detects any alteration, insertion, removal or reordering of audit events."""

from __future__ import annotations

import copy

from klientportal.repository.audit import GENESIS_HASH, build_event, verify_chain


def _chain(n: int) -> tuple[list[dict], dict]:
    events, prev = [], GENESIS_HASH
    for seq in range(1, n + 1):
        e = build_event(
            seq=seq,
            prev_hash=prev,
            at=f"2026-11-27T10:00:0{seq}.000Z",
            actor={"sub": "u1"},
            action="customer.updated",
            entity="customer",
            key="CUSTOMER#1",
            before={"name": f"v{seq - 1}"},
            after={"name": f"v{seq}", "amount": "10.50"},
        )
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


def test_a_rollback_verifies_alone_but_not_against_an_anchor():
    from klientportal.repository.audit_anchors import Anchor

    events, head = _chain(5)
    anchor = Anchor("T#c", 5, head["hash"], "2026-11-27T11:00:00.000Z")
    rolled_back = events[:3]
    rolled_head = {"seq": 3, "hash": events[2]["hash"]}
    assert verify_chain(rolled_back, rolled_head).ok
    result = verify_chain(rolled_back, rolled_head, [anchor])
    assert not result.ok and result.problems == (
        "event 5, anchored at 2026-11-27T11:00:00.000Z, is missing: the chain was rolled back",
    )
    assert verify_chain(events, head, [anchor]).ok


def test_a_rewrite_from_one_event_on_verifies_alone_but_not_against_an_anchor():
    from klientportal.repository.audit_anchors import Anchor

    events, head = _chain(5)
    anchors = [Anchor("T#c", 2, events[1]["hash"], "t1"), Anchor("T#c", 5, head["hash"], "t2")]
    forged, prev = events[:3], events[2]["hash"]
    for old in events[3:]:
        e = build_event(
            seq=old["seq"],
            prev_hash=prev,
            at=old["at"],
            actor=old["actor"],
            action=old["action"],
            entity=old["entity"],
            key=old["key"],
            before=old["before"],
            after={"name": "forged"},
        )
        forged.append(e)
        prev = e["hash"]
    forged_head = {"seq": 5, "hash": prev}
    assert verify_chain(forged, forged_head).ok
    assert verify_chain(forged, forged_head, anchors).problems == (
        "event 5 differs from its anchor of t2: the chain was rewritten",
    )
