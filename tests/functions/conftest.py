"""Handlers on moto: the whole catalogue created, demo data seeded, requests through the gateway."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any

import pytest
import requests

from infra.local import environment, moto_lambda, moto_server, resources, seed
from infra.local.gateway import Gateway
from infra.local.invoker import Invoker
from klientportal import aws
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


@pytest.fixture
def aws_env(moto_endpoint, tmp_path, monkeypatch):
    """Emulated AWS, reset, with every catalogue resource; yields the resource env."""
    monkeypatch.setenv("KP_LOCAL_OUTBOX", str(tmp_path / "outbox"))
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_endpoint)
    monkeypatch.setenv("MOTO_PORT", moto_endpoint.rsplit(":", 1)[1])
    requests.post(f"{moto_endpoint}/moto-api/reset", timeout=10).raise_for_status()
    moto_server.configure(moto_endpoint)
    for name in list(os.environ):
        if name.startswith("KP_") and name != "KP_LOCAL_OUTBOX":
            monkeypatch.delenv(name)
    environment.apply({})
    env = resources.create_all()
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    environment.apply(env)
    yield env
    aws.reset()


@pytest.fixture
def issuer(tmp_path) -> DevIssuer:
    return DevIssuer(tmp_path / "dev-issuer.pem")


@pytest.fixture
def api(aws_env, issuer) -> Api:
    """The API over the demo bureau, clients and users (infra/local/seed.py `seed_tenancy`)."""
    seed.seed_tenancy(tenancy_service())
    invoker = Invoker()
    moto_lambda.install(invoker.invoke_deployed)  # state machines' Lambda tasks → these handlers
    return Api(Gateway(invoker, issuer.verifier()), issuer)
