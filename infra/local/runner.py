"""`klientportal local`: the whole backend on this machine, AWS emulated in-process by moto."""

from __future__ import annotations

import errno
import io
import ipaddress
import json
import logging
import os
import signal
import socket
import sys
import threading
import time
import uuid
import warnings
from pathlib import Path
from urllib.parse import unquote

from functions import catalogue
from infra import cors
from infra.local import environment, local_bank, moto_lambda, moto_server, resources, seed, step_up_tokens
from infra.local.gateway import Gateway, problem, serve
from infra.local.invoker import Invoker
from infra.local.pumps import Pumps
from infra.local.smtp import DEFAULT_PORT as SMTP_DEFAULT_PORT
from infra.local.smtp import start_smtp_drop
from klientportal import aws, clock
from klientportal.adapters import outbox
from klientportal.auth.tokens import DevIssuer

STATE_FILE = environment.LOCAL_DIR / "stack.json"
EXPOSE_LOCAL_ROUTES_VAR = "KP_EXPOSE_LOCAL_ROUTES"
STOP_GRACE_S = 5.0  # requests in flight, then the pumps' invocation in flight, get this long to finish
STOP_DEADLINE_S = 15.0  # from the signal: a stop (or the exit after it) not done by then ends the process
FORCED_EXIT = 1  # the exit status when the deadline ended the process
SIGNAL_POLL_S = 0.2  # how long a signal delivered to another thread may wait for the main thread


class StartupError(Exception):
    """The stack cannot start for a reason the user can fix; the message says how."""


