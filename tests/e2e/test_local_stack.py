"""`klientportal local` as a user runs it: a real process, real HTTP on 127.0.0.1, clean stop."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from html.parser import HTMLParser
from pathlib import Path

import pytest

from functions import catalogue
from infra.local.runner import LocalStack
from tests.e2e.local_stack import local_stack
from tools import check_docs_page

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    with local_stack(tmp_path_factory.mktemp("local"), args=("--verbose",), start_timeout_s=120) as running:
        yield running


def _http(
    method: str, url: str, token: str | None = None, body: dict | None = None, headers: dict | None = None
) -> tuple[int, dict, bytes]:
    req = urllib.request.Request(url, method=method, data=json.dumps(body).encode() if body is not None else None)
    req.add_header("content-type", "application/json")
    if token:
        req.add_header("authorization", f"Bearer {token}")
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


def _cli(stack, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "infra.cli", *args],
        cwd=REPO,
        env=stack["env"],
        capture_output=True,
        text=True,
        timeout=60,
    )


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
    status, _, _ = _http(
        "POST",
        stack["url"] + "/clients/c-fjordkaffe/departments",
        token,
        {"department_number": "77", "name": "Kafé Torget"},
    )
    assert status == 201
    deadline = time.monotonic() + 120  # behind the seed's backlog on a cold stack; the endpoint never waits for it
    while time.monotonic() < deadline:
        events = json.loads(_http("GET", stack["url"] + "/_local/events")[2])["events"]
        if any(e["detail-type"] == "department.created" for e in events):
            break
        time.sleep(0.5)
    else:
        pytest.fail("department.created never reached the bus")
    verify = _cli(stack, "audit", "verify", "--client", "c-fjordkaffe")
    assert verify.returncode == 0 and json.loads(verify.stdout)["ok"] is True


class _Assets(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        attrs = dict(attrs)
        if tag in ("script", "img") and attrs.get("src"):
            self.urls.append(attrs["src"])
        if tag == "link" and attrs.get("href"):
            self.urls.append(attrs["href"])


def test_the_docs_page_uses_only_assets_served_by_the_api_itself(stack):
    status, _, body = _http("GET", stack["url"] + "/docs")
    page = body.decode()
    parser = _Assets()
    parser.feed(page)
    assert parser.urls and not re.search(r"(?:src|href)=[\"'](?:https?:)?//", page)  # no CDN, no other host
    for url in parser.urls:
        assert url.startswith("/"), url
        status, headers, data = _http("GET", stack["url"] + url)
        assert status == 200 and len(data) > 500, url
        assert headers["content-type"].split(";")[0] in ("text/javascript", "text/css", "image/png"), url
    assert _http("GET", stack["url"] + "/docs/assets/index.html")[0] == 404  # only the files the page uses


@pytest.mark.skipif(check_docs_page.find_browser() is None, reason="no Chromium (apt-get install -y chromium)")
def test_the_docs_page_renders_in_a_headless_browser_without_internet(stack):
    result = check_docs_page.check(stack["url"] + "/docs", check_docs_page.find_browser(), timeout_s=180)
    assert result.title == "Klientportal API", result.console
    assert {"/clients", "/clients/{client_id}/invoices"} <= set(result.operations)


def test_the_banner_says_where_mail_goes_and_which_origins_may_call(stack):
    banner = stack["banner"]
    assert "SMTP drop  127.0.0.1:" in banner and "KP_LOCAL_SMTP_PORT" in banner
    assert "http://localhost:5173" in banner and "/_local/outbox" in banner


def test_a_preflight_from_the_spa_dev_server_is_answered(stack):
    status, headers, _ = _http(
        "OPTIONS",
        stack["url"] + "/clients/c-fjordkaffe/invoices",
        headers={
            "Origin": "http://localhost:5173",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type",
        },
    )
    assert status == 204 and headers["access-control-allow-origin"] == "http://localhost:5173"
    token = _cli(stack, "token", "--user", "daglig@fjordkaffe.no").stdout.strip()
    status, headers, _ = _http(
        "GET", stack["url"] + "/clients/c-fjordkaffe/invoices", token, headers={"Origin": "http://localhost:5173"}
    )
    assert status == 200 and headers["access-control-allow-origin"] == "http://localhost:5173"


def test_demo_clients_have_invoices_to_try(stack):
    token = _cli(stack, "token", "--user", "regnskap@byraet.no").stdout.strip()
    status, _, body = _http("GET", stack["url"] + "/clients/c-fjordkaffe/invoices", token)
    assert status == 200 and {i["status"] for i in json.loads(body)["items"]} >= {"draft", "issued", "sent"}


def test_moving_the_clock_makes_reminders_due(stack):
    try:
        status, _, body = _http("POST", stack["url"] + "/_local/clock/+40d")
        assert status == 200 and json.loads(body)["clock"].startswith("moved to")
        status, _, body = _http("POST", stack["url"] + "/_local/schedules/invoice-reminders")
        assert status == 200 and json.loads(body)["result"]["sent"] >= 1  # the seeded sent invoices are overdue
        assert _http("POST", stack["url"] + "/_local/clock/tomorrow")[0] == 422
    finally:
        status, _, body = _http("POST", stack["url"] + "/_local/clock/real")
        assert status == 200 and json.loads(body)["clock"].startswith("real time")


def test_logs_stream_while_the_stack_runs(stack):
    _http("GET", stack["url"] + "/clients/c-fjordkaffe/products?probe=streaming")
    deadline = time.monotonic() + 10
    while not any("/clients/c-fjordkaffe/products?probe=streaming 401" in line for line in stack["lines"]):
        assert time.monotonic() < deadline, "the access log line did not arrive while the stack runs"
        time.sleep(0.1)
    assert stack["proc"].poll() is None


def test_thirty_two_parallel_clients_are_all_served(stack):
    """As a portal SPA starts: many connections at once, every one answered (none reset)."""
    token = _cli(stack, "token", "--user", "daglig@fjordkaffe.no").stdout.strip()
    results: list = []

    def one(i: int) -> None:
        path = "/clients/c-fjordkaffe/products" if i % 2 else "/openapi.json"
        try:
            results.append(_http("GET", stack["url"] + path, token)[0])
        except OSError as exc:
            results.append(repr(exc))

    threads = [threading.Thread(target=one, args=(i,)) for i in range(32)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert results == [200] * 32


def test_a_busy_port_gives_a_clear_message_not_a_traceback(stack):
    done = subprocess.run(
        [sys.executable, "-m", "infra.cli", "local", "--port", str(stack["port"])],
        cwd=REPO,
        env=stack["env"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert f"port {stack['port']} on 127.0.0.1 is already in use" in done.stderr
    assert "already running: pid" in done.stderr and "--port" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert _http("GET", stack["url"] + "/openapi.json")[0] == 200  # the running stack is untouched


def test_local_routes_are_off_when_listening_beyond_loopback():
    assert LocalStack("127.0.0.1").local_routes and LocalStack("localhost").local_routes
    assert LocalStack("::1").local_routes
    for host in ("0.0.0.0", "192.168.1.20", "::", "devbox.lan"):
        stack = LocalStack(host)
        assert not stack.local_routes and stack._local_routes() == {}
        assert "OFF" in stack._local_routes_banner() and "--expose-local-routes" in stack._local_routes_banner()
    exposed = LocalStack("0.0.0.0", expose_local_routes=True)
    assert exposed.local_routes and ("GET", "/_local/events") in exposed._local_routes()
    assert "WARNING" in exposed._local_routes_banner()


def test_ctrl_c_stops_cleanly(stack):
    proc = stack["proc"]
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=20) == 0
    assert not (Path(stack["env"]["KP_LOCAL_DIR"]) / "stack.json").exists()
