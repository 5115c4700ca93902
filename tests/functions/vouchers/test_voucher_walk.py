"""The voucher inbox end to end on moto, through the real handlers: e-mail (EHF + PDF) → ingest →
inbox → code → approve → the bureau books it; the upload path; replays; tenant isolation."""

from __future__ import annotations

import json
from decimal import Decimal

import requests

from klientportal import aws
from klientportal.settings import settings
from tests.functions.vouchers.conftest import ACCOUNTANT, ADMIN, FJORD, FJORD_ORGNR, ehf_to
from tests.unit.vouchers.conftest import make_pdf

OTHER_SUPPLIER_PDF_LINES = (
    "Kontorland AS",
    "Org.nr: 974 760 673 MVA",
    "FAKTURA",
    "Fakturanr: K-5521",
    "Fakturadato: 02.03.2026",
    "Forfallsdato: 16.03.2026",
    "Kontorstoler 2 stk                    4 000,00",
    "Sum eks. mva                           4 000,00",
    "MVA 25 %                               1 000,00",
    "Sum inkl. mva                          5 000,00",
    "Å betale                          kr 5 000,00",
    "Kontonummer: 1503.40.12345",
    "KID: 1234567897",
)
EHF_CODING = [
    {"account": "4300", "vat_code": "1", "net_amount": "1460.50", "vat_amount": "365.13"},
    {"account": "4300", "vat_code": "11", "net_amount": "1.00"},
    {"account": "4300", "vat_code": "0", "net_amount": "-25.00", "description": "rabatt"},
]


def _vouchers(api, user=ADMIN, queue=None) -> list[dict]:
    path = f"/clients/{FJORD}/vouchers" + (f"?queue={queue}" if queue else "")
    reply = api.get(path, user=user)
    assert reply.status == 200, reply
    return reply.json["items"]


def _address(api) -> str:
    reply = api.get(f"/clients/{FJORD}/voucher-inbox", user=ADMIN)
    assert reply.status == 200, reply
    return reply.json["address"]


