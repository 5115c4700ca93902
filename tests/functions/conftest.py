"""Handlers on moto: the whole catalogue created, demo data seeded, requests through the gateway."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from infra.local import environment, moto_contents, moto_lambda, moto_server, resources, seed
from infra.local.gateway import Gateway
from infra.local.invoker import Invoker
from klientportal import aws, clock
from klientportal.auth.tokens import DevIssuer
from klientportal.bootstrap import tenancy_service


@dataclass
class Reply:
    status: int
    headers: dict
    raw: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.raw) if self.raw else None

    def __repr__(self) -> str:
        return f"<Reply {self.status} {self.raw[:300]!r}>"


class Api:
    def __init__(self, gateway: Gateway, issuer: DevIssuer) -> None:
        self.gateway = gateway
        self.issuer = issuer

    def token(self, email: str, **kw: Any) -> str:
        return self.issuer.issue(email, **kw)

    def call(
        self,
        method: str,
        path: str,
        *,
        user: str | None = None,
        body: Any = None,
        raw: bytes | None = None,
        headers: dict | None = None,
        token: str | None = None,
    ) -> Reply:
        h = {"content-type": "application/json", **(headers or {})}
        if token or user:
            h["authorization"] = "Bearer " + (token or self.token(user))
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        return Reply(*self.gateway.dispatch(method, path, h, data))

    def get(self, path: str, **kw: Any) -> Reply:
        return self.call("GET", path, **kw)

    def post(self, path: str, body: Any = None, **kw: Any) -> Reply:
        return self.call("POST", path, body=body, **kw)

    def patch(self, path: str, body: Any = None, **kw: Any) -> Reply:
        return self.call("PATCH", path, body=body, **kw)

    def put(self, path: str, body: Any = None, **kw: Any) -> Reply:
        return self.call("PUT", path, body=body, **kw)


@pytest.fixture(scope="session")
def moto_endpoint():
    """One moto server for the session, as the local stack runs it (server mode also has the
    DynamoDB Streams API, which the decorator mode lacks), with DynamoDB's transaction semantics
    (infra/local/moto_dynamodb.py) for every test."""
    server, endpoint = moto_server.start()
    yield endpoint
    server.stop()


@dataclass
class Created:
    """The catalogue as created on this worker's moto: its env and its resource inventory."""

    env: dict[str, str] | None = None
    blueprint: str | None = None
    inventory: tuple | None = None
    seeded: Seeded | None = None


@dataclass
class Seeded:
    """The tables and the outbox right after `seed_tenancy`, and under what it ran."""

    tables: moto_contents.Snapshot
    outbox: dict[str, bytes]
    conditions: tuple
    at: datetime


SEED_FRESH_FOR = timedelta(minutes=10)


def _seed_conditions() -> tuple:
    """What the seed's result depends on besides the code: the KP_ settings (not the per-test
    outbox path) and a moved clock."""
    settings = tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith("KP_") and k != "KP_LOCAL_OUTBOX"))
    return settings, clock._offset or timedelta(0)


@pytest.fixture(scope="session")
def created(moto_endpoint) -> Created:
    return Created()


def _emptied(created: Created) -> dict[str, str] | None:
    """The created catalogue, emptied of the last test's data, if its resources are unchanged."""
    if created.env is None or moto_contents.problems() or resources.blueprint() != created.blueprint:
        return None
    if moto_contents.inventory() != created.inventory:
        return None
    moto_contents.clear()
    return created.env


@pytest.fixture
def aws_env(moto_endpoint, created, tmp_path, monkeypatch):
    """Emulated AWS with every catalogue resource and no data; yields the resource env. The
    resources are created once per worker and emptied before each test (infra/local/moto_contents.py);
    a test that changed them gets them created afresh."""
    monkeypatch.setenv("KP_LOCAL_OUTBOX", str(tmp_path / "outbox"))
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_endpoint)
    monkeypatch.setenv("MOTO_PORT", moto_endpoint.rsplit(":", 1)[1])
    for name in list(os.environ):
        if name.startswith("KP_") and name != "KP_LOCAL_OUTBOX":
            monkeypatch.delenv(name)
    environment.apply({})
    env = _emptied(created)
    if env is None:
        requests.post(f"{moto_endpoint}/moto-api/reset", timeout=10).raise_for_status()
        moto_server.configure(moto_endpoint)
        env = resources.create_all()
        created.env, created.blueprint, created.inventory = env, resources.blueprint(), moto_contents.inventory()
        created.seeded = None
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    environment.apply(env)
    yield env
    if not moto_contents.problems():
        moto_contents.stop_executions()  # while the test's env is set: its tasks end on its AWS
    aws.reset()


@pytest.fixture(scope="session")
def issuer_key(tmp_path_factory) -> bytes:
    """One RSA key per worker (generating one costs a test 80 ms)."""
    path = tmp_path_factory.mktemp("issuer") / "dev-issuer.pem"
    DevIssuer(path)
    return path.read_bytes()


@pytest.fixture
def issuer(tmp_path, issuer_key) -> DevIssuer:
    path = tmp_path / "dev-issuer.pem"
    path.write_bytes(issuer_key)
    path.chmod(0o600)
    return DevIssuer(path)


def _outbox() -> Path:
    return Path(os.environ["KP_LOCAL_OUTBOX"])


def _seed(created: Created) -> None:
    saved, conditions = created.seeded, _seed_conditions()
    now = datetime.now(UTC)
    if saved is not None and saved.conditions == conditions and now - saved.at < SEED_FRESH_FOR:
        moto_contents.restore(saved.tables)
        for name, data in saved.outbox.items():
            (_outbox() / name).parent.mkdir(parents=True, exist_ok=True)
            (_outbox() / name).write_bytes(data)
        return
    created.seeded = None
    seed.seed_tenancy(tenancy_service())
    try:
        tables = moto_contents.snapshot()
    except ValueError:
        return  # e.g. the S3 test events of a fresh catalogue: the next test keeps a copy
    box = _outbox()
    outbox = {str(p.relative_to(box)): p.read_bytes() for p in box.rglob("*") if p.is_file()} if box.exists() else {}
    created.seeded = Seeded(tables, outbox, conditions, now)


@pytest.fixture
def api(aws_env, created, issuer) -> Api:
    """The API over the demo bureau, clients and users (infra/local/seed.py `seed_tenancy`). A
    worker seeds through the service and keeps a copy of the result, which later tests get back
    (moto_contents.restore) while the catalogue, the KP_ settings and the clock are as they were
    and the copy is less than ten minutes old; any difference seeds again."""
    _seed(created)
    invoker = Invoker()
    moto_lambda.install(invoker.invoke_deployed)  # state machines' Lambda tasks → these handlers
    return Api(Gateway(invoker, issuer.verifier()), issuer)
