"""The attestation lists page like every other list: `limit` and a signed `cursor` bound to the list."""

from __future__ import annotations

from klientportal.bootstrap import store, tenancy_service
from klientportal.vouchers.attestation_flow import KIND
from klientportal.workflows.human_tasks import HumanTasks
from tests.functions.vouchers.conftest import ADMIN, FJORD

ATTESTER = "prosjekt@fjordkaffe.no"


def _sub(email: str) -> str:
    return next(m.sub for m in tenancy_service().repo.members("client", FJORD) if m.email == email)


def _open_steps(n: int, *, kind: str = KIND) -> list[str]:
    tasks, sub, ids = HumanTasks(store(), FJORD), _sub(ATTESTER), []
    for i in range(n):
        task_id = f"{kind[:3]}{i:03d}"
        subject = {"voucher_id": f"v{i}", "attestation_id": f"a{i}", "step": 1, "steps": 1}
        tasks.open(
            task_id, f"token-{i}", kind=kind, subject=subject, assignee=sub, assignee_email=ATTESTER, execution="x"
        )
        ids.append(task_id)
    return ids


def _all_pages(api, path: str, limit: int) -> tuple[list[str], int]:
    seen, pages, cursor = [], 0, None
    while True:
        reply = api.get(f"{path}?limit={limit}" + (f"&cursor={cursor}" if cursor else ""), user=ATTESTER)
        assert reply.status == 200, reply
        assert len(reply.json["items"]) <= limit
        seen += [t["task_id"] for t in reply.json["items"]]
        pages += 1
        cursor = reply.json.get("next_cursor")
        if not cursor:
            return seen, pages


def test_my_attestations_everywhere_pages_through_every_step_once(api):
    ids = _open_steps(7)
    _open_steps(2, kind="payment_approval")  # another kind of task in the same assignee partition
    seen, pages = _all_pages(api, "/me/attestations", 3)
    assert seen == ids and pages >= 3


def test_the_clients_attestation_list_pages_too(api):
    ids = _open_steps(5)
    seen, _ = _all_pages(api, f"/clients/{FJORD}/attestations", 2)
    assert seen == ids


def test_a_cursor_of_another_list_is_refused(api):
    _open_steps(3)
    cursor = api.get("/me/attestations?limit=1", user=ATTESTER).json["next_cursor"]
    reply = api.get(f"/clients/{FJORD}/attestations?limit=1&cursor={cursor}", user=ATTESTER)
    assert reply.status == 422 and reply.headers["content-type"].startswith("application/problem+json")
    assert api.get("/me/attestations?limit=0", user=ADMIN).status == 422
