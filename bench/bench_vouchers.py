"""Voucher inbox benchmark: EHF reads per second, e-mail parses per second, peak memory on 40 MB.

Run from the repository root: `.venv/bin/python bench/bench_vouchers.py`. Prints a table; nothing
here is asserted (timings belong in recorded baselines, not in tests).
"""
from __future__ import annotations

import io
import os
import sys
import time
import tracemalloc
import zipfile
from email.message import EmailMessage
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "layers" / "common" / "python"))

from klientportal.formats.ehf.reader import read_ehf  # noqa: E402
from klientportal.vouchers.mime import parse_message  # noqa: E402

EHF_FILE = ROOT.parent / "shared" / "conformance" / "peppol" / "examples" / "ehf-norway" / "ehf-3-faktura-1.xml"
MIB = 1024 * 1024


def _rate(work, seconds: float = 2.0) -> tuple[float, int]:
    work()
    count, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        work()
        count += 1
    return count / elapsed, count


def _mail(attachments: list[tuple[bytes, str, str]]) -> bytes:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "faktura@leverandor.no", "acme@bilag.example.no", "Faktura"
    message.set_content("Vedlagt.")
    for data, content_type, name in attachments:
        maintype, subtype = content_type.split("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return message.as_bytes()


def _pdf_like(size: int) -> bytes:
    return b"%PDF-1.4\n" + os.urandom(size - 9)


def main() -> int:
    ehf = EHF_FILE.read_bytes()
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("ehf.xml", ehf)
    typical = _mail([(_pdf_like(200 * 1024), "application/pdf", "faktura.pdf"), (archive.getvalue(), "application/zip", "ehf.zip")])
    big = _mail([(_pdf_like(14 * MIB), "application/pdf", f"scan-{i}.pdf") for i in range(2)])

    rows = []
    rate, count = _rate(lambda: read_ehf(ehf))
    rows.append(("EHF read (ehf-3-faktura-1, 23 KB)", f"{rate:,.0f} /s", f"{count} runs"))
    rate, count = _rate(lambda: parse_message(typical))
    rows.append((f"e-mail parse ({len(typical) // 1024} KB, PDF + zip/XML)", f"{rate:,.0f} /s", f"{count} runs"))

    start = time.perf_counter()
    parse_message(io.BytesIO(big))
    elapsed = time.perf_counter() - start
    tracemalloc.start()
    intake = parse_message(io.BytesIO(big))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    accepted = sum(a.size for a in intake.attachments)
    rows.append((f"40 MB message ({len(big) / MIB:.1f} MiB, 2 x 14 MiB PDF)", f"{elapsed:.2f} s",
                 f"peak {peak / MIB:.0f} MiB = {peak / len(big):.1f} x message, {accepted / MIB:.0f} MiB kept"))
    del big

    width = max(len(r[0]) for r in rows)
    print(f"{'benchmark':<{width}}  {'result':>12}  notes")
    for name, result, note in rows:
        print(f"{name:<{width}}  {result:>12}  {note}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
