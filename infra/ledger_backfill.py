"""`klientportal ledger backfill`: bring clients' data from before the ledger into it and recount
their overview counters (decisions 0812, 0813). Idempotent: a rerun books nothing and writes the
same counts. Prints one JSON line per client; exits 1 if anything was blocked (a closed period)."""

from __future__ import annotations

import json
import sys

from klientportal import aws
from klientportal.ledger.backfill import backfill
from klientportal.repository import keys
from klientportal.repository.operational import OperationalStore
from klientportal.repository.store import Actor, Store
from klientportal.settings import settings
from klientportal.sync.overview_recount import recount

ACTOR = Actor(sub="ledger-backfill", kind="system")


def every_client(store: Store) -> list[str]:
    """Every client with an audit chain (each has one from its creation), from the heads index."""
    ids = sorted({c for pk, _, _ in store.audit_heads() if (c := keys.client_of_partition(pk))})
    found = store.get_many((keys.client_pk(c), keys.CLIENT_SK) for c in ids)
    return [c for c in ids if found[(keys.client_pk(c), keys.CLIENT_SK)] is not None]


def run(clients: list[str] | None, overview: bool = True) -> int:
    """Backfill `clients` (None: every client); 0 when nothing was blocked."""
    s = settings()
    store = Store(aws.client("dynamodb"), s.main_table)
    ops = OperationalStore(aws.client("dynamodb"), s.main_table, s.idempotency_table)
    blocked = False
    for client_id in clients if clients is not None else every_client(store):
        if store.get(keys.client_pk(client_id), keys.CLIENT_SK) is None:
            print(json.dumps({"client_id": client_id, "error": "no such client"}), flush=True)
            blocked = True
            continue
        done = backfill(store, client_id, ACTOR).as_dict()
        if overview:
            counts = recount(store, ops, client_id)
            done["overview"] = {"as_of_seq": counts["as_of_seq"], "counters": sum(1 for k in counts if ":" in k)}
        blocked = blocked or bool(done["blocked"])
        print(json.dumps(done, ensure_ascii=False), flush=True)
    return 1 if blocked else 0


def main(clients: list[str] | None, overview: bool = True) -> int:
    try:
        return run(clients, overview)
    except RuntimeError as exc:  # counters kept changing: a rerun finishes the job
        print(str(exc), file=sys.stderr)
        return 2
