"""Audited writes on moto: the chain verifies, tampering in the table is found, events reach the bus."""

from __future__ import annotations

import json

from infra.cli import main as cli_main
from infra.local import resources, seed
from infra.local.invoker import Invoker
from infra.local.pumps import Pumps
from klientportal import aws
from klientportal.bootstrap import store
from klientportal.repository import keys


def test_every_change_is_audited_with_before_and_after(api):
    u = "daglig@fjordkaffe.no"
    api.post(f"/clients/{seed.FJORD}/departments", {"department_number": "10", "name": "Butikk"}, user=u)
    api.patch(f"/clients/{seed.FJORD}/departments/10", {"version": 1, "name": "Butikk Bryggen"}, user=u)
    events = api.get(f"/clients/{seed.FJORD}/audit-events?limit=2", user=u).json["items"]
    assert [e["action"] for e in events] == ["department.updated", "department.created"]
    assert events[0]["before"]["name"] == "Butikk" and events[0]["after"]["name"] == "Butikk Bryggen"
    assert events[0]["actor"]["email"] == u and events[0]["prev_hash"] == events[1]["hash"]
    assert api.get(f"/clients/{seed.FJORD}/audit-verification", user=u).json["ok"] is True


def test_tampering_in_the_table_is_detected(api, aws_env, capsys):
    u = "daglig@fjordkaffe.no"
    api.post(f"/clients/{seed.FJORD}/departments", {"department_number": "20", "name": "Lager"}, user=u)
    ddb = aws.client("dynamodb")
    table = aws_env["KP_TABLE_MAIN"]
    pk = keys.client_pk(seed.FJORD)
    item = ddb.get_item(TableName=table, Key={"PK": {"S": pk}, "SK": {"S": keys.audit_event_sk(1)}})["Item"]
    event = json.loads(item["event"]["S"])
    event["actor"]["sub"] = "someone-else"
    item["event"] = {"S": json.dumps(event)}
    ddb.put_item(TableName=table, Item=item)
    verdict = api.get(f"/clients/{seed.FJORD}/audit-verification", user=u).json
    assert verdict["ok"] is False and "event 1: content does not match its hash" in verdict["problems"]
    assert cli_main(["audit", "verify", "--client", seed.FJORD, "--target", "aws"]) == 1
    assert '"ok": false' in capsys.readouterr().out
    assert cli_main(["audit", "verify", "--client", seed.BYGG, "--target", "aws"]) == 0


def test_audit_events_become_domain_events_without_personal_data(api, aws_env):
    api.post(
        f"/clients/{seed.BYGG}/employees",
        {
            "employee_number": 3,
            "first_name": "Ola",
            "last_name": "Nordmann",
            "national_id": "15076500565",
            "employment_start": "2025-01-01",
        },
        user="regnskap@byraet.no",
    )
    Pumps(Invoker(), aws_env).drain()
    bodies = _received()
    events = [json.loads(b) for b in bodies]
    created = [e for e in events if e["detail-type"] == "employee.created"]
    assert len(created) == 1
    assert created[0]["source"] == "klientportal"
    assert created[0]["detail"]["tenant"] == keys.client_pk(seed.BYGG) and created[0]["detail"]["key"] == "EMPLOYEE#3"
    assert all("15076500565" not in b and "Nordmann" not in b for b in bodies)
    ids = [e["detail"]["id"] for e in events]
    assert len(ids) == len(set(ids))
    # a consumer restarted from the stream's start redelivers: the same ids, so consumers can dedupe
    Pumps(Invoker(), aws_env).drain()
    again = [json.loads(b)["detail"]["id"] for b in _received()]
    assert sorted(again) == sorted(ids)


def _received() -> list[str]:
    sqs = aws.client("sqs")
    url = sqs.get_queue_url(QueueName=resources.LOCAL_EVENTS_QUEUE)["QueueUrl"]
    bodies = []
    while msgs := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        bodies += [m["Body"] for m in msgs]
        for m in msgs:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    return bodies


def test_concurrent_writers_keep_one_unbroken_chain(api):
    import threading

    st = store()
    from klientportal.registers.models import DepartmentCreate
    from klientportal.registers.service import REGISTERS, RegisterService
    from klientportal.repository.store import Actor

    service = RegisterService(st, seed.FJORD)
    errors = []

    def write(n: int) -> None:
        try:
            service.create(
                REGISTERS["departments"],
                DepartmentCreate(department_number=str(300 + n), name=f"Avd {n}"),
                Actor(sub=f"u{n}"),
            )
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    result = st.verify_audit(keys.client_pk(seed.FJORD))
    assert result.ok, result.problems