def is_loopback(host: str) -> bool:
    """True for a loopback address or `localhost`; a name or a wildcard address is not."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_port_free(host: str, port: int, what: str, hint: str) -> None:
    """Fail early and clearly when `port` is taken (before moto and the seed take seconds)."""
    if port == 0:
        return
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the servers bind
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:
                raise StartupError(f"cannot listen on {host}:{port} for the {what}: {exc.strerror}") from None
            running = state()
            other = f" (a local stack is already running: pid {running['pid']}, {running['api']})" if running else ""
            raise StartupError(
                f"port {port} on {host} is already in use{other}; the {what} needs it.\n"
                f"Stop what uses it, or choose another port: {hint}"
            ) from None


def _json(status: int, body: object) -> tuple[int, dict, bytes]:
    return status, {"content-type": "application/json"}, json.dumps(body, ensure_ascii=False, indent=2).encode()


class LocalStack:
    """Everything `make run` starts, in start order; `stop` undoes it in reverse."""

    def __init__(
        self, host: str = "127.0.0.1", port: int = 8000, log_level: str = "WARNING", expose_local_routes: bool = False
    ) -> None:
        self.host, self.port, self.log_level = host, port, log_level
        self._stopped = False
        self.domain_events: list[dict] = []
        # /_local/* (outbox, events, firing schedules) has no authentication: loopback only, unless asked
        self.local_routes = is_loopback(host) or expose_local_routes

    def start(self) -> LocalStack:
        """Start everything; if a piece fails, stop the pieces already started, then raise."""
        try:
            return self._start()
        except BaseException:
            self.stop()
            raise

    def _start(self) -> LocalStack:
        started = time.monotonic()
        try:
            clock.describe()  # reads KP_CLOCK: a bad value stops the start, not a request later
        except clock.ClockError as exc:
            raise StartupError(str(exc)) from None
        cors_policy = cors.local_policy()
        check_port_free(
            self.host, self.port, "API", f"KP_PORT={self.port + 1} make run, or klientportal local --port N"
        )
        smtp_port = int(os.environ.get("KP_LOCAL_SMTP_PORT") or SMTP_DEFAULT_PORT)
        if os.environ.get("KP_LOCAL_SMTP_PORT"):  # unset: a taken 2525 falls back to any free port
            check_port_free(
                "127.0.0.1", smtp_port, "SMTP drop", f"KP_LOCAL_SMTP_PORT={smtp_port + 1} (0 = any free port)"
            )
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        self.moto, endpoint = moto_server.start()
        os.environ.update({"AWS_ENDPOINT_URL": endpoint, "MOTO_PORT": endpoint.rsplit(":", 1)[1]})
        os.environ.setdefault("KP_LOCAL_OUTBOX", str(environment.LOCAL_DIR / "outbox"))
        os.environ.setdefault("KP_SIM_BANK_DIR", str(environment.LOCAL_DIR / "bank"))
        environment.apply({}, log_level=self.log_level)
        self.resource_env = resources.create_all()
        environment.apply(self.resource_env, log_level=self.log_level)
        from klientportal.observability import logger

        logger.setLevel(self.log_level)  # the logger was made at import, before the environment was set
        warnings.filterwarnings("ignore", message="No application metrics to publish")
        from klientportal.bootstrap import tenancy_service

        self.invoker = Invoker()
        moto_lambda.install(self.invoker.invoke_deployed)  # state machines' Lambda tasks → the handlers
        seed.seed(tenancy_service())
        self.issuer = DevIssuer(environment.DEV_ISSUER_KEY)
        self.pumps = Pumps(self.invoker, self.resource_env)
        self.gateway = Gateway(
            self.invoker,
            self.issuer.verifier(),
            extra_routes=self._local_routes(),
            cors=cors_policy,
            body_routes=local_bank.routes() if self.local_routes else None,
        )
        self.pumps.start()
        self.smtp = start_smtp_drop(tenancy_service())  # voucher e-mail, where SES would write it
        self.http = serve(self.gateway, self.host, self.port)
        self.port = self.http.server_address[1]
        threading.Thread(target=self.http.serve_forever, name="gateway", daemon=True).start()
        self.startup_s = time.monotonic() - started
        STATE_FILE.parent.mkdir(parents=True, exist_ok=True)
        partial = STATE_FILE.with_name(f".{STATE_FILE.name}.part")
        partial.write_text(
            json.dumps({"pid": os.getpid(), "endpoint": endpoint, "api": self.url, "env": self.resource_env}, indent=2)
        )
        partial.replace(STATE_FILE)  # whole or absent, however the process ends
        return self

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def _local_routes(self) -> dict:
        """The local stack's own routes; none (404 like any unknown path) off loopback unless asked."""
        if not self.local_routes:
            return {}
        return {
            ("GET", "/_local/outbox"): self._outbox,
            ("GET", "/_local/events"): self._events,
            ("POST", "/_local/schedules/"): self._fire_schedule,
            ("GET", "/_local/jwks.json"): lambda _: _json(200, self.issuer.jwks()),
            ("GET", "/_local/clock"): lambda _: self._clock(None),
            ("POST", "/_local/clock/"): lambda rest: self._clock(unquote(rest.strip("/"))),
            ("POST", "/_local/tokens/"): lambda rest: step_up_tokens.local_route(self.issuer, rest),
        }

    def _clock(self, setting: str | None) -> tuple[int, dict, bytes]:
        """Read the clock, or move it (`real` = back to real time); see klientportal/clock.py."""
        if setting is not None:
            try:
                clock.set_clock(None if setting == "real" else setting)
            except clock.ClockError as exc:
                return problem(422, "validation", "Invalid clock setting", str(exc))
        current = clock.now()
        return _json(
            200, {"now": clock.iso(current), "today": clock.today_oslo(current).isoformat(), "clock": clock.describe()}
        )

    def _outbox(self, rest: str) -> tuple[int, dict, bytes]:
        root = outbox.outbox_dir()
        channels = sorted(p.name for p in root.iterdir()) if root.is_dir() else []
        wanted = rest.strip("/")
        return _json(200, {c: outbox.messages(c) for c in channels if not wanted or c == wanted})

    def _events(self, _: str) -> tuple[int, dict, bytes]:
        self.pumps.drain(wait=False)
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
                    event = {
                        "version": "0",
                        "id": str(uuid.uuid4()),
                        "detail-type": "Scheduled Event",
                        "source": "aws.events",
                        "account": "000000000000",
                        "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                        "region": "eu-north-1",
                        "resources": [f"arn:aws:events:eu-north-1:000000000000:rule/{name}"],
                        "detail": dict(sched.payload),
                    }
                    return _json(200, {"function": fn.name, "result": self.invoker.invoke(fn, event)})
        names = [s.name for fn in catalogue.FUNCTIONS for s in fn.schedules]
        return _json(404, {"detail": f"no schedule {name!r}", "schedules": names})

    def stop(self, grace_s: float = STOP_GRACE_S) -> None:
        """Stop what was started (all of it after a full start), without draining backlogs: the
        pumps end after their invocation in flight, the gateway takes no new connection and
        answers the requests in flight within `grace_s`; what is not delivered stays in the
        stream and the queues (moto's memory, gone with the process, as the docs say). Once only."""
        if self._stopped:
            return
        self._stopped = True
        if hasattr(self, "pumps"):
            self.pumps.request_stop()  # first: a request in flight must not wait behind a backlog
        if hasattr(self, "http") and not self.http.drain(grace_s):
            logging.getLogger("local").warning("stopping with a request still in flight after %.0f s", grace_s)
        if hasattr(self, "smtp"):
            self.smtp.stop()
        if hasattr(self, "pumps"):
            self.pumps.stop(grace_s)
        if hasattr(self, "moto"):
            self.moto.stop()
        running = state()
        if running is None or running["pid"] == os.getpid():  # not another stack's state file
            STATE_FILE.unlink(missing_ok=True)

    def _local_routes_banner(self) -> str:
        if not self.local_routes:
            return (
                f"  /_local/*  OFF: the stack listens on {self.host}, not loopback, and /_local/* (outbox,\n"
                f"             events, firing schedules) has no authentication. To serve it anyway:\n"
                f"             klientportal local --expose-local-routes (or {EXPOSE_LOCAL_ROUTES_VAR}=1)\n"
            )
        warning = (
            ""
            if is_loopback(self.host)
            else (
                f"  WARNING    /_local/* is served to anyone who reaches {self.host}:{self.port} "
                "(--expose-local-routes)\n"
            )
        )
        return (
            f"{warning}"
            f"  Outbox     {self.url}/_local/outbox   "
            '(invitations, e-mails, EHF, print jobs the simulators "sent")\n'
            f"  Events     {self.url}/_local/events   (domain events on the bus)\n"
            f"  Schedules  POST {self.url}/_local/schedules/<name>   (fire one now)\n"
            f"  Bank       POST {self.url}/_local/bank/<channel customer>/<file name>   (the bank offers a file)\n"
            f"  Move time  POST {self.url}/_local/clock/<2027-01-15 | +30d | real>\n"
        )

    def banner(self) -> str:
        users = "\n".join(f"    {u.email:<26} {u.describes}" for u in seed.USERS)
        origins = self.gateway.cors.allow_origins if self.gateway.cors else ()
        smtp = f"{self.smtp.host}:{self.smtp.port}  (voucher e-mail, as SES inbound; port: KP_LOCAL_SMTP_PORT)"
        token = "$(.venv/bin/klientportal token --user regnskap@byraet.no)"
        return f"""
Klientportal local stack is up in {self.startup_s:.1f} s (AWS emulated in-process by moto).

  API        {self.url}
  API docs   {self.url}/docs        OpenAPI: {self.url}/openapi.json
{self._local_routes_banner()}  SMTP drop  {smtp}
             {", ".join(self.smtp.addresses)}
  CORS       {", ".join(origins) or "off"}   ({cors.ORIGINS_VAR})
  Clock      {clock.describe()}

Demo bureau "Tall & Balanse Regnskap AS" ({seed.BUREAU_ID}); clients {seed.FJORD} (portal),
{seed.BYGG} (byråklient), {seed.LAKK} (byrålisens, licence pending). Demo users:
{users}

Get a token:  .venv/bin/klientportal token --user regnskap@byraet.no
Try it:       curl -H "Authorization: Bearer {token}" {self.url}/clients

Ctrl-C stops everything.
"""


