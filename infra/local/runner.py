"""`klientportal local`: the whole backend on this machine, AWS emulated in-process by moto."""
from __future__ import annotations

import json
import logging
import os
import signal
import threading
import time
import uuid
import warnings
from pathlib import Path

import requests
from moto.server import ThreadedMotoServer

from functions import catalogue
from infra.local import environment, resources, seed
from infra.local.gateway import Gateway, serve
from infra.local.invoker import Invoker
from infra.local.pumps import Pumps
from infra.local.smtp import start_smtp_drop
from klientportal import aws
from klientportal.adapters import outbox
from klientportal.auth.tokens import DevIssuer

STATE_FILE = environment.LOCAL_DIR / "stack.json"
MOTO_CONFIG = {"stepfunctions": {"execute_state_machine": True}, "lambda": {"use_docker": False}}


def _json(status: int, body: object) -> tuple[int, dict, bytes]:
    return status, {"content-type": "application/json"}, json.dumps(body, ensure_ascii=False, indent=2).encode()


class LocalStack:
    """Everything `make run` starts, in start order; `stop` undoes it in reverse."""

    def __init__(self, host: str = "127.0.0.1", port: int = 8000, log_level: str = "WARNING") -> None:
        self.host, self.port, self.log_level = host, port, log_level
        self.domain_events: list[dict] = []

    def start(self) -> "LocalStack":
        started = time.monotonic()
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        self.moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self.moto.start()
        _, moto_port = self.moto.get_host_and_port()
        endpoint = f"http://127.0.0.1:{moto_port}"
        os.environ.update({"AWS_ENDPOINT_URL": endpoint, "MOTO_PORT": str(moto_port)})
        os.environ.setdefault("KP_LOCAL_OUTBOX", str(environment.LOCAL_DIR / "outbox"))
        requests.post(f"{endpoint}/moto-api/config", json=MOTO_CONFIG, timeout=5).raise_for_status()
        environment.apply({}, log_level=self.log_level)
        self.resource_env = resources.create_all()
        environment.apply(self.resource_env, log_level=self.log_level)
        from klientportal.observability import logger
        logger.setLevel(self.log_level)  # the logger was made at import, before the environment was set
        warnings.filterwarnings("ignore", message="No application metrics to publish")
        from klientportal.bootstrap import tenancy_service
        seed.seed(tenancy_service())
        self.issuer = DevIssuer(environment.DEV_ISSUER_KEY)
        self.invoker = Invoker()
        self.pumps = Pumps(self.invoker, self.resource_env)
        self.gateway = Gateway(self.invoker, self.issuer.verifier(), extra_routes={
            ("GET", "/_local/outbox"): self._outbox,
            ("GET", "/_local/events"): self._events,
            ("POST", "/_local/schedules/"): self._fire_schedule,
            ("GET", "/_local/jwks.json"): lambda _: _json(200, self.issuer.jwks()),
        })
        self.pumps.start()
        self.smtp = start_smtp_drop(tenancy_service())  # voucher e-mail, where SES would write it
        self.http = serve(self.gateway, self.host, self.port)
        self.port = self.http.server_address[1]
        threading.Thread(target=self.http.serve_forever, name="gateway", daemon=True).start()
        self.startup_s = time.monotonic() - started
        STATE_FILE.parent.mkdir(parents=True, exist_ok=True)
        STATE_FILE.write_text(json.dumps({"pid": os.getpid(), "endpoint": endpoint, "api": self.url,
                                          "env": self.resource_env}, indent=2))
        return self

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def _outbox(self, rest: str) -> tuple[int, dict, bytes]:
        root = outbox.outbox_dir()
        channels = sorted(p.name for p in root.iterdir()) if root.is_dir() else []
        wanted = rest.strip("/")
        return _json(200, {c: outbox.messages(c) for c in channels if not wanted or c == wanted})

    def _events(self, _: str) -> tuple[int, dict, bytes]:
        self.pumps.drain()
        sqs = aws.client("sqs")
        url = sqs.get_queue_url(QueueName=resources.LOCAL_EVENTS_QUEUE)["QueueUrl"]
        while True:
            msgs = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages", [])
            if not msgs:
                break
            for m in msgs:
                self.domain_events.append(json.loads(m["Body"]))
                sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
        return _json(200, {"count": len(self.domain_events), "events": self.domain_events[-200:]})

    def _fire_schedule(self, name: str) -> tuple[int, dict, bytes]:
        for fn in catalogue.FUNCTIONS:
            for sched in fn.schedules:
                if sched.name == name:
                    event = {"version": "0", "id": str(uuid.uuid4()), "detail-type": "Scheduled Event",
                             "source": "aws.events", "account": "000000000000",
                             "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "region": "eu-north-1",
                             "resources": [f"arn:aws:events:eu-north-1:000000000000:rule/{name}"],
                             "detail": sched.payload}
                    return _json(200, {"function": fn.name, "result": self.invoker.invoke(fn, event)})
        names = [s.name for fn in catalogue.FUNCTIONS for s in fn.schedules]
        return _json(404, {"detail": f"no schedule {name!r}", "schedules": names})

    def stop(self) -> None:
        self.http.shutdown()
        self.http.server_close()
        self.smtp.stop()
        self.pumps.stop()
        self.moto.stop()
        STATE_FILE.unlink(missing_ok=True)

    def banner(self) -> str:
        users = "\n".join(f"    {u.email:<26} {u.describes}" for u in seed.USERS)
        return f"""
Klientportal local stack is up in {self.startup_s:.1f} s (AWS emulated in-process by moto).

  API        {self.url}
  API docs   {self.url}/docs        OpenAPI: {self.url}/openapi.json
  Outbox     {self.url}/_local/outbox   (invitations, e-mails, EHF, print jobs the simulators "sent")
  Events     {self.url}/_local/events   (domain events on the bus)
  SMTP drop  {self.smtp.host}:{self.smtp.port}  (voucher e-mail, as SES inbound; port: KP_LOCAL_SMTP_PORT)
             {", ".join(self.smtp.addresses)}

Demo bureau "Tall & Balanse Regnskap AS" ({seed.BUREAU_ID}); clients {seed.FJORD} (portal),
{seed.BYGG} (byråklient), {seed.LAKK} (byrålisens, licence pending). Demo users:
{users}

Get a token:  .venv/bin/klientportal token --user regnskap@byraet.no
Try it:       curl -H "Authorization: Bearer $(.venv/bin/klientportal token --user regnskap@byraet.no)" {self.url}/clients

Ctrl-C stops everything.
"""


def run(host: str, port: int, verbose: bool) -> int:
    stack = LocalStack(host, port, "INFO" if verbose else "WARNING").start()
    print(stack.banner(), flush=True)
    stopped = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stopped.set())
    stopped.wait()
    print("stopping…", flush=True)
    stack.stop()
    return 0


def state() -> dict | None:
    """The running local stack's state file, if a stack is running."""
    if not STATE_FILE.exists():
        return None
    data = json.loads(STATE_FILE.read_text())
    try:
        os.kill(int(data["pid"]), 0)
    except (OSError, ValueError):
        return None
    return data


def local_key_file() -> Path:
    return environment.DEV_ISSUER_KEY
