"""Platform benchmarks: cold import time of every handler module, local stack start time and RSS.

Each import is measured in a fresh interpreter (what a Lambda cold start pays for imports), the
median of several runs. Target (issue 8): each handler module imports in at most 1.5 × the floor
of its platform — boto3, pydantic, the powertools HTTP resolver, Logger and Metrics imported alone,
measured in the same run — and ≤ 300 ms on this machine.
"""
from __future__ import annotations

import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from functions import catalogue

REPO = Path(__file__).resolve().parents[1]
IMPORT_TARGET_MS = 300.0
FLOOR_RATIO_TARGET = 1.5
RUNS = 5
FLOOR = ("import boto3, pydantic; from aws_lambda_powertools.event_handler import APIGatewayHttpResolver; "
         "from aws_lambda_powertools import Logger, Metrics")

_PROBE = "import time,sys;t=time.perf_counter();exec(sys.argv[1]);print((time.perf_counter()-t)*1000)"


def import_ms(module: str) -> float:
    return exec_ms(f"import {module}")


def exec_ms(statement: str) -> float:
    env = {**os.environ, "POWERTOOLS_TRACE_DISABLED": "true", "POWERTOOLS_METRICS_DISABLED": "true",
           "AWS_DEFAULT_REGION": "eu-north-1"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    samples = []
    for _ in range(RUNS):
        out = subprocess.run([sys.executable, "-c", _PROBE, statement], cwd=REPO, env=env, capture_output=True,
                             text=True, check=True)
        samples.append(float(out.stdout.strip()))
    return statistics.median(samples)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def local_stack() -> tuple[float, float]:
    """Seconds from process start to the banner, and the process RSS in MB once up."""
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "KP_LOCAL_DIR": tmp, "KP_LOCAL_OUTBOX": f"{tmp}/outbox"}
        started = time.monotonic()
        proc = subprocess.Popen([sys.executable, "-m", "infra.cli", "local", "--port", str(_free_port())], cwd=REPO,
                                env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for line in proc.stdout:
            if "Ctrl-C stops everything" in line:
                break
        up = time.monotonic() - started
        rss_kb = next(int(l.split()[1]) for l in Path(f"/proc/{proc.pid}/status").read_text().splitlines()
                      if l.startswith("VmRSS"))
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)
    return up, rss_kb / 1024


def main() -> int:
    # a deployment ships compiled bytecode; without it every cold start would compile the sources
    subprocess.run([sys.executable, "-m", "compileall", "-q", "functions", "layers/common/python"], cwd=REPO,
                   check=True, stdout=subprocess.DEVNULL)
    floor = exec_ms(FLOOR)
    print(f"## Cold import time per handler module (median of {RUNS} fresh interpreters)\n")
    print(f"Platform floor (boto3 + pydantic + powertools resolver, Logger, Metrics alone): {floor:.0f} ms. "
          f"Target: ≤ {FLOOR_RATIO_TARGET} × floor and ≤ {IMPORT_TARGET_MS:.0f} ms.\n")
    print("| function | module | import ms | × floor | within target |")
    print("|---|---|---:|---:|---|")
    for fn in catalogue.FUNCTIONS:
        ms = import_ms(fn.module)
        ok = ms <= FLOOR_RATIO_TARGET * floor and ms <= IMPORT_TARGET_MS
        print(f"| {fn.name} | {fn.module} | {ms:.0f} | {ms / floor:.2f} | {'yes' if ok else 'NO'} |", flush=True)
    up, rss = local_stack()
    print("\n## Local stack\n")
    print("| measure | value |\n|---|---:|")
    print(f"| process start → serving (s) | {up:.1f} |\n| RSS when up (MB) | {rss:.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