def run(host: str, port: int, verbose: bool, expose_local_routes: bool = False) -> int:
    """`klientportal local`: start, print the banner, stream logs until Ctrl-C; a start that fails
    for a reason the user can fix prints that reason (exit 2), not a traceback."""
    level = "INFO" if verbose else "WARNING"
    _stream_logs(level)
    stop = _StopSignals()
    stack = LocalStack(host, port, level, expose_local_routes)
    try:
        stack.start()
        stop.up = True
    except KeyboardInterrupt:  # SIGINT or SIGTERM while starting
        stack.stop()  # start() has stopped what it had started, unless the signal came just after it
        print("stopped while starting", flush=True)
        return 0
    except StartupError as exc:
        print(f"klientportal local: {exc}", file=sys.stderr, flush=True)
        return 2
    except OSError as exc:
        if exc.errno != errno.EADDRINUSE:
            raise
        print(
            f"klientportal local: a port is already in use ({exc.strerror}); see KP_PORT and "
            "KP_LOCAL_SMTP_PORT in README.md",
            file=sys.stderr,
            flush=True,
        )
        return 2
    print(stack.banner(), flush=True)
    while not stop.requested.wait(SIGNAL_POLL_S):
        pass  # Python runs signal handlers in the main thread only: a signal that reached another
        # thread (the pumps', the gateway's) waits until this thread wakes, so it must wake
    print("stopping…", flush=True)
    started = time.monotonic()
    stack.stop()
    print(f"stopped in {time.monotonic() - started:.1f} s", flush=True)
    return 0


