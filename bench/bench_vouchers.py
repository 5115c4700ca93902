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

from bench import emulated

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
    typical = _mail(
        [(_pdf_like(200 * 1024), "application/pdf", "faktura.pdf"), (archive.getvalue(), "application/zip", "ehf.zip")]
    )
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
    rows.append(
        (
            f"40 MB message ({len(big) / MIB:.1f} MiB, 2 x 14 MiB PDF)",
            f"{elapsed:.2f} s",
            f"peak {peak / MIB:.0f} MiB = {peak / len(big):.1f} x message, {accepted / MIB:.0f} MiB kept",
        )
    )
    del big

    rows += ingest_through_the_handler(ehf)

    width = max(len(r[0]) for r in rows)
    print(f"{'benchmark':<{width}}  {'result':>12}  notes")
    for name, result, note in rows:
        print(f"{name:<{width}}  {result:>12}  {note}")
    return 0


def ingest_through_the_handler(ehf: bytes, vouchers: int = 40, mails: int = 20) -> list[tuple[str, str, str]]:
    """End to end on moto (server mode, as the local stack): objects in the inbound bucket → S3 → SQS
    → the ingest handler (originals locked, EHF read + XSD/Schematron, supplier, suggestion) → DynamoDB.
    Timed from the first put to the drained queue; each item has distinct bytes (a new voucher)."""
    sys.path.insert(0, str(ROOT))

    from infra.local import seed
    from infra.local.invoker import Invoker
    from infra.local.pumps import QueuePump
    from klientportal import aws
    from klientportal.bootstrap import tenancy_service
    from klientportal.observability import logger
    from klientportal.repository.store import SYSTEM
    from klientportal.settings import settings
    from klientportal.vouchers.inbox import assign_inbox
    from klientportal.vouchers.uploads import DECLARED_SIZE

    logger.setLevel("WARNING")
    server, _, _, env = emulated.start()
    try:
        service = tenancy_service()
        seed.seed_tenancy(service)
        client, _ = service.repo.client(seed.FJORD)
        address = f"{assign_inbox(service.repo.store, client, SYSTEM)['slug']}@{settings().inbox_domain}"
        pump = QueuePump(Invoker(), env)
        s3 = aws.client("s3")

        def drain() -> None:
            while pump.drain():
                pass

        def upload(key: str, body: bytes) -> None:  # as the presigned POST stores it (0266)
            s3.put_object(
                Bucket=settings().inbound_bucket, Key=key, Body=body, Metadata={DECLARED_SIZE: str(len(body))}
            )

        upload(f"upload/{seed.FJORD}/warm/w.xml", ehf.replace(b"TOSL108", b"WARM-UP"))
        drain()  # compiles the Schematron once, as a warm Lambda container would have
        start = time.perf_counter()
        for i in range(vouchers):
            upload(f"upload/{seed.FJORD}/b{i}/f.xml", ehf.replace(b"TOSL108", f"EHF-{i}".encode()))
        drain()
        elapsed = time.perf_counter() - start
        rows = [
            (
                f"ingest EHF upload → voucher (handler on moto, {vouchers})",
                f"{vouchers / elapsed:,.1f} /s",
                "incl. lock original, read, XSD + Schematron, supplier, suggestion",
            )
        ]
        pdf = _text_pdf()
        start = time.perf_counter()
        for i in range(mails):
            raw = _mail(
                [
                    (ehf.replace(b"TOSL108", f"M-{i}".encode()), "application/xml", "ehf.xml"),
                    (pdf.replace(b"K-5521", f"K-{i:04d}".encode()), "application/pdf", "faktura.pdf"),
                ]
            )
            s3.put_object(
                Bucket=settings().inbound_bucket,
                Key=f"mail/bench-{i}",
                Body=raw.replace(b"acme@bilag.example.no", address.encode()),
            )
        drain()
        elapsed = time.perf_counter() - start
        rows.append(
            (
                f"ingest e-mail EHF + PDF → 2 vouchers (handler on moto, {mails})",
                f"{mails / elapsed:,.1f} /s",
                f"{2 * mails / elapsed:,.1f} vouchers/s; raw mail + each attachment locked",
            )
        )
        return rows
    finally:
        server.stop()


def _text_pdf() -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("Helvetica", size=10)
    pdf.add_page()
    for line in (
        "Kontorland AS",
        "Org.nr: 974 760 673 MVA",
        "FAKTURA",
        "Fakturanr: K-5521",
        "Fakturadato: 02.03.2026",
        "Sum eks. mva 4 000,00",
        "MVA 25 % 1 000,00",
        "Sum inkl. mva 5 000,00",
        "Kontonummer: 1503.40.12345",
    ):
        pdf.cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    pdf.set_compression(False)
    return bytes(pdf.output())


if __name__ == "__main__":
    raise SystemExit(main())