def test_mail_with_ehf_and_pdf_to_booked(api, inbound, ehf_bytes, mail_factory):
    address = _address(api)
    assert address == "fjordkaffe@bilag.example.no"
    pdf = make_pdf(OTHER_SUPPLIER_PDF_LINES)
    inbound.mail(
        mail_factory(((ehf_bytes, "application/xml", "faktura.xml"), (pdf, "application/pdf", "k5521.pdf")), to=address)
    )
    assert inbound.drain() >= 1

    new = {v["channel"] + ":" + v["original"]["content_type"]: v for v in _vouchers(api, queue="new")}
    assert set(new) == {"mail:application/xml", "mail:application/pdf"}
    ehf = new["mail:application/xml"]
    assert ehf["extracted"]["source"] == "ehf"
    assert ehf["details"]["invoice_number"] == "TOSL108" and ehf["details"]["total"] == "1801.78"
    assert ehf["validation"]["available"] is True and ehf["validation"]["valid"] is True
    assert ehf["supplier"]["matched_by"] == "created" and ehf["supplier"]["orgnr"] == "123456785"
    assert ehf["original"]["sha256"] and ehf["original"]["retain_until"].startswith("20")
    assert ehf["preview"]["kind"] in ("embedded-pdf", "summary")
    pdf_voucher = new["mail:application/pdf"]
    assert pdf_voucher["extracted"]["source"] == "pdf-text"
    assert pdf_voucher["details"]["total"] == "5000.00" and pdf_voucher["details"]["invoice_number"] == "K-5521"
    assert pdf_voucher["preview"]["kind"] == "original"

    # the original is locked in the vouchers bucket, unaltered
    head = aws.client("s3").head_object(Bucket=settings().vouchers_bucket, Key=ehf["original"]["key"])
    assert head["ObjectLockMode"] == "COMPLIANCE"
    body = aws.client("s3").get_object(Bucket=settings().vouchers_bucket, Key=ehf["original"]["key"])["Body"].read()
    assert body == ehf_bytes
    preview = api.get(f"/clients/{FJORD}/vouchers/{pdf_voucher['voucher_id']}/preview", user=ADMIN)
    assert preview.status == 200 and preview.json["content_type"] == "application/pdf"
    assert requests.get(preview.json["url"], timeout=10).content == pdf

    vid = ehf["voucher_id"]
    base = f"/clients/{FJORD}/vouchers/{vid}"
    bad = api.put(
        base + "/coding", {"version": ehf["version"], "lines": [{"account": "9999", "net_amount": "1"}]}, user=ADMIN
    )
    assert bad.status == 422
    bad = api.put(
        base + "/coding",
        {"version": ehf["version"], "lines": [{"account": "4300", "vat_code": "3", "net_amount": "1"}]},
        user=ADMIN,
    )
    assert bad.status == 422 and "vat_code" in json.dumps(bad.json)
    coded = api.put(base + "/coding", {"version": ehf["version"], "lines": EHF_CODING}, user=ADMIN)
    assert coded.status == 200, coded
    assert coded.json["status"] == "to_approve"
    assert api.post(base + "/booking", {"version": coded.json["version"]}, user=ADMIN).status == 403
    approved = api.post(base + "/approval", {"version": coded.json["version"]}, user=ADMIN)
    assert approved.status == 200, approved
    assert approved.json["status"] == "approved"

    queue = api.get("/bureau/voucher-queue", user=ACCOUNTANT)
    assert queue.status == 200 and [v["voucher_id"] for v in queue.json["items"]] == [vid]
    booked = api.post(
        base + "/booking", {"version": approved.json["version"]}, user=ACCOUNTANT, headers={"Idempotency-Key": "book-1"}
    )
    assert booked.status == 200, booked
    booking = booked.json["booking"]
    assert booked.json["status"] == "booked" and booking["voucher_number"] == "2013-1"
    debit = sum(Decimal(x["debit"]) for x in booking["lines"])
    credit = sum(Decimal(x["credit"]) for x in booking["lines"])
    assert debit == credit == Decimal("1826.78")  # 1801.78 + the 25.00 allowance on the credit side
    ledger = [x for x in booking["lines"] if x["account"] == "2400"]
    assert ledger == [
        {
            "account": "2400",
            "debit": "0.00",
            "credit": "1801.78",
            "supplier_number": 10001,
            "text": "The Sellercompany ASA TOSL108",
        }
    ]
    assert {x["account"] for x in booking["lines"]} == {"4300", "2710", "2711", "2400"}
    replay = api.post(
        base + "/booking", {"version": approved.json["version"]}, user=ACCOUNTANT, headers={"Idempotency-Key": "book-1"}
    )
    assert replay.status == 200 and replay.headers.get("idempotent-replayed") == "true"
    assert api.post(base + "/booking", {"version": booked.json["version"]}, user=ACCOUNTANT).status == 409

    # the second voucher from the same supplier gets the learned coding suggestion
    inbound.put(f"upload/{FJORD}/x-1/again.xml", ehf_bytes.replace(b"TOSL108", b"TOSL109"), "application/xml")
    inbound.drain()
    [again] = [v for v in _vouchers(api, queue="new") if v["details"]["invoice_number"] == "TOSL109"]
    assert again["suggestion"]["source"] == "history" and again["suggestion"]["account"] == "4300"

    # events are audit actions on the bus
    actions = {e["action"] for e in api.get(f"/clients/{FJORD}/audit-events?limit=200", user=ADMIN).json["items"]}
    assert {
        "voucher.received",
        "voucher.interpreted",
        "voucher.coded",
        "voucher.approved",
        "voucher.booked",
        "supplier.created",
    } <= actions


