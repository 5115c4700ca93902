"""Payroll benchmark: tabelltrekk calculations per second.

Run from the repository root: `.venv/bin/python -m bench.bench_payroll`. Prints a table; nothing
here is asserted (timings belong in recorded baselines, not in tests).
"""

from __future__ import annotations

import io
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "layers" / "common" / "python"))

from klientportal.payroll import tabelltrekk  # noqa: E402
from klientportal.payroll.tabelltrekk_lines import run  # noqa: E402


def _rate(work, items: int, seconds: float = 2.0) -> float:
    work()
    count, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        work()
        count += items
    return count / elapsed


def main() -> int:
    rng = random.Random(2026)
    tables = sorted(tabelltrekk.TABLES_2026)
    periods = [p.value for p in tabelltrekk.Period]
    cases = [(rng.choice(tables), rng.choice(periods), str(rng.randrange(0, 120_000))) for _ in range(2000)]

    def calls() -> None:
        for table, period, gross in cases:
            tabelltrekk.withholding(table, period, gross)

    lines = [f'{{"year": 2026, "table": "{t}", "period": "{p}", "gross": "{g}"}}\n' for t, p, g in cases]

    def cli() -> None:
        run(lines, io.StringIO(), io.StringIO())

    print("| tabelltrekk | calculations/s |")
    print("|---|---:|")
    print(f"| `withholding()` (random table, period, basis) | {_rate(calls, len(cases)):,.0f} |")
    print(f"| JSON lines (`klientportal payroll tabelltrekk` without process start) | {_rate(cli, len(lines)):,.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
