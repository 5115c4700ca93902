"""Platform benchmarks: cold import time of every handler module, local stack start time and RSS.

Each import is measured in a fresh interpreter (what a Lambda cold start pays for imports), the
median of several runs. Target: ≤ 300 ms per handler module on this machine.
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
RUNS = 5

_PROBE = "import time,importlib,sys;t=time.perf_counter();importlib.import_module(sys.argv[1]);" \
         "print((time.perf_counter()-t)*1000)"


def import_ms(module: str) -> float:
    env = {**os.environ, "POWERTOOLS_TRACE_DISABLED": "true", "POWERTOOLS_METRICS_DISABLED": "true",
           "AWS_DEFAULT_REGION": "eu-north-1"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    samples = []
    for _ in range(RUNS):
        out = subprocess.run([sys.executable, "-c", _PROBE, module], cwd=REPO, env=env, capture_output=True,
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
    print(f"## Cold import time per handler module (median of {RUNS} fresh interpreters; target ≤ "
          f"{IMPORT_TARGET_MS:.0f} ms)\n")
    print("| function | module | import ms | within target |")
    print("|---|---|---:|---|")
    worst = 0.0
    for fn in catalogue.FUNCTIONS:
        ms = import_ms(fn.module)
        worst = max(worst, ms)
        print(f"| {fn.name} | {fn.module} | {ms:.0f} | {'yes' if ms <= IMPORT_TARGET_MS else 'NO'} |", flush=True)
    up, rss = local_stack()
    print("\n## Local stack\n")
    print("| measure | value |\n|---|---:|")
    print(f"| process start → serving (s) | {up:.1f} |\n| RSS when up (MB) | {rss:.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
