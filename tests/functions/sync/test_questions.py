"""Questions on vouchers and journal entries on moto: either side asks, the other answers with an
attachment, status moves, both sides are told by e-mail, another client's voucher is refused, and
the overview counts the open ones."""

from __future__ import annotations

import requests

from infra.local import seed
from infra.local.invoker import Invoker
from infra.local.pumps import Pumps
from infra.local.seed import _services
from infra.local.seed_vouchers import seed_vouchers
from klientportal.adapters import outbox
from klientportal.bootstrap import tenancy_service

CLIENT_ADMIN = "daglig@fjordkaffe.no"
ACCOUNTANT = "regnskap@byraet.no"
Q = f"/clients/{seed.FJORD}/questions"


def _vouchers() -> dict[str, list[str]]:
    return seed_vouchers(_services(tenancy_service()))


def _mails_to(address: str) -> list[dict]:
    return [m for m in outbox.messages("email") if m["to"] == address]


def test_a_thread_from_question_to_answer_to_close(api, aws_env):
    vouchers = _vouchers()
    voucher = vouchers[seed.FJORD][0]
    asked = api.post(
        Q,
        {"subject_type": "voucher", "subject_id": voucher, "title": "Hva gjelder dette?", "text": "Hvilket prosjekt?"},
        user=ACCOUNTANT,
    )
    assert asked.status == 201, asked
    q = asked.json
    assert (q["status"], q["opened_by_side"]) == ("open", "bureau")
    assert _mails_to(CLIENT_ADMIN), "the client is told"

    upload = api.post(
        f"/clients/{seed.FJORD}/question-uploads",
        {"files": [{"filename": "kvittering.pdf", "content_type": "application/pdf", "size": 9}]},
        user=CLIENT_ADMIN,
    )
    assert upload.status == 201, upload
    [target] = upload.json["items"]
    sent = requests.post(target["url"], data=target["fields"], files={"file": ("k.pdf", b"%PDF-1.4\n")}, timeout=10)
    assert sent.status_code in (200, 204), sent.text

    answer = api.post(
        f"{Q}/{q['id']}/messages",
        {"version": q["version"], "text": "Prosjekt 12, se vedlegg.", "attachments": [target["key"]]},
        user=CLIENT_ADMIN,
    )
    assert answer.status == 200, answer
    assert answer.json["status"] == "answered"
    assert answer.json["messages"][-1]["attachments"][0]["size"] == 9
    assert _mails_to("admin@byraet.no") and _mails_to(ACCOUNTANT), "the bureau is told"
    link = api.get(f"{Q}/{q['id']}/attachments/0", user=ACCOUNTANT)
    assert link.status == 200 and requests.get(link.json["url"], timeout=10).content == b"%PDF-1.4\n"

    assert [x["id"] for x in api.get(Q + "?status=answered", user=CLIENT_ADMIN).json["items"]] == [q["id"]]
    assert api.get(Q + "?status=open", user=CLIENT_ADMIN).json["items"] == []

    stale = api.post(f"{Q}/{q['id']}/close", {"version": q["version"]}, user=CLIENT_ADMIN)
    assert stale.status == 409
    closed = api.post(f"{Q}/{q['id']}/close", {"version": answer.json["version"]}, user=ACCOUNTANT)
    assert closed.status == 200 and closed.json["status"] == "closed"
    late = api.post(
        f"{Q}/{q['id']}/messages", {"version": closed.json["version"], "text": "Én ting til"}, user=CLIENT_ADMIN
    )
    assert late.status == 409 and late.json["type"].endswith("rule-violation")


def test_another_clients_voucher_or_a_missing_entry_is_refused_and_nothing_written(api, aws_env):
    vouchers = _vouchers()
    foreign = vouchers[seed.BYGG][0]
    for subject_type, subject_id in (("voucher", foreign), ("journal_entry", "2026-999"), ("journal_entry", "x")):
        r = api.post(
            Q, {"subject_type": subject_type, "subject_id": subject_id, "title": "?", "text": "?"}, user=CLIENT_ADMIN
        )
        assert r.status == 422 and r.headers["content-type"].startswith("application/problem+json"), r
        assert r.json["errors"][0]["field"] == "subject_id"
    forged = api.post(
        Q,
        {
            "subject_type": "voucher",
            "subject_id": vouchers[seed.FJORD][0],
            "title": "?",
            "text": "?",
            "attachments": [f"questions/{seed.BYGG}/abc-1/x.pdf"],
        },
        user=CLIENT_ADMIN,
    )
    assert forged.status == 422  # another client's upload
    # nothing written (the attestation workflow of the seeded voucher writes meanwhile: look for questions)
    trail = api.get(f"/clients/{seed.FJORD}/audit-events?limit=200", user=CLIENT_ADMIN).json["items"]
    assert [e for e in trail if e["entity"] == "question"] == []
    assert api.get(Q, user=CLIENT_ADMIN).json["items"] == []
    assert api.get(f"/clients/{seed.BYGG}/questions", user=CLIENT_ADMIN).status == 404


def test_open_questions_reach_the_overview(api, aws_env):
    vouchers = _vouchers()
    for n in range(2):
        body = {"subject_type": "voucher", "subject_id": vouchers[seed.FJORD][0], "title": f"Q{n}", "text": "?"}
        assert api.post(Q, body, user=CLIENT_ADMIN).status == 201
    Pumps(Invoker(), aws_env).drain()
    rows = {r["client_id"]: r for r in api.get("/bureau/overview", user=ACCOUNTANT).json["items"]}
    assert rows[seed.FJORD]["open_questions"] == 2
    assert rows[seed.FJORD]["vouchers"]["in_attestation"] >= 1  # the seeded voucher waiting for its attester
    assert rows[seed.FJORD]["attestations_waiting"] >= 1


def test_a_thread_too_large_for_its_item_is_a_409_not_a_500_and_nothing_written(api, aws_env):
    """A thread is one item, and its audit event carries it twice (before and after): long messages
    (10,000 characters of 4 bytes each) reach DynamoDB's 400 KB before the 200-message cap."""
    voucher = _vouchers()[seed.FJORD][0]
    long_text = "\U0001f600" * 10000
    asked = api.post(
        Q, {"subject_type": "voucher", "subject_id": voucher, "title": "Lang", "text": long_text}, user=ACCOUNTANT
    )
    assert asked.status == 201, asked
    q = asked.json
    for turn in range(12):
        who = CLIENT_ADMIN if turn % 2 == 0 else ACCOUNTANT
        r = api.post(f"{Q}/{q['id']}/messages", {"version": q["version"], "text": long_text}, user=who)
        if r.status != 200:
            break
        q = r.json
    assert r.status == 409 and r.json["type"].endswith("rule-violation"), r
    assert "new question" in r.json["detail"]
    assert len(q["messages"]) >= 3
    after = api.get(f"{Q}/{q['id']}", user=CLIENT_ADMIN).json
    assert (after["version"], len(after["messages"])) == (q["version"], len(q["messages"]))
    short = api.post(f"{Q}/{q['id']}/close", {"version": q["version"]}, user=CLIENT_ADMIN)
    assert short.status == 200 and short.json["status"] == "closed", short
