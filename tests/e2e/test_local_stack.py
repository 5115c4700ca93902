"""`klientportal local` as a user runs it: a real process, real HTTP on 127.0.0.1, clean stop."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from functions import catalogue

REPO = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    local_dir = tmp_path_factory.mktemp("local")
    env = {**os.environ, "KP_LOCAL_DIR": str(local_dir), "KP_LOCAL_OUTBOX": str(local_dir / "outbox")}
    env.pop("AWS_ENDPOINT_URL", None)
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "infra.cli", "local", "--port", str(port)], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline, lines = time.monotonic() + 90, []
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line and proc.poll() is not None:
            pytest.fail("local stack exited:\n" + "".join(lines))
        lines.append(line)
        if "Ctrl-C stops everything" in line:
            break
    else:
        proc.kill()
        pytest.fail("local stack did not come up:\n" + "".join(lines))
    yield {"url": f"http://127.0.0.1:{port}", "env": env, "proc": proc, "banner": "".join(lines)}
    if proc.poll() is None:
        proc.kill()


def _http(method: str, url: str, token: str | None = None, body: dict | None = None) -> tuple[int, dict, bytes]:
    req = urllib.request.Request(url, method=method, data=json.dumps(body).encode() if body is not None else None)
    req.add_header("content-type", "application/json")
    if token:
        req.add_header("authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


def _cli(stack, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "infra.cli", *args], cwd=REPO, env=stack["env"],
                          capture_output=True, text=True, timeout=60)


def test_banner_lists_urls_and_demo_users(stack):
    assert stack["url"] + "/docs" in stack["banner"]
    assert "regnskap@byraet.no" in stack["banner"] and "bureau_accountant" in stack["banner"]


def test_docs_and_openapi_are_served(stack):
    status, headers, body = _http("GET", stack["url"] + "/docs")
    assert status == 200 and headers["content-type"].startswith("text/html") and b"swagger-ui" in body
    status, _, body = _http("GET", stack["url"] + "/openapi.json")
    doc = json.loads(body)
    assert status == 200 and doc["openapi"].startswith("3.1")
    documented = {(m.upper(), p) for p, ops in doc["paths"].items() for m in ops}
    expected = {(r.method, r.path) for _, r in catalogue.routes() if r.action is not None}
    assert expected <= documented


def test_a_token_from_the_cli_works_over_http(stack):
    token = _cli(stack, "token", "--user", "regnskap@byraet.no").stdout.strip()
    status, _, body = _http("GET", stack["url"] + "/clients", token)
    assert status == 200 and {c["client_id"] for c in json.loads(body)["items"]} == {"c-fjordkaffe", "c-hansenbygg"}
    status, headers, body = _http("GET", stack["url"] + "/clients/c-lakkoglim", token)
    assert status == 404 and headers["content-type"] == "application/problem+json"
    assert _http("GET", stack["url"] + "/clients")[0] == 401


def test_writes_are_audited_and_published(stack):
    token = _cli(stack, "token", "--user", "daglig@fjordkaffe.no").stdout.strip()
    status, _, _ = _http("POST", stack["url"] + "/clients/c-fjordkaffe/departments", token,
                         {"department_number": "77", "name": "Kafé Torget"})
    assert status == 201
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        events = json.loads(_http("GET", stack["url"] + "/_local/events")[2])["events"]
        if any(e["detail-type"] == "department.created" for e in events):
            break
        time.sleep(0.5)
    else:
        pytest.fail("department.created never reached the bus")
    verify = _cli(stack, "audit", "verify", "--client", "c-fjordkaffe")
    assert verify.returncode == 0 and json.loads(verify.stdout)["ok"] is True


def test_ctrl_c_stops_cleanly(stack):
    proc = stack["proc"]
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=20) == 0
    assert not (Path(stack["env"]["KP_LOCAL_DIR"]) / "stack.json").exists()
