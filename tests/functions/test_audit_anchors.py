"""The audit chain anchored outside the table (ISSUE-7 §3): a rollback of the head or a rewrite of the
chain from one event on verifies against itself, but not against the anchors in the Object-Lock bucket."""

from __future__ import annotations

import json

from functions import catalogue
from infra.cli import main as cli_main
from infra.local import seed
from infra.local.invoker import Invoker
from klientportal import aws
from klientportal.repository import keys
from klientportal.repository.audit import build_event

U = "daglig@fjordkaffe.no"
PK = keys.client_pk(seed.FJORD)


def _fire_anchor_schedule() -> dict:
    fn = catalogue.function("audit-anchors")
    assert [s.name for s in fn.schedules] == ["audit-anchors"]
    return Invoker().invoke(fn, {"detail-type": "Scheduled Event", "source": "aws.events", "detail": {}})


def _departments(api, *numbers: str) -> None:
    for n in numbers:
        assert (
            api.post(f"/clients/{seed.FJORD}/departments", {"department_number": n, "name": f"Avd {n}"}, user=U).status
            == 201
        )


def _events(table: str) -> list[dict]:
    items = aws.client("dynamodb").query(
        TableName=table,
        KeyConditionExpression="PK = :pk AND begins_with(SK, :sk)",
        ExpressionAttributeValues={":pk": {"S": PK}, ":sk": {"S": keys.AUDIT_EVENT_PREFIX}},
    )["Items"]
    return [json.loads(i["event"]["S"]) for i in items]


def _set_head(table: str, seq: int, head_hash: str) -> None:
    ddb = aws.client("dynamodb")
    item = ddb.get_item(TableName=table, Key={"PK": {"S": PK}, "SK": {"S": keys.AUDIT_HEAD_SK}})["Item"]
    item.update({"seq": {"N": str(seq)}, "hash": {"S": head_hash}})
    ddb.put_item(TableName=table, Item=item)


def _put_event(table: str, event: dict) -> None:
    aws.client("dynamodb").put_item(
        TableName=table,
        Item={
            "PK": {"S": PK},
            "SK": {"S": keys.audit_event_sk(event["seq"])},
            "entity": {"S": "audit_event"},
            "seq": {"N": str(event["seq"])},
            "event": {"S": json.dumps(event, sort_keys=True)},
        },
    )


def _verdict(api) -> dict:
    return api.get(f"/clients/{seed.FJORD}/audit-verification", user=U).json


def test_the_schedule_anchors_every_moved_head_once(api):
    _departments(api, "31")
    first = _fire_anchor_schedule()
    assert first["anchored"] >= 2 and first["behind_anchor"] == []  # the seeded chains, bureau's too
    again = _fire_anchor_schedule()
    assert again["anchored"] == 0 and again["unchanged"] == first["anchored"]
    _departments(api, "32")
    assert _fire_anchor_schedule()["anchored"] == 1
    assert _verdict(api)["ok"] is True


def test_a_rolled_back_head_is_detected_against_the_anchor(api, aws_env, capsys):
    table = aws_env["KP_TABLE_MAIN"]
    _departments(api, "41", "42")
    _fire_anchor_schedule()
    events = _events(table)
    # roll back: drop the last event and point the head at the one before; the chain is consistent again
    aws.client("dynamodb").delete_item(
        TableName=table, Key={"PK": {"S": PK}, "SK": {"S": keys.audit_event_sk(events[-1]["seq"])}}
    )
    _set_head(table, events[-2]["seq"], events[-2]["hash"])
    verdict = _verdict(api)
    assert verdict["ok"] is False
    assert any("is missing: the chain was rolled back" in p for p in verdict["problems"]), verdict
    assert [p for p in verdict["problems"] if "rolled back" not in p] == []  # only the anchor sees it
    assert cli_main(["audit", "verify", "--client", seed.FJORD, "--target", "aws"]) == 1
    assert "rolled back" in capsys.readouterr().out
    run = _fire_anchor_schedule()
    assert PK in run["behind_anchor"]  # no new, lower anchor is written over the evidence


def test_a_chain_rewritten_from_one_event_on_is_detected_against_the_anchor(api, aws_env):
    table = aws_env["KP_TABLE_MAIN"]
    _departments(api, "51", "52", "53")
    _fire_anchor_schedule()
    events = _events(table)
    start = len(events) - 2
    prev = events[start - 1]["hash"]
    for old in events[start:]:
        forged = build_event(
            seq=old["seq"],
            prev_hash=prev,
            at=old["at"],
            actor=old["actor"],
            action=old["action"],
            entity=old["entity"],
            key=old["key"],
            before=old["before"],
            after={**(old["after"] or {}), "name": "Omskrevet"},
        )
        _put_event(table, forged)
        prev = forged["hash"]
    _set_head(table, events[-1]["seq"], prev)
    verdict = _verdict(api)
    assert verdict["ok"] is False
    [problem] = verdict["problems"]  # the chain itself verifies: only the anchor shows the rewrite
    assert problem.startswith(f"event {events[-1]['seq']} differs from its anchor of ")
    assert problem.endswith(": the chain was rewritten")
