"""Uploaded PDF reports on moto: the bureau uploads a PDF, it is stored as uploaded under the client's
prefix and the client is notified (a notification in the API, an e-mail, the domain events); the
client opens the file and the bureau sees who read it and when. Bad files — not a PDF, a PDF that
does not parse, one with a password, too large — and uploads for another client or by the client are
refused with a problem+json and nothing is written (no object, no report, no audit event)."""

from __future__ import annotations

import hashlib
from urllib.parse import quote

import pytest
from fpdf import FPDF

from infra.local import seed
from klientportal import aws
from klientportal.adapters import outbox
from klientportal.bootstrap import store
from klientportal.ledger import report_files
from klientportal.repository import keys
from klientportal.settings import settings
from tests.functions.invoicing.conftest import BASE, SALES

ACCOUNTANT = "regnskap@byraet.no"
ADMIN = "daglig@fjordkaffe.no"
PDF = {"content-type": "application/pdf"}


def _pdf(text: str = "Årsrapport 2026", pages: int = 2, password: str | None = None) -> bytes:
    doc = FPDF()
    doc.set_font("helvetica", size=14)
    for n in range(pages):
        doc.add_page()
        doc.cell(text=f"{text} side {n + 1}")
    if password:
        doc.set_encryption(owner_password="eier", user_password=password)
    return bytes(doc.output())


def _query(title: str = "Årsrapport 2026", start: str = "2026-01", end: str = "2026-12", name: str = "") -> str:
    q = f"?title={quote(title)}&period_from={start}&period_to={end}"
    return q + (f"&filename={quote(name)}" if name else "")


def _upload(api, data: bytes, query: str | None = None, user: str = ACCOUNTANT, client: str = BASE):
    return api.call("POST", f"{client}/reports/pdf{query or _query()}", user=user, raw=data, headers=PDF)


def _objects() -> list[str]:
    s3 = aws.client("s3")
    got = s3.list_objects_v2(Bucket=settings().documents_bucket, Prefix="reports/")
    return [o["Key"] for o in got.get("Contents", [])]


def _state() -> tuple[list[str], int, int]:
    """Objects under reports/, report items and the client's audit sequence number."""
    st = store()
    head = st.get(keys.client_pk(seed.FJORD), keys.AUDIT_HEAD_SK)
    reports = st.query_all(keys.client_pk(seed.FJORD), keys.REPORT_PREFIX)
    return _objects(), len(reports), int(head.extra["seq"]) if head else 0


def _mails(reference_part: str) -> list[dict]:
    return [m for m in outbox.messages("email") if reference_part in (m.get("reference") or "")]


def test_upload_notify_read_and_the_bureau_sees_who_read_it(inv):
    data = _pdf()
    r = _upload(inv, data, _query(name="Årsrapport 2026.pdf"))
    assert r.status == 201, r
    report = r.json
    assert (report["kind"], report["content"], report["read_at"]) == ("pdf", None, None)
    assert report["file"] == {
        "filename": "Årsrapport 2026.pdf",
        "size": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
        "pages": 2,
    }
    [key] = [k for k in _objects() if report["report_id"] in k]
    assert key.startswith(f"reports/{seed.FJORD}/")  # under the client's prefix
    stored = aws.client("s3").get_object(Bucket=settings().documents_bucket, Key=key)["Body"].read()
    assert stored == data  # kept as uploaded

    # the client is told: a notification in the API, an e-mail to its admin (not to salg@, who lacks
    # the reports module), and the domain events
    notes = inv.get(f"{BASE}/notifications", user=ADMIN).json["items"]
    [note] = [n for n in notes if n["subject_id"] == report["report_id"]]
    assert (note["kind"], note["side"], note["recipients"]) == ("report.published", "client", [ADMIN])
    assert [n for n in inv.get(f"{BASE}/notifications", user=SALES).json["items"] if n["id"] == note["id"]] == []
    assert [n for n in inv.get(f"{BASE}/notifications", user=ACCOUNTANT).json["items"] if n["id"] == note["id"]] == []
    [mail] = _mails(note["id"])
    assert mail["to"] == ADMIN and "Årsrapport 2026" in mail["subject"]

    # the bureau opening the file is not the client reading it
    by_bureau = inv.get(f"{BASE}/reports/{report['report_id']}/pdf", user=ACCOUNTANT)
    assert by_bureau.status == 200 and by_bureau.raw == data
    assert by_bureau.headers["content-type"] == "application/pdf"
    assert inv.get(f"{BASE}/reports/{report['report_id']}", user=ADMIN).json["read_at"] is None  # metadata only
    read = inv.get(f"{BASE}/reports/{report['report_id']}/pdf", user=ADMIN)
    assert read.status == 200 and read.raw == data
    link = inv.get(f"{BASE}/reports/{report['report_id']}/pdf?link=true", user=ADMIN).json
    assert link["expires_in"] == 300 and report["report_id"] in link["url"]
    [listed] = [
        x for x in inv.get(f"{BASE}/reports", user=ACCOUNTANT).json["items"] if x["report_id"] == report["report_id"]
    ]
    assert listed["read_by"] == ADMIN and [x["by"] for x in listed["reads"]] == [ADMIN]  # once, not per opening

    events = inv.get(f"{BASE}/audit-events?limit=50", user=ADMIN).json["items"]
    actions = [e["action"] for e in events]
    assert {"report.published", "notification.created", "report.read"} <= set(actions)


