"""Platform benchmarks: cold import time of every handler module, local stack start time and RSS.

Each import is measured in a fresh interpreter (what a Lambda cold start pays for imports), the
median of several runs. Target (issue 8): each handler module imports in at most 1.5 × the floor
of its platform — boto3, pydantic, the powertools HTTP resolver, Logger and Metrics imported alone,
measured in the same run — and ≤ 300 ms on this machine.

Each round runs the floor, then every module with the floor again after it, so each import sample
has a floor sample on either side: a module's ratio in a round is its CPU time over the mean of the
two, and the verdict is the median of those ratios over the rounds. A change of load on this
shared machine (other engineers' test suites come and go within a minute) then falls on the import
and on the floor it is compared with alike, where comparing medians taken minutes apart moved a
ratio by 0.3 between two runs of the same tree (decision 0957). Each sample records wall time and
the interpreter's CPU time; under load the wall times stretch with the waiting for a core, the CPU
times much less, so the verdict reads CPU time. Beside it the table shows the least CPU time of the
runs (interference only adds time, so the minimum estimates the import's own cost, as `timeit`
advises) — one lucky floor sample moves every least ratio, so that column is for reading only.
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
from dataclasses import dataclass
from pathlib import Path

from functions import catalogue

REPO = Path(__file__).resolve().parents[1]
IMPORT_TARGET_MS = 300.0
FLOOR_RATIO_TARGET = 1.5
RUNS = 11
#: The platform imported alone. pydantic 2's `import pydantic` is lazy (a module `__getattr__`) and
#: loads none of pydantic itself, so the floor imports `BaseModel`, which is what "pydantic imported"
#: means for every handler (decision 0410). The letter of the issue (`import pydantic`) is printed too.
FLOOR = (
    "import boto3; from pydantic import BaseModel; "
    "from aws_lambda_powertools.event_handler import APIGatewayHttpResolver; "
    "from aws_lambda_powertools import Logger, Metrics"
)
LAZY_PYDANTIC_FLOOR = FLOOR.replace("from pydantic import BaseModel", "import pydantic")

_PROBE = (
    "import time,sys;t=time.perf_counter();c=time.process_time();exec(sys.argv[1]);"
    "print((time.perf_counter()-t)*1000,(time.process_time()-c)*1000)"
)


@dataclass(frozen=True)
class Timing:
    """One statement over the runs, in ms: medians of wall clock and the interpreter's CPU time, the
    least CPU time of the runs, and the median of its CPU time over the floor's beside it."""

    wall: float
    cpu: float
    cpu_min: float
    ratio: float = 1.0


def _env() -> dict[str, str]:
    env = {
        **os.environ,
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_DISABLED": "true",
        "AWS_DEFAULT_REGION": "eu-north-1",
        # set by the Lambda runtime; klientportal.init_phase keys on it
        "AWS_LAMBDA_RUNTIME_API": "127.0.0.1:9001",
    }
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def _sample(statement: str, env: dict[str, str]) -> tuple[float, float]:
    out = subprocess.run(
        [sys.executable, "-c", _PROBE, statement], cwd=REPO, env=env, capture_output=True, text=True, check=True
    )
    wall, cpu = out.stdout.split()
    return float(wall), float(cpu)


def timings(statements: dict[str, str], floor: str = FLOOR, runs: int = RUNS) -> dict[str, Timing]:
    """Each statement run in `runs` fresh interpreters, in rounds where the floor runs before the
    first statement and after each one; medians. A statement's ratio in a round is its CPU time over
    the mean of the two floor samples around it, so a change of load within a round falls on the
    pair alike; its `ratio` is the median over the rounds."""
    env = _env()
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in ("floor", *statements)}
    ratios: dict[str, list[float]] = {name: [] for name in statements}
    for _ in range(runs):
        before = _sample(floor, env)
        samples["floor"].append(before)
        for name, statement in statements.items():
            got = _sample(statement, env)
            after = _sample(floor, env)
            samples[name].append(got)
            samples["floor"].append(after)
            ratios[name].append(got[1] / ((before[1] + after[1]) / 2))
            before = after
    return {
        name: Timing(
            statistics.median(w for w, _ in got),
            statistics.median(c for _, c in got),
            min(c for _, c in got),
            statistics.median(ratios[name]) if name in ratios else 1.0,
        )
        for name, got in samples.items()
    }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def local_stack() -> tuple[float, float]:
    """Seconds from process start to the banner, and the process RSS in MB once up."""
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "KP_LOCAL_DIR": tmp, "KP_LOCAL_OUTBOX": f"{tmp}/outbox"}
        started = time.monotonic()
        proc = subprocess.Popen(
            [sys.executable, "-m", "infra.cli", "local", "--port", str(_free_port())],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for line in proc.stdout:
            if "Ctrl-C stops everything" in line:
                break
        up = time.monotonic() - started
        rss_kb = next(
            int(row.split()[1])
            for row in Path(f"/proc/{proc.pid}/status").read_text().splitlines()
            if row.startswith("VmRSS")
        )
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)
    return up, rss_kb / 1024


def _load() -> str:
    return " / ".join(f"{x:.1f}" for x in os.getloadavg())


def verdict(t: Timing) -> str:
    """Whether the import meets the target: the median of its CPU time over the floor's beside it."""
    return "yes" if t.ratio <= FLOOR_RATIO_TARGET else "NO"


def main() -> int:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else RUNS
    # a deployment ships compiled bytecode; without it every cold start would compile the sources
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", "functions", "layers/common/python"],
        cwd=REPO,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    load_before = _load()
    statements = {"lazy floor": LAZY_PYDANTIC_FLOOR, **{fn.name: f"import {fn.module}" for fn in catalogue.FUNCTIONS}}
    measured = timings(statements, FLOOR, runs)
    floor, lazy = measured["floor"], measured["lazy floor"]
    print(f"## Cold import time per handler module ({runs} rounds of fresh interpreters, the floor beside each)\n")
    print(
        f"Load average (1 / 5 / 15 min) {load_before} before, {_load()} after. Platform floor (boto3 + pydantic's "
        f"BaseModel + powertools resolver, Logger, Metrics alone): {floor.wall:.0f} ms wall, {floor.cpu:.0f} ms CPU "
        f"(median), {floor.cpu_min:.0f} ms CPU (least); "
        f"with the lazy `import pydantic` instead: {lazy.wall:.0f} ms wall, {lazy.cpu:.0f} ms CPU. "
        f"Target: ≤ {FLOOR_RATIO_TARGET} × floor (and ≤ {IMPORT_TARGET_MS:.0f} ms on a quiet machine). "
        "The verdict is the median over the rounds of the import's CPU time over the floor samples beside it.\n"
    )
    print(
        "| function | module | wall ms | CPU ms | least CPU ms | × floor (CPU, paired median) "
        "| × floor (least CPU) | × lazy floor (CPU) | ≤ 1.5 × floor |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---|")
    for fn in catalogue.FUNCTIONS:
        t = measured[fn.name]
        print(
            f"| {fn.name} | {fn.module} | {t.wall:.0f} | {t.cpu:.0f} | {t.cpu_min:.0f} | {t.ratio:.2f} | "
            f"{t.cpu_min / floor.cpu_min:.2f} | {t.cpu / lazy.cpu:.2f} | {verdict(t)} |",
            flush=True,
        )
    up, rss = local_stack()
    print("\n## Local stack\n")
    print("| measure | value |\n|---|---:|")
    print(f"| process start → serving (s) | {up:.1f} |\n| RSS when up (MB) | {rss:.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
