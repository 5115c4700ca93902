"""Manual redelivery from parallel workers (tests/functions/parallel.py): several OS processes ask
for the same dead delivery at once; it is queued once and POSTed once."""

from __future__ import annotations

import pytest

from infra.local import seed
from infra.local.invoker import Invoker
from infra.local.pumps import Pumps
from tests.functions.parallel import Context, Workers
from tests.functions.sync.listener import Listener

ADMIN = "daglig@fjordkaffe.no"
HOOKS = f"/clients/{seed.FJORD}/webhooks"


@pytest.fixture(scope="module")
def workers():
    pool = Workers()
    yield pool
    pool.close()


def test_parallel_redelivery_queues_and_posts_once(api, aws_env, workers, tmp_path, monkeypatch):
    monkeypatch.setenv("KP_WEBHOOK_RETRY_DELAYS_S", "0")  # two attempts, then dead
    listener = Listener(statuses=[500, 500]).start()
    try:
        pumps = Pumps(Invoker(), aws_env)
        pumps.drain()
        hook = api.post(HOOKS, {"url": listener.url, "event_types": ["customer.created"]}, user=ADMIN).json
        body = {"customer_number": 61, "name": "Kunde 61 AS", "email": "k61@example.no"}
        assert api.post(f"/clients/{seed.FJORD}/customers", body, user=ADMIN).status == 201
        pumps.drain()
        [dead] = api.get(f"{HOOKS}/{hook['id']}/dead-letters", user=ADMIN).json["items"]
        assert len(listener.received) == 2

        path = f"{HOOKS}/{hook['id']}/deliveries/{dead['id']}/redelivery"
        token = api.token(ADMIN)
        outcome = workers.run(
            Context.of_this_process(tmp_path / "dev-issuer.pem"),
            [[("POST", path, token, None, {})] for _ in range(workers.n)],
        )
        print("\nredelivery:", outcome.figures)
        assert outcome.statuses[200] == 1, outcome.statuses
        assert set(outcome.statuses) <= {200, 409}, outcome.statuses
        pumps.drain()
        assert len(listener.received) == 3  # one more POST, not one per worker
        [d] = api.get(f"{HOOKS}/{hook['id']}/deliveries", user=ADMIN).json["items"]
        assert (d["status"], d["attempts"]) == ("delivered", 3)
    finally:
        listener.stop()