def test_return_with_comment_and_paid(api, inbound, invoice_pdf):
    _address(api)
    inbound.put(f"upload/{FJORD}/b-1/faktura.pdf", invoice_pdf, "application/pdf")
    inbound.drain()
    [v] = _vouchers(api, queue="new")
    base = f"/clients/{FJORD}/vouchers/{v['voucher_id']}"
    v = api.put(
        base + "/coding",
        {"version": v["version"], "lines": [{"account": "6800", "vat_code": "1", "net_amount": "10000.00"}]},
        user=ADMIN,
    ).json
    v = api.post(base + "/approval", {"version": v["version"], "comment": "ok"}, user=ADMIN).json
    v = api.post(base + "/payment", {"version": v["version"], "paid_on": "2024-03-20"}, user=ADMIN).json
    assert v["status"] == "paid"
    assert api.post(base + "/return", {"version": v["version"], "comment": "x"}, user=ADMIN).status == 403
    returned = api.post(base + "/return", {"version": v["version"], "comment": "Mangler prosjekt"}, user=ACCOUNTANT)
    assert returned.status == 200 and returned.json["status"] == "returned"
    assert returned.json["history"][-1]["comment"] == "Mangler prosjekt"
    assert [x["voucher_id"] for x in _vouchers(api, queue="returned")] == [v["voucher_id"]]
    actions = [e["action"] for e in api.get(f"/clients/{FJORD}/audit-events?limit=200", user=ADMIN).json["items"]]
    assert {"voucher.approved", "voucher.paid", "voucher.returned"} <= set(actions)


def test_upload_through_presigned_urls(api, inbound, invoice_pdf, ehf_bytes):
    reply = api.post(
        f"/clients/{FJORD}/voucher-uploads",
        {
            "files": [
                {"filename": "../../faktura.pdf", "content_type": "application/pdf", "size": len(invoice_pdf)},
                {"filename": "ehf.xml", "content_type": "application/xml", "size": len(ehf_bytes)},
            ]
        },
        user=ADMIN,
    )
    assert reply.status == 201, reply
    targets = reply.json["items"]
    assert targets[0]["filename"] == "faktura.pdf" and targets[0]["key"].startswith(f"upload/{FJORD}/")
    for target, data in zip(targets, (invoice_pdf, ehf_bytes), strict=True):
        assert target["method"] == "POST"
        post = requests.post(
            target["url"], data=target["fields"], files={"file": (target["filename"], data)}, timeout=10
        )
        assert post.status_code in (200, 204), post.text
    inbound.drain()
    items = _vouchers(api)
    assert {v["channel"] for v in items} == {"upload"} and len(items) == 2
    assert all(v["source"]["uploaded_by"] for v in items)
    first = api.get(f"/clients/{FJORD}/vouchers?queue=new&limit=1", user=ADMIN).json
    assert len(first["items"]) == 1 and first["next_cursor"]
    second = api.get(f"/clients/{FJORD}/vouchers?queue=new&limit=1&cursor={first['next_cursor']}", user=ADMIN).json
    assert len(second["items"]) == 1 and second["items"][0]["voucher_id"] != first["items"][0]["voucher_id"]
    foreign = api.get(f"/clients/c-hansenbygg/vouchers?queue=new&cursor={first['next_cursor']}", user=ACCOUNTANT)
    assert foreign.status == 422  # a cursor is bound to its tenant's list
    apidoc = api.get("/openapi.json").json
    assert "/clients/{client_id}/vouchers/{voucher_id}/booking" in apidoc["paths"]


def test_replays_and_duplicates_change_nothing(api, inbound, ehf_bytes, mail_factory):
    raw = mail_factory(((ehf_bytes, "application/xml", "faktura.xml"),), to=_address(api))
    inbound.mail(raw, "m-1")
    inbound.drain()
    [first] = _vouchers(api)
    sqs = aws.client("sqs")
    url = sqs.get_queue_url(QueueName=inbound.queue_name)["QueueUrl"]
    event = {
        "Records": [
            {
                "eventName": "ObjectCreated:Put",
                "s3": {"bucket": {"name": inbound.bucket}, "object": {"key": "mail/m-1", "size": len(raw)}},
            }
        ]
    }
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps(event))  # the same S3 event again
    inbound.mail(raw, "m-2")  # the same mail again
    inbound.put(f"upload/{FJORD}/u-9/same.xml", ehf_bytes, "application/xml")  # the same file uploaded
    inbound.drain()
    [after] = _vouchers(api)
    assert after["voucher_id"] == first["voucher_id"] and after["version"] == first["version"]
    # same supplier + invoice number, different bytes: a new voucher flagged as a duplicate
    inbound.put(
        f"upload/{FJORD}/u-10/copy.xml", ehf_bytes.replace(b"<cbc:Note>", b"<cbc:Note>Kopi. "), "application/xml"
    )
    inbound.drain()
    flagged = [v for v in _vouchers(api) if v["voucher_id"] != first["voucher_id"]]
    assert len(flagged) == 1 and flagged[0]["duplicate_of"] == first["voucher_id"]