def test_a_generated_report_notifies_the_client_too(inv):
    body = {"title": "Mva 1. termin", "statement": "vat-summary", "period_from": "2026-01", "period_to": "2026-02"}
    r = inv.post(f"{BASE}/reports", body, user=ACCOUNTANT)
    assert r.status == 201, r
    notes = inv.get(f"{BASE}/notifications", user=ADMIN).json["items"]
    [note] = [n for n in notes if n["subject_id"] == r.json["report_id"]]
    assert note["title"] == "Ny rapport: Mva 1. termin" and _mails(note["id"])
    assert inv.get(f"{BASE}/reports/{r.json['report_id']}/pdf", user=ADMIN).status == 404  # no file
    backwards = inv.post(f"{BASE}/reports", {**body, "period_from": "2026-03"}, user=ACCOUNTANT)
    assert backwards.status == 422


@pytest.mark.parametrize(
    ("data", "status", "reason"),
    [
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 100, 422, "not-pdf"),
        (b"%PDF-1.7\nthis is not a pdf at all\n", 422, "pdf-unreadable"),
        (b"", 422, "empty"),
    ],
)
def test_a_bad_file_is_refused_and_nothing_is_written(inv, data, status, reason):
    before = _state()
    r = _upload(inv, data)
    assert r.status == status, r
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json["type"].endswith("report-file-refused") and r.json["reason"] == reason
    assert _state() == before


def test_a_truncated_password_protected_or_oversized_pdf_is_refused(inv):
    before = _state()
    whole = _pdf()
    truncated = _upload(inv, whole[: len(whole) // 2])
    assert truncated.status == 422 and truncated.json["reason"] == "pdf-unreadable", truncated
    locked = _upload(inv, _pdf(password="hemmelig"))
    assert locked.status == 422 and locked.json["reason"] == "pdf-encrypted", locked
    big = _upload(inv, whole + b"%" * (report_files.MAX_BYTES - len(whole) + 1))
    assert big.status == 413 and big.json["type"].endswith("report-file-too-large"), big
    assert big.json["max_bytes"] == report_files.MAX_BYTES
    assert _state() == before


def test_uploads_for_another_client_by_the_client_or_without_title_are_refused(inv):
    before = _state()
    data = _pdf()
    assert _upload(inv, data, client=f"/clients/{seed.LAKK}").status == 404  # not assigned to regnskap@
    assert _upload(inv, data, user=ADMIN).status == 403  # the bureau publishes, the client reads
    no_title = inv.call(
        "POST", f"{BASE}/reports/pdf?period_from=2026-01&period_to=2026-02", user=ACCOUNTANT, raw=data, headers=PDF
    )
    assert no_title.status == 422
    assert _upload(inv, data, _query(start="2026-13")).status == 422
    assert _upload(inv, data, _query(start="2026-05", end="2026-04")).status == 422
    assert _state() == before
    r = _upload(inv, data)
    assert r.status == 201
    other = inv.get(f"/clients/{seed.BYGG}/reports/{r.json['report_id']}/pdf", user=ACCOUNTANT)
    assert other.status == 404  # a report of another client is not found there


@pytest.mark.parametrize("content_type", ["text/plain", "application/json", "application/octet-stream", None])
def test_a_pdf_sent_as_another_media_type_is_a_415_and_nothing_is_written(inv, content_type):
    before = _state()
    headers = {"content-type": content_type} if content_type else {}
    r = inv.call("POST", f"{BASE}/reports/pdf{_query()}", user=ACCOUNTANT, raw=_pdf(), headers=headers)
    assert r.status == 415 and r.headers["content-type"] == "application/problem+json", r
    assert r.json["type"].endswith("unsupported-media-type") and "application/pdf" in r.json["detail"]
    assert _state() == before


def test_the_link_flag_is_true_or_false_only(inv):
    report = _upload(inv, _pdf()).json["report_id"]
    for value in ("yes", "1", "on", "True", ""):
        r = inv.get(f"{BASE}/reports/{report}/pdf?link={value}", user=ACCOUNTANT)
        assert r.status == 422 and r.headers["content-type"] == "application/problem+json", (value, r)
        assert [e["field"] for e in r.json["errors"]] == ["query.link"], (value, r.json)
    assert inv.get(f"{BASE}/reports/{report}/pdf?link=true", user=ACCOUNTANT).json["expires_in"] == 300
    assert inv.get(f"{BASE}/reports/{report}/pdf?link=false", user=ACCOUNTANT).headers["content-type"] == (
        "application/pdf"
    )


def test_the_report_list_is_paginated_newest_first_with_a_bound_cursor(inv):
    published = [_upload(inv, _pdf(), _query(title=f"Rapport {n}")).json["report_id"] for n in range(3)]
    everything = inv.get(f"{BASE}/reports", user=ACCOUNTANT).json
    assert [x["report_id"] for x in everything["items"]][:3] == published[::-1] and everything["next_cursor"] is None
    seen, cursor = [], None
    while True:
        page = inv.get(f"{BASE}/reports?limit=2" + (f"&cursor={cursor}" if cursor else ""), user=ACCOUNTANT).json
        assert len(page["items"]) <= 2
        seen += [x["report_id"] for x in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [x["report_id"] for x in everything["items"]]
    first = inv.get(f"{BASE}/reports?limit=1", user=ACCOUNTANT).json
    assert [x["report_id"] for x in first["items"]] == [published[-1]] and first["next_cursor"]
    elsewhere = inv.get(f"/clients/{seed.BYGG}/reports?cursor={first['next_cursor']}", user=ACCOUNTANT)
    assert elsewhere.status == 422 and elsewhere.json["errors"][0]["field"] == "cursor", elsewhere
    assert inv.get(f"{BASE}/reports?cursor={first['next_cursor']}x", user=ACCOUNTANT).status == 422
    for limit in ("0", "201", "two"):
        assert inv.get(f"{BASE}/reports?limit={limit}", user=ACCOUNTANT).status == 422
