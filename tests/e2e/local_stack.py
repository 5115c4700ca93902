"""One `klientportal local` process for an end-to-end test: started with its own state folder and
port, waited for until its banner says it serves, stopped afterwards."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
READY = "Ctrl-C stops everything"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def stack_env(local_dir: Path, env: dict[str, str] | None = None) -> dict[str, str]:
    """The environment a test's stack runs with: its own state folder, any free SMTP port, this
    worktree's code; the caller's AWS endpoint, clock and CORS settings dropped unless `env` sets them."""
    full = {
        **os.environ,
        "KP_LOCAL_DIR": str(local_dir),
        "KP_LOCAL_OUTBOX": str(local_dir / "outbox"),
        "KP_LOCAL_SMTP_PORT": "0",
        "PYTHONPATH": os.pathsep.join([str(REPO), str(REPO / "layers" / "common" / "python")]),
    }
    for name in ("AWS_ENDPOINT_URL", "KP_CLOCK", "KP_CORS_ORIGINS"):
        full.pop(name, None)
    full.update(env or {})
    return full


@contextmanager
def local_stack(
    local_dir: Path,
    port: int | None = None,
    env: dict[str, str] | None = None,
    args: tuple[str, ...] = (),
    start_timeout_s: float = 180,
    preexec_fn: Callable[[], object] | None = None,
) -> Iterator[dict]:
    """The stack serving on `port` (a free one by default); yields {"url", "port", "env", "dir", "proc",
    "lines", "banner"}. The caller's AWS endpoint, clock and CORS settings are dropped unless `env`
    sets them; the output pipe is drained all along (verbose logs would fill it and block the stack)."""
    full = stack_env(local_dir, env)
    port = port or free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "infra.cli", "local", "--port", str(port), *args],
        cwd=REPO,
        env=full,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        preexec_fn=preexec_fn,
    )
    lines: list[str] = []
    up = threading.Event()

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)
            if READY in line:
                up.set()

    threading.Thread(target=read, daemon=True).start()
    deadline = time.monotonic() + start_timeout_s
    while not up.wait(0.2):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail("local stack did not come up:\n" + "".join(lines))
    try:
        yield {
            "url": f"http://127.0.0.1:{port}",
            "port": port,
            "env": full,
            "dir": local_dir,
            "proc": proc,
            "lines": lines,
            "banner": "".join(lines),
        }
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                warnings.warn(
                    "local stack still running 30 s after SIGTERM (it promises an exit within 15 s); "
                    "its last lines:\n" + "".join(lines[-15:]),
                    stacklevel=1,
                )


def token(stack: dict, user: str) -> str:
    """A bearer token for a demo user, from the stack's own CLI."""
    return subprocess.run(
        [sys.executable, "-m", "infra.cli", "token", "--user", user],
        cwd=REPO,
        env=stack["env"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout.strip()
