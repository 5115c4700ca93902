"""The hostile corpus through the real ingest handler on moto: every input ends as a voucher or a
quarantine item with a stable reason (never dropped), within generous time and memory bounds."""

from __future__ import annotations

import io
import resource
import time
import zipfile

from klientportal import aws
from tests.functions.vouchers.conftest import ACCOUNTANT, ADMIN, FJORD
from tests.unit.vouchers.conftest import make_mail
from tests.unit.vouchers.hostile.test_hostile_xml import BILLION_LAUGHS, HOSTILE

ADDRESS = "fjordkaffe@bilag.example.no"
MIB = 1024 * 1024
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
MAX_SECONDS = 20.0  # sanity bound per item (typical: well under a second)
MAX_PEAK_GROWTH = 400 * MIB  # sanity bound: growth of the process's peak RSS while one item is ingested


def _peak_rss() -> int:
    """The process's peak resident set size in bytes (Linux reports KiB); no tracing overhead."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _mail(*attachments, to=ADDRESS, body="Vedlagt."):
    return make_mail(tuple(attachments), to=to, body=body)


def _raw(content_type_header: str, body: bytes, to=ADDRESS) -> bytes:
    return (
        f"From: x@example.com\r\nTo: {to}\r\nSubject: hostile\r\nMIME-Version: 1.0\r\n{content_type_header}\r\n\r\n"
    ).encode() + body


def _many_parts(parts: int) -> bytes:
    body = b"".join(b"--b\r\nContent-Type: text/plain\r\n\r\nx\r\n" for _ in range(parts)) + b"--b--\r\n"
    return _raw('Content-Type: multipart/mixed; boundary="b"', body)


def _nested(depth: int) -> bytes:
    opening = b"".join(
        b'--b%d\r\nContent-Type: multipart/mixed; boundary="b%d"\r\n\r\n' % (i, i + 1) for i in range(depth)
    )
    closing = b"".join(b"--b%d--\r\n" % i for i in reversed(range(depth + 1)))
    leaf = (
        b"--b%d\r\nContent-Type: application/pdf\r\n"
        b"Content-Disposition: attachment; filename=a.pdf\r\n\r\n%%PDF-1.4\r\n" % depth
    )
    return _raw('Content-Type: multipart/mixed; boundary="b0"', opening + leaf + closing)


def _zip_bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("faktura.pdf", b"%PDF-1.4\n" + b"\x00" * (10 * MIB))
    return out.getvalue()


# name: (how it arrives, payload builder, where the outcome is, expected reason)
CORPUS = {
    "no-attachment": ("mail", lambda: _mail(), "client", "no-attachment"),
    "unknown-recipient": (
        "mail",
        lambda: _mail((b"%PDF-1.4\n", "application/pdf", "a.pdf"), to="ukjent@bilag.example.no"),
        "bureau",
        "unknown-recipient",
    ),
    "no-recipient-at-the-domain": ("mail", lambda: _mail(to="someone@example.com"), "bureau", "unknown-recipient"),
    "too-many-parts": ("mail", lambda: _many_parts(5000), "client", "too-many-parts"),
    "deep-nesting": ("mail", lambda: _nested(30), "client", "nesting-too-deep"),
    "garbage-message": ("mail", lambda: b"\x00\xff" * 5000, "bureau", "unknown-recipient"),
    "zip-bomb": (
        "mail",
        lambda: _mail((_zip_bomb(), "application/zip", "bilag.zip")),
        "client",
        "zip-compression-ratio",
    ),
    "type-lies": ("mail", lambda: _mail((PNG, "application/pdf", "faktura.pdf")), "client", "type-mismatch"),
    "unsupported-type": (
        "mail",
        lambda: _mail((b"MZ\x90\x00" * 100, "application/octet-stream", "x.exe")),
        "client",
        "unsupported-type",
    ),
    "external-entity": (
        "mail",
        lambda: _mail((HOSTILE["external-entity"][0], "application/xml", "e.xml")),
        "voucher",
        "dtd-forbidden",
    ),
    "billion-laughs": (
        "mail",
        lambda: _mail((BILLION_LAUGHS, "application/xml", "lol.xml")),
        "voucher",
        "dtd-forbidden",
    ),
    "network-dtd": ("ehf", lambda: HOSTILE["network-dtd"][0], "voucher", "dtd-forbidden"),
    "truncated-xml": ("ehf", lambda: HOSTILE["truncated"][0], "voucher", "malformed"),
    "not-ubl": ("upload", lambda: b'<?xml version="1.0"?><Order xmlns="urn:x"/>', "voucher", "not-ubl-invoice"),
    "unreadable-pdf": ("upload", lambda: b"%PDF-1.7\n" + bytes(range(256)) * 40, "voucher", "pdf-unreadable"),
    "image-without-ocr-answer": ("upload", lambda: PNG, "voucher", "simulator-no-response"),
    "upload-unknown-client": ("upload-other", lambda: b"%PDF-1.4\n", "bureau", "unknown-client"),
}


def _deliver(inbound, how: str, name: str, data: bytes) -> None:
    if how == "mail":
        inbound.mail(data, name)
    elif how == "ehf":
        inbound.put(f"ehf/{FJORD}/{name}.xml", data, "application/xml")
    elif how == "upload":
        inbound.put(f"upload/{FJORD}/{name}/file", data)
    else:
        inbound.put(f"upload/c-nobody/{name}/file", data)


def _reasons(api, where: str) -> dict[str, dict]:
    """The client's quarantine through the API, or the operators' unrouted partition (no API)."""
    if where == "bureau":
        from klientportal.bootstrap import store
        from klientportal.repository.keys import QUARANTINE_PREFIX, UNROUTED_PK

        return {r.data["reason"]: r.data for r in store().query_all(UNROUTED_PK, QUARANTINE_PREFIX)}
    reply = api.get(f"/clients/{FJORD}/voucher-quarantine", user=ADMIN)
    assert reply.status == 200, reply
    return {item["reason"]: item for item in reply.json["items"]}


def _ingest_one(api, inbound, name: str) -> list[str]:
    """Deliver one corpus item, drain, and return what is wrong with the outcome (empty: fine)."""
    how, build, where, reason = CORPUS[name]
    _deliver(inbound, how, name, build())
    rss_before = _peak_rss()
    started = time.perf_counter()
    inbound.drain()
    elapsed = time.perf_counter() - started
    growth = _peak_rss() - rss_before
    problems = []
    if elapsed >= MAX_SECONDS:
        problems.append(f"took {elapsed:.1f} s")
    if growth >= MAX_PEAK_GROWTH:
        problems.append(f"the process's peak memory grew by {growth / MIB:.0f} MiB")
    found = _reasons(api, "bureau" if where == "bureau" else "client")
    item = found.get(reason)
    if item is None:
        return [*problems, f"no quarantine item with reason {reason}; found {sorted(found)}"]
    if not (item.get("original") or item.get("inbound")):
        problems.append("the original is not kept")
    if where == "voucher":
        voucher = api.get(f"/clients/{FJORD}/vouchers/{item.get('voucher_id')}", user=ADMIN).json
        if item["kind"] != "voucher" or voucher["status"] != "quarantined" or voucher["quarantine"]["reason"] != reason:
            problems.append(f"not a quarantined voucher: {item}")
    before = (len(_reasons(api, "bureau")), len(_reasons(api, "client")))
    _deliver(inbound, how, name + "-again", build())  # the same input again: nothing new
    inbound.drain()
    if (len(_reasons(api, "bureau")), len(_reasons(api, "client"))) != before:
        problems.append("a replay added quarantine items")
    return problems


def test_hostile_corpus_through_the_ingest_handler(api, inbound):
    """One environment for the whole corpus (each item is independent: its reason is unique)."""
    api.get(f"/clients/{FJORD}/voucher-inbox", user=ADMIN)  # the client's address exists
    report = {name: _ingest_one(api, inbound, name) for name in CORPUS}
    assert {name: problems for name, problems in report.items() if problems} == {}


def test_path_traversal_file_name_becomes_a_safe_voucher(api, inbound, invoice_pdf):
    api.get(f"/clients/{FJORD}/voucher-inbox", user=ADMIN)
    inbound.mail(_mail((invoice_pdf, "application/pdf", "../../../etc/faktura.pdf")), "traversal")
    inbound.drain()
    [voucher] = api.get(f"/clients/{FJORD}/vouchers", user=ADMIN).json["items"]
    assert voucher["original"]["filename"] == "faktura.pdf" and voucher["status"] == "new"


def test_message_over_the_ses_ceiling_is_kept_unread(api, inbound):
    inbound.mail(b"To: " + ADDRESS.encode() + b"\r\n\r\n" + b"x" * (40 * MIB + 10), "huge")
    started = time.perf_counter()
    inbound.drain()
    assert time.perf_counter() - started < MAX_SECONDS
    item = _reasons(api, "bureau")["message-too-large"]
    assert item["inbound"]["key"] == "mail/huge"
    assert item["original"]["size"] > 40 * MIB  # copied into the locked originals without being read whole
    head = aws.client("s3").head_object(Bucket=item["original"]["bucket"], Key=item["original"]["key"])
    assert head["ObjectLockMode"] == "COMPLIANCE"
    for user in (ADMIN, ACCOUNTANT):  # unrouted mail may be another bureau's: no tenant route shows it
        assert api.get("/bureau/voucher-quarantine", user=user).status == 404
