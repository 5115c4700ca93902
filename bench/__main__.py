"""`make bench`: every benchmark in turn, each in its own process (each starts its own emulated AWS),
printing markdown tables (copy them into bench/README.md)."""

from __future__ import annotations

import subprocess
import sys

SCRIPTS = (
    "bench.bench_platform",
    "bench.bench_calls",
    "bench.bench_invoicing",
    "bench.bench_vouchers",
    "bench.bench_billing",
    "bench.bench_sync",
    "bench.bench_ledger",
    "bench.bench_bank",
    "bench.bench_payroll",
    "bench.bench_payroll_run",
    "bench.bench_bank_import",
)

if __name__ == "__main__":
    only = sys.argv[1:]
    failed = []
    for name in SCRIPTS:
        if only and not any(o in name for o in only):
            continue
        print(f"\n# {name}\n", flush=True)
        if subprocess.run([sys.executable, "-m", name]).returncode != 0:
            failed.append(name)
    sys.exit(f"failed: {', '.join(failed)}" if failed else 0)