def test_tenant_isolation(api, inbound, invoice_pdf):
    inbound.put(f"upload/{FJORD}/t-1/faktura.pdf", invoice_pdf, "application/pdf")
    inbound.drain()
    [v] = _vouchers(api)
    other = "post@hansenbygg.no"
    assert api.get(f"/clients/{FJORD}/vouchers/{v['voucher_id']}", user=other).status == 404
    assert api.get(f"/clients/{FJORD}/vouchers", user=other).status == 404
    assert api.get(f"/clients/c-hansenbygg/vouchers/{v['voucher_id']}", user=other).status == 404
    assert api.get(f"/clients/{FJORD}/vouchers/{v['voucher_id']}/preview", user=other).status == 404
    assert api.get("/bureau/voucher-queue", user=other).status == 403
    assert api.get(f"/clients/{FJORD}/vouchers", user="salg@fjordkaffe.no").status == 403  # no vouchers module


def test_scanned_receipt_goes_through_the_ocr_engine(api, inbound, conformance_dir, monkeypatch):
    """A real recorded Textract answer, replayed by the simulator the local stack uses."""
    from klientportal import bootstrap
    from klientportal.vouchers.ocr_engines import SIMULATOR_MARK, SimulatedTextract

    folder = conformance_dir / "textract" / "analyze-expense" / "textractor"
    image = (folder / "receipt.jpg").read_bytes()
    engine = SimulatedTextract()
    engine.record(image, json.loads((folder / "receipt.jpg.analyze_expense.json").read_text()))
    monkeypatch.setitem(bootstrap._ocr_engines, ("simulated", settings().inbound_bucket), engine)
    inbound.put(f"upload/{FJORD}/scan-1/kvittering.jpg", image, "image/jpeg")
    inbound.drain()
    [voucher] = _vouchers(api)
    assert voucher["extracted"]["source"] == "ocr" and voucher["validation"] == {"ocr_engine": "simulated"}
    assert voucher["details"]["total"] is not None
    assert 0 < voucher["extracted"]["totals"]["payable"]["confidence"] < 1
    assert voucher["preview"] == {**voucher["preview"], "kind": "original", "content_type": "image/jpeg"}
    assert SIMULATOR_MARK == "SimulatedTextract"


def test_inbound_ehf_from_the_access_point(api, inbound, ehf_bytes):
    inbound.put(f"ehf/{FJORD}/msg-0001.xml", ehf_to(ehf_bytes, FJORD_ORGNR), "application/xml")
    inbound.drain()
    [voucher] = _vouchers(api, queue="new")
    assert voucher["channel"] == "ehf" and voucher["source"]["inbound_key"] == f"ehf/{FJORD}/msg-0001.xml"
    assert voucher["extracted"]["source"] == "ehf" and voucher["checks"]
    assert voucher["source"]["routed_by"] == "receiver" and voucher["source"]["receiver"] == FJORD_ORGNR


def test_invalid_ehf_is_kept_and_shown_with_the_failed_rules(api, inbound, ehf_bytes):
    broken = ehf_to(ehf_bytes, FJORD_ORGNR).replace(
        b'<cbc:PayableAmount currencyID="NOK">802.00</cbc:PayableAmount>',
        b'<cbc:PayableAmount currencyID="NOK">900.00</cbc:PayableAmount>',
    )
    inbound.put(f"ehf/{FJORD}/broken.xml", broken, "application/xml")
    inbound.drain()
    [voucher] = _vouchers(api, queue="new")
    validation = voucher["validation"]
    assert validation["available"] is True and validation["valid"] is False
    assert any(rule["flag"] == "fatal" for rule in validation["failed_rules"])
    assert any(not check["ok"] for check in voucher["checks"])