class _StopSignals:
    """SIGINT and SIGTERM alike, from before the start on: while starting, the first one interrupts
    the start (KeyboardInterrupt, which the start cleans up after); once up, it sets `requested`.
    Either way it arms a deadline: if the process has not ended STOP_DEADLINE_S later (a stop or an
    exit stuck on something), it ends it with FORCED_EXIT. Further signals change nothing."""

    def __init__(self) -> None:
        self.requested = threading.Event()
        self.up = False
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, self._received)
        # a parent may have started this process with them blocked (the mask survives exec): then
        # they would never arrive; threads started from here on inherit the unblocked mask
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM})

    def _received(self, signum: int, _frame: object) -> None:
        if self.requested.is_set():
            return
        self.requested.set()
        deadline = threading.Timer(STOP_DEADLINE_S, _force_exit, args=(signal.Signals(signum).name,))
        deadline.daemon = True  # it must not itself hold up an exit that does happen
        deadline.start()
        if not self.up:
            raise KeyboardInterrupt


def _force_exit(signal_name: str) -> None:
    print(
        f"klientportal local: not stopped {STOP_DEADLINE_S:.0f} s after {signal_name}; exiting anyway",
        file=sys.stderr,
        flush=True,
    )
    os._exit(FORCED_EXIT)


def _stream_logs(level: str) -> None:
    """The gateway's access log and the local pieces' logs on stderr, one line each as it happens
    (handler logs are powertools JSON on stdout, flushed per record); stdout line-buffered even
    when it is a pipe (`make run | tee`), so nothing waits for the exit."""
    if isinstance(sys.stdout, io.TextIOWrapper):
        sys.stdout.reconfigure(line_buffering=True)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    local = logging.getLogger("local")
    local.handlers[:] = [handler]
    local.setLevel(level)
    local.propagate = False


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
