"""`make bench`: every benchmark in turn, printing markdown tables (copy them into bench/README.md)."""
from __future__ import annotations

import runpy
import sys

SCRIPTS = ("bench.bench_platform", "bench.bench_invoicing", "bench.bench_vouchers")

if __name__ == "__main__":
    only = sys.argv[1:]
    for name in SCRIPTS:
        if only and not any(o in name for o in only):
            continue
        print(f"\n# {name}\n", flush=True)
        sys.argv = [name]
        try:
            runpy.run_module(name, run_name="__main__")
        except SystemExit as done:
            if done.code not in (0, None):
                raise
