"""Real parallel API clients for the concurrency tests: OS processes (spawn), each with its own
gateway and Invoker running the real handlers against the one moto server of the test process
(patched by infra/local/moto_dynamodb.py there). Each process handles one request at a time, as a
Lambda instance does; the concurrency is between processes, as between Lambda instances."""

from __future__ import annotations

import multiprocessing
import os
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

WORKERS = int(os.environ.get("KP_TEST_PARALLEL_WORKERS", "6"))
_PASSED_ON = ("KP_", "AWS_", "MOTO_", "POWERTOOLS_")

Request = tuple[str, str, str, dict | None, dict]  # method, path, token, body, headers
Reply = tuple[int, Any]  # status, JSON body


@dataclass(frozen=True)
class Context:
    """What a worker needs to act like the test process: its environment, the dev issuer's key
    (to verify tokens the test issued) and the business date the test froze, if any."""

    env: tuple[tuple[str, str], ...]
    issuer_key: str
    today: date | None = None

    @classmethod
    def of_this_process(cls, issuer_key: Path, today: date | None = None) -> Context:
        env = tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith(_PASSED_ON)))
        return cls(env, str(issuer_key), today)


_gateway: Any = None
_context: Context | None = None


def _warm() -> int:
    """Import the handlers' dependencies up front, so the timed part is the requests."""
    import infra.local.gateway  # noqa: F401
    import klientportal.bootstrap  # noqa: F401

    return os.getpid()


def _enter(context: Context) -> Any:
    global _gateway, _context
    if context != _context:
        import klientportal.clock
        from infra.local import environment
        from infra.local.gateway import Gateway
        from infra.local.invoker import Invoker
        from klientportal.auth.tokens import DevIssuer

        for name in [n for n in os.environ if n.startswith(_PASSED_ON)]:
            del os.environ[name]
        os.environ.update(dict(context.env))
        environment.apply({}, log_level=os.environ.get("POWERTOOLS_LOG_LEVEL", "WARNING"))
        os.environ.update(dict(context.env))
        if context.today is not None:
            klientportal.clock.today_oslo = lambda at=None, _d=context.today: _d
        _gateway = Gateway(Invoker(), DevIssuer(Path(context.issuer_key)).verifier())
        _context = context
    return _gateway


def _run(context: Context, requests: list[Request], start_at: float) -> tuple[int, list[Reply]]:
    import json

    gateway = _enter(context)
    time.sleep(max(0.0, start_at - time.time()))  # every worker starts at the same moment
    replies = []
    for method, path, token, body, headers in requests:
        h = {"content-type": "application/json", "authorization": f"Bearer {token}", **headers}
        status, _, raw = gateway.dispatch(method, path, h, json.dumps(body).encode() if body is not None else None)
        replies.append((status, json.loads(raw) if raw else None))
    return os.getpid(), replies


@dataclass
class Outcome:
    """The replies per worker, in each worker's order, and the figures for the record."""

    replies: list[list[Reply]]
    processes: int
    seconds: float
    statuses: Counter = field(default_factory=Counter)

    def __post_init__(self) -> None:
        self.statuses = Counter(status for worker in self.replies for status, _ in worker)

    @property
    def figures(self) -> str:
        ops = sum(len(w) for w in self.replies)
        return (
            f"{self.processes} processes, {ops} requests in {self.seconds:.1f} s, "
            f"statuses {dict(sorted(self.statuses.items()))}"
        )


class Workers:
    """A pool of spawned processes, started once and reused by the tests of a module."""

    def __init__(self, n: int = WORKERS) -> None:
        self.n = n
        self.pool = ProcessPoolExecutor(max_workers=n, mp_context=multiprocessing.get_context("spawn"))
        pids = set(self.pool.map(_warm_after, [0.3] * n * 2))
        assert len(pids) == n, f"expected {n} worker processes, got {len(pids)}"

    def run(self, context: Context, per_worker: list[list[Request]]) -> Outcome:
        """Run each list of requests in its own process, all starting together."""
        assert len(per_worker) == self.n
        for f in [self.pool.submit(_enter_only, context) for _ in range(self.n * 2)]:
            f.result()
        start_at = time.time() + 0.5
        futures = [self.pool.submit(_run, context, requests, start_at) for requests in per_worker]
        results = [f.result(timeout=300) for f in futures]
        pids = {pid for pid, _ in results}
        assert len(pids) == self.n, f"requests ran in {len(pids)} processes, not {self.n}"
        return Outcome([r for _, r in results], len(pids), time.time() - start_at)

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


def _warm_after(delay: float) -> int:
    time.sleep(delay)  # hold this worker so the pool hands the next task to another process
    return _warm()


def _enter_only(context: Context) -> int:
    time.sleep(0.2)
    _enter(context)
    return os.getpid()
