"""Bank file benchmark: a generated Nets OCR giro file of 200,000 transactions read with control
totals by our streaming reader, timed in the same run as netsgiro's own parse of the same file, and
peak memory (tracemalloc) of both at two file sizes.

Run from the repository root: `.venv/bin/python -m bench.bench_bank`. Prints tables; nothing here
is asserted (timings belong in recorded baselines, not in tests).
"""

from __future__ import annotations

import gc
import sys
import time
import tracemalloc
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "layers" / "common" / "python"))

import netsgiro  # noqa: E402

from klientportal.formats.bank import read_bank_file  # noqa: E402
from klientportal.formats.kid import KidSettings, generate_kid  # noqa: E402

MIB = 1024 * 1024
SIZES = (20_000, 200_000)
KID_SETTINGS = KidSettings()


def ocr_file(transactions: int, *, assignments: int = 4) -> bytes:
    """A valid OCR giro transmission: `assignments` assignments, every 25th transaction a type 21 with
    free text (three records), the rest type 10 with KID and payer account; totals filled in."""
    lines = ["NY000010000080800170031000102000" + "0" * 48]
    per, records, total_all, start = -(-transactions // assignments), 2, 0, date(2026, 11, 2)
    for a in range(assignments):
        count = min(per, transactions - a * per)
        body: list[str] = []
        total, first, last = 0, None, None
        for n in range(1, count + 1):
            day = start + timedelta(days=n * 20 // max(count, 1))
            first, last = first or day, day
            amount = 10_000 + (n * 7919) % 5_000_000
            total += amount
            kind = 21 if n % 25 == 0 else 10
            kid = "" if kind == 21 else generate_kid(KID_SETTINGS, 1000 + a, n)
            ddmmyy = f"{day:%d%m%y}"
            body.append(f"NY09{kind}30{n:07d}{ddmmyy}0124{(n % 9) + 1}{n % 100000:05d}0{amount:017d}{kid:>25}000000")
            account = "00000000000" if kind == 21 else "12345678903"
            body.append(f"NY09{kind}31{n:07d}{'0' * 10}{n % 10**9:09d}0000000{ddmmyy}{account}{'0' * 22}")
            if kind == 21:
                body.append(f"NY09{kind}32{n:07d}{f'Kiosk 7 kvittering {n}':<40}{'0' * 25}")
        assert first is not None and last is not None
        lines.append(f"NY090020{1008566 + a:09d}{a + 1:07d}99991042764{'0' * 45}")
        lines.extend(body)
        lines.append(
            f"NY090088{count:08d}{len(body) + 2:08d}{total:017d}{last:%d%m%y}{first:%d%m%y}{last:%d%m%y}{'0' * 21}"
        )
        records += len(body) + 2
        total_all += total
    lines.append(f"NY000089{transactions:08d}{records:08d}{total_all:017d}{last:%d%m%y}{'0' * 33}")
    return ("\n".join(lines) + "\n").encode("iso-8859-1")


def ours(data: bytes) -> tuple[int, int]:
    """Our reader as `klientportal bank read` uses it: validate everything, then every entry."""
    read = read_bank_file(data)
    count = total = 0
    for entry in read.entries:
        count += 1
        total += entry.amount_ore
    return count, total


def oracle(data: bytes) -> tuple[int, int]:
    """netsgiro's own parse of the same bytes (it reconciles no end-record totals)."""
    transmission = netsgiro.parse(data.decode("iso-8859-1"))
    transactions = [t for a in transmission.assignments for t in a.transactions]
    return len(transactions), sum(t.amount_in_cents for t in transactions)


def _timed(work: Callable[[bytes], tuple[int, int]], data: bytes) -> tuple[float, float, tuple[int, int]]:
    """(CPU seconds, wall seconds, result): CPU time is what compares on a shared, loaded machine."""
    gc.collect()
    cpu, wall = time.process_time(), time.perf_counter()
    result = work(data)
    return time.process_time() - cpu, time.perf_counter() - wall, result


def _peak(work: Callable[[bytes], tuple[int, int]], data: bytes) -> float:
    gc.collect()
    tracemalloc.start()
    work(data)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 1024


def main() -> None:
    big = ocr_file(SIZES[-1])
    print(f"generated: {SIZES[-1]:,} transactions, {len(big) / MIB:.1f} MiB\n")
    rounds = 3
    times: dict[str, list[tuple[float, float]]] = {"ours": [], "netsgiro": []}
    results = {}
    for _ in range(rounds):  # interleaved, so both see the same machine load
        for name, work in (("ours", ours), ("netsgiro", oracle)):
            cpu, wall, results[name] = _timed(work, big)
            times[name].append((cpu, wall))
    assert results["ours"] == results["netsgiro"], results
    best = {name: min(values) for name, values in times.items()}
    print(f"| {SIZES[-1]:,} transactions, best of {rounds} | CPU s | wall s | transactions/s (CPU) |")
    print("|---|---:|---:|---:|")
    for label, name in (
        ("our reader, every control total checked", "ours"),
        ("netsgiro.parse, no total checked", "netsgiro"),
    ):
        cpu, wall = best[name]
        print(f"| {label} | {cpu:.2f} | {wall:.2f} | {SIZES[-1] / cpu:,.0f} |")
    print(f"| netsgiro / ours (CPU) | {best['netsgiro'][0] / best['ours'][0]:.1f}× | | |\n")
    print("| peak memory, tracemalloc (KiB, the input bytes excluded) | " + " | ".join(f"{n:,}" for n in SIZES) + " |")
    print("|---|" + "---:|" * len(SIZES))
    files = {n: (big if n == SIZES[-1] else ocr_file(n)) for n in SIZES}
    for name, work in (("our reader", ours), ("netsgiro.parse", oracle)):
        print(f"| {name} | " + " | ".join(f"{_peak(work, files[n]):,.0f}" for n in SIZES) + " |")


if __name__ == "__main__":
    main()
