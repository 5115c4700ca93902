"""Notifications of question changes on moto: each change writes the other side's notification in
the same transaction (the next audit event), lists it for that side only — a client user does not see
the admins' question notifications — and e-mails the recipients it names; a refused change writes none."""

from __future__ import annotations

from infra.local import seed
from infra.local.seed import _services
from infra.local.seed_vouchers import seed_vouchers
from klientportal.adapters import outbox
from klientportal.bootstrap import tenancy_service

CLIENT_ADMIN = "daglig@fjordkaffe.no"
CLIENT_USER = "salg@fjordkaffe.no"
ACCOUNTANT = "regnskap@byraet.no"
BASE = f"/clients/{seed.FJORD}"


def _notes(api, user: str) -> list[dict]:
    r = api.get(f"{BASE}/notifications", user=user)
    assert r.status == 200, r
    return r.json["items"]


def test_each_question_change_notifies_the_other_side_in_the_same_write(api, aws_env):
    voucher = seed_vouchers(_services(tenancy_service()))[seed.FJORD][0]
    ask = {"subject_type": "voucher", "subject_id": voucher, "title": "Hvilket prosjekt?", "text": "Se bilaget."}
    q = api.post(f"{BASE}/questions", ask, user=ACCOUNTANT).json
    [opened] = [n for n in _notes(api, CLIENT_ADMIN) if n["subject_id"] == q["id"]]
    assert (opened["kind"], opened["side"], opened["recipients"]) == ("question.opened", "client", [CLIENT_ADMIN])
    assert [n for n in _notes(api, ACCOUNTANT) if n["subject_id"] == q["id"]] == []  # not told of its own question
    assert [n for n in _notes(api, CLIENT_USER) if n["subject_id"] == q["id"]] == []  # not for a client user
    events = api.get(f"{BASE}/audit-events?limit=100", user=CLIENT_ADMIN).json["items"]
    [question_event] = [e for e in events if e["action"] == "question.opened" and q["id"] in e["key"]]
    [note_event] = [e for e in events if e["action"] == "notification.created" and opened["id"] in e["key"]]
    assert note_event["seq"] == question_event["seq"] + 1 and note_event["at"] == question_event["at"]  # one write
    assert [m for m in outbox.messages("email") if opened["id"] in (m.get("reference") or "")]

    answered = api.post(
        f"{BASE}/questions/{q['id']}/messages", {"version": q["version"], "text": "P12"}, user=CLIENT_ADMIN
    )
    assert answered.status == 200, answered
    [told] = [n for n in _notes(api, ACCOUNTANT) if n["subject_id"] == q["id"]]
    assert (told["kind"], told["side"]) == ("question.answered", "bureau")
    assert set(told["recipients"]) == {"admin@byraet.no", ACCOUNTANT}  # the admins and the assigned accountant
    sent = {m["to"] for m in outbox.messages("email") if told["id"] in (m.get("reference") or "")}
    assert sent == set(told["recipients"])

    before = len(_notes(api, CLIENT_ADMIN))
    stale = api.post(
        f"{BASE}/questions/{q['id']}/messages", {"version": q["version"], "text": "igjen"}, user=ACCOUNTANT
    )
    assert stale.status == 409
    assert len(_notes(api, CLIENT_ADMIN)) == before  # a refused change tells nobody
