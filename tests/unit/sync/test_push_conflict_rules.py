"""The push API's conflict rules (docs/sync.md) on an in-memory store: every row of the table."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from klientportal.errors import AlreadyExists, InvalidInput, StaleVersion
from klientportal.repository.records import Record
from klientportal.repository.store import SYSTEM, Change
from klientportal.sync.push import Push, SyncConflict


class MemoryStore:
    """What Push uses of Store: get, get_many and an all-or-nothing, version-checked write."""

    def __init__(self) -> None:
        self.items: dict[tuple[str, str], Record] = {}
        self.writes = 0

    def get(self, pk: str, sk: str) -> Record | None:
        return self.items.get((pk, sk))

    def get_many(self, keys: Any) -> dict[tuple[str, str], Record | None]:
        return {k: self.items.get(k) for k in keys}

    def write(self, audit_pk: str, changes: list[Change], actor: Any) -> list[Record]:
        for c in changes:
            held = self.items.get((c.record.pk, c.record.sk))
            if c.before is None and held is not None:
                raise AlreadyExists("exists")
            if c.before is not None and (held is None or held.version != c.before.version):
                raise StaleVersion("stale")
        out = []
        for c in changes:
            assert c.after is not None
            after = replace(c.after, version=(c.before.version if c.before else 0) + 1)
            self.items[(after.pk, after.sk)] = after
            out.append(after)
        self.writes += 1
        return out


def dept(name: str, number: str = "10") -> dict[str, Any]:
    return {"department_number": number, "name": name}


@pytest.fixture
def push() -> tuple[Push, MemoryStore]:
    st = MemoryStore()
    return Push(st, "c-1", SYSTEM), st  # a Store in all Push uses of it


def test_new_item_is_created_and_linked_both_ways(push):
    p, st = push
    result = p.master_data("departments", "e1", None, dept("Butikk"))
    assert (result.outcome, result.record.version) == ("created", 1)
    assert st.get("T#c-1", "SYNCEXT#departments#e1").data["local_sk"] == result.record.sk
    assert st.get("T#c-1", "SYNCLOCAL#" + result.record.sk).data["external_id"] == "e1"


def test_rule_1_same_content_writes_nothing_whatever_the_base(push):
    p, st = push
    p.master_data("departments", "e1", None, dept("Butikk"))
    writes = st.writes
    assert p.master_data("departments", "e1", None, dept("Butikk")).outcome == "unchanged"
    assert p.master_data("departments", "e1", 1, dept("Butikk")).outcome == "unchanged"
    assert st.writes == writes


def test_rule_2_a_new_item_needs_a_null_base(push):
    p, st = push
    with pytest.raises(InvalidInput):
        p.master_data("departments", "e1", 3, dept("Butikk"))
    assert st.items == {}


def test_rule_3_an_item_made_in_the_portal_is_taken_over_from_its_version_only(push):
    p, st = push
    made = Record("T#c-1", "DEPARTMENT#10", "department", {"department_number": "10", "name": "Lager", "active": True})
    st.items[(made.pk, made.sk)] = replace(made, version=2)
    with pytest.raises(SyncConflict) as err:
        p.master_data("departments", "e1", None, dept("Lageret"))
    assert err.value.extra["current_version"] == 2 and err.value.extra["current"]["name"] == "Lager"
    with pytest.raises(SyncConflict):
        p.master_data("departments", "e1", 1, dept("Lageret"))
    assert p.master_data("departments", "e1", 2, dept("Lageret")).outcome == "updated"


def test_rule_4_and_5_a_matching_base_updates_an_older_one_conflicts(push):
    p, st = push
    p.master_data("departments", "e1", None, dept("A"))
    assert p.master_data("departments", "e1", 1, dept("B")).record.version == 2
    before = dict(st.items)
    with pytest.raises(SyncConflict) as err:
        p.master_data("departments", "e1", 1, dept("C"))  # based on 1, the portal is at 2
    assert err.value.extra == {
        "your_base_version": 1,
        "current_version": 2,
        "current": st.items[("T#c-1", "DEPARTMENT#10")].data,
    }
    assert st.items == before  # nothing written


def test_rule_6_a_base_the_portal_never_had(push):
    p, _ = push
    p.master_data("departments", "e1", None, dept("A"))
    with pytest.raises(InvalidInput):
        p.master_data("departments", "e1", 5, dept("B"))


def test_rule_7_links_are_one_to_one_and_keep_their_number(push):
    p, _ = push
    p.master_data("departments", "e1", None, dept("A"))
    with pytest.raises(InvalidInput):
        p.master_data("departments", "e1", 1, dept("A", number="11"))
    with pytest.raises(SyncConflict):
        p.master_data("departments", "e2", 1, dept("B"))


def test_bad_items_are_refused_before_any_read(push):
    p, st = push
    with pytest.raises(InvalidInput) as err:
        p.master_data("vat-codes", "v1", None, {"code": "H", "standard_code": "77", "description": "x"})
    assert err.value.errors[0].field == "data.standard_code"
    with pytest.raises(InvalidInput):
        p.master_data(
            "accounts", "a1", None, {"number": "1920", "name": "Bank", "type": "asset", "standard_account_id": "1920"}
        )
    assert st.items == {}
