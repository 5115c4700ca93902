"""The EHF shapes of ISSUE-8 §3 through the API on moto: draft → issue → PDF and EHF (0 fatal),
attachments stored in S3 beside the invoice, and bad input refused with a 422 before anything is written."""

from __future__ import annotations

import base64
import io

from pypdf import PdfReader

from klientportal import aws
from klientportal.adapters import outbox
from klientportal.formats.ehf.validation import validate_ehf
from klientportal.formats.safe_xml import parse_xml
from klientportal.invoicing.attachments import MAX_ATTACHMENT_BYTES
from klientportal.settings import settings
from tests.functions.invoicing.conftest import ADMIN, BASE, SALES, key

NS = {
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}
TIMESHEET = b"dato;timer\n2026-02-03;7,5\n"
SHAPES = {
    "customer_number": 2,
    "currency": "EUR",
    "nok_exchange_rate": "11.5",
    "period": {"start": "2026-02-01", "end": "2026-02-28"},
    "prepaid_amount": "1000",
    "round_payable_to_krone": True,
    "lines": [
        {
            "description": "Konsulenttimer",
            "quantity": "12",
            "unit_code": "HUR",
            "unit_price": "1000",
            "gross_price": "1150",
            "base_quantity": "10",
            "vat_code": "3",
            "period": {"start": "2026-02-01", "end": "2026-02-28"},
            "allowances_charges": [
                {"is_charge": True, "percent": "5", "reason": "Reisetillegg", "reason_code": "FC"},
                {"is_charge": False, "amount": "25", "reason": "Avtalerabatt"},
            ],
        },
        {
            "description": "Bedriftshelsetjeneste",
            "quantity": 1,
            "unit_price": "500",
            "vat_code": "6",
            "exemption_reason": "Helsetjenester, mval. § 3-2",
            "exemption_reason_code": "VATEX-EU-132-1B",
        },
    ],
    "allowances_charges": [
        {"is_charge": False, "percent": "2.5", "reason": "Kontantrabatt", "reason_code": "95", "vat_code": "3"}
    ],
    "attachments": [
        {
            "filename": "timeliste-februar.csv",
            "mime_code": "text/csv",
            "description": "Timeliste",
            "content_base64": base64.b64encode(TIMESHEET).decode(),
        }
    ],
}


def xp(root, path: str) -> list[str]:
    return [x if isinstance(x, str) else (x.text or "") for x in root.xpath(path, namespaces=NS)]


def test_every_shape_through_the_api(inv, conformance_dir):
    r = inv.post(f"{BASE}/invoices", SHAPES, user=SALES, headers=key())
    assert r.status == 201, r
    d = r.json
    # the same figures as tests/unit/invoicing/invoice_samples.shapes_invoice, worked out by hand
    assert d["totals"] == {
        "line_extension": "1735.00",
        "allowance_total": "30.88",
        "charge_total": "0.00",
        "tax_exclusive": "1704.12",
        "vat": "301.03",
        "tax_inclusive": "2005.15",
        "prepaid": "1000.00",
        "rounding": "-0.15",
        "payable": "1005.00",
        "vat_nok": "3461.85",
    }
    # every shape comes back as given, typed (the response models are closed: an undeclared field is dropped)
    assert (d["currency"], d["nok_exchange_rate"], d["prepaid_amount"], d["round_payable_to_krone"]) == (
        "EUR",
        "11.5",
        "1000.00",
        True,
    )
    assert d["period"] == SHAPES["period"] and d["lines"][0]["period"] == SHAPES["lines"][0]["period"]
    first, exempt = d["lines"]
    assert (first["gross_price"], first["base_quantity"]) == ("1150", "10")
    assert first["allowances_charges"] == [
        {"is_charge": True, "amount": None, "percent": "5", "reason": "Reisetillegg", "reason_code": "FC"},
        {"is_charge": False, "amount": "25.00", "percent": None, "reason": "Avtalerabatt", "reason_code": None},
    ]
    assert (exempt["exemption_reason"], exempt["exemption_reason_code"]) == (
        "Helsetjenester, mval. § 3-2",
        "VATEX-EU-132-1B",
    )
    [allowance] = d["allowances_charges"]
    assert {k: allowance[k] for k in ("amount", "percent", "base_amount", "reason_code", "vat_code")} == {
        "amount": None,
        "percent": "2.5",
        "base_amount": None,
        "reason_code": "95",
        "vat_code": "3",
    }
    [attached] = d["attachments"]
    assert (attached["filename"], attached["mime_code"], attached["description"]) == (
        "timeliste-februar.csv",
        "text/csv",
        "Timeliste",
    )
    assert attached["size"] == len(TIMESHEET) and attached["key"].endswith(f"/attachments/{attached['sha256']}")
    stored = aws.client("s3").get_object(Bucket=settings().documents_bucket, Key=attached["key"])
    assert stored["Body"].read() == TIMESHEET and stored["ContentType"] == "text/csv"

    i = inv.post(f"{BASE}/invoices/{d['id']}/issue", user=SALES, headers=key()).json
    assert i["status"] == "issued" and i["currency"] == "EUR"
    assert i["recipient"]["customer_number"] == 2 and i["totals"] == d["totals"] and i["lines"] == d["lines"]
    pdf = inv.get(f"{BASE}/invoices/{d['id']}/pdf", user=SALES).raw
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    for expected in (
        "Periode 01.02.2026–28.02.2026",
        "Valutakurs 1 EUR = 11,5 NOK",
        "Forskuddsbetalt -1 000,00 EUR",
        "Øreavrunding -0,15 EUR",
        "Å betale 1 005,00 EUR",
        "Mva i NOK: 3 461,85",
        "Tillegg: Reisetillegg 5 % 60,00",
        "Bruttopris 1 150,00, prisrabatt 150,00",
        "Pris pr. 10 timer",
        "Fratrekk: Kontantrabatt 2,5 % av 1 235,00",
        "VATEX-EU-132-1B Helsetjenester, mval. § 3-2",
        "Vedlegg: timeliste-februar.csv",
    ):
        assert expected in text, expected

    ehf = inv.get(f"{BASE}/invoices/{d['id']}/ehf", user=SALES).raw
    report = validate_ehf(ehf, conformance_dir=conformance_dir)
    assert report.valid and not report.fatal, report
    root = parse_xml(ehf)
    assert xp(root, "cac:AdditionalDocumentReference/cbc:ID") == [f"faktura-{i['number']}.pdf", "timeliste-februar.csv"]
    embedded = xp(root, "cac:AdditionalDocumentReference/cac:Attachment/cbc:EmbeddedDocumentBinaryObject")
    assert base64.b64decode(embedded[1]) == TIMESHEET
    assert xp(root, "cac:TaxTotal/cbc:TaxAmount") == ["301.03", "3461.85"]
    assert xp(root, "cac:LegalMonetaryTotal/cbc:PayableAmount") == ["1005.00"]

    r = inv.post(f"{BASE}/invoices/{d['id']}/send", user=SALES, headers=key())
    assert r.status == 200 and r.json["status"] == "sent", r
    [msg] = outbox.messages("ehf")
    assert validate_ehf(msg["xml"].encode(), conformance_dir=conformance_dir).valid
    paid = inv.post(
        f"{BASE}/invoices/{d['id']}/payments",
        {"payment_id": "b-1", "amount": "1005.00", "paid_on": "2026-03-02"},
        user=ADMIN,
    )
    assert paid.status == 200 and paid.json["status"] == "paid", paid  # the payable after prepaid and rounding

    credit = inv.post(
        f"{BASE}/invoices/{d['id']}/credit-notes", {"lines": [SHAPES["lines"][1]]}, user=SALES, headers=key()
    ).json
    assert (credit["currency"], credit["totals"]["vat_nok"]) == ("EUR", "0.00")  # currency and rate carried over
    assert credit["period"] == SHAPES["period"] and credit["round_payable_to_krone"] is True


def _problem_names(problem: dict, field: str) -> bool:
    return field in problem["detail"] or any(field in str(e) for e in problem.get("errors", []))


def test_bad_shapes_at_the_boundary_are_422_and_nothing_is_written(inv):
    """What the request model can judge alone: 422 on create, no draft, no attachment in S3."""
    line = SHAPES["lines"][0]
    attachment = SHAPES["attachments"][0]
    cases = [
        ({**SHAPES, "currency": "XYZ"}, "currency"),
        ({**SHAPES, "nok_exchange_rate": "11.1234567"}, "nok_exchange_rate"),  # at most 6 decimals (Rate)
        ({**SHAPES, "period": {"start": "2026-03-01", "end": "2026-02-01"}}, "period"),
        ({**SHAPES, "period": {}}, "period"),
        ({**SHAPES, "lines": [{**line, "base_quantity": "0"}]}, "base_quantity"),
        (
            {
                **SHAPES,
                "lines": [
                    {
                        **line,
                        "allowances_charges": [{"is_charge": True, "amount": "1", "reason": "x", "reason_code": "95"}],
                    }
                ],
            },
            "reason_code",
        ),
        ({**SHAPES, "lines": [{**line, "allowances_charges": [{"is_charge": True, "reason": "x"}]}]}, "percent"),
        (
            {**SHAPES, "lines": [{**SHAPES["lines"][1], "exemption_reason_code": "VATEX-EU-NOPE"}]},
            "exemption_reason_code",
        ),
        (
            {**SHAPES, "allowances_charges": [{"is_charge": False, "amount": "1", "base_amount": "10", "reason": "x"}]},
            "base_amount",
        ),
        ({**SHAPES, "attachments": [{**attachment, "mime_code": "application/zip"}]}, "mime_code"),
        ({**SHAPES, "attachments": [{**attachment, "content_base64": "not base64!"}]}, "base64"),
        (
            {
                **SHAPES,
                "attachments": [
                    {**attachment, "content_base64": base64.b64encode(b"x" * (MAX_ATTACHMENT_BYTES + 1)).decode()}
                ],
            },
            "attachments.0",
        ),
        ({**SHAPES, "attachments": [{**attachment, "filename": f"{n}.csv"} for n in range(6)]}, "attachments"),
        ({**SHAPES, "attachments": [{**attachment, "filename": "../x.csv"}]}, "filename"),
    ]
    for body, field in cases:
        r = inv.post(f"{BASE}/invoices", body, user=SALES, headers=key())
        assert r.status == 422 and _problem_names(r.json, field), (field, r.json)
    r = inv.post(
        f"{BASE}/invoices",
        {**SHAPES, "attachments": [{**attachment, "filename": "faktura-10001.pdf", "mime_code": "application/pdf"}]},
        user=SALES,
        headers=key(),
    )
    assert r.status == 422 and _problem_names(r.json, "filename"), r.json  # the invoice's own PDF name
    assert inv.get(f"{BASE}/invoices", user=SALES).json["items"] == []
    listed = aws.client("s3").list_objects_v2(Bucket=settings().documents_bucket, Prefix="clients/c-fjordkaffe/")
    assert listed.get("KeyCount", 0) == 0


def test_shapes_the_invoice_model_refuses_stop_the_issue(inv):
    """A draft may be incomplete (totals null); issuing it is a 422 naming the field, and no number is used."""
    line = SHAPES["lines"][0]
    body = {k: v for k, v in SHAPES.items() if k != "attachments"}
    cases = [
        ({**body, "nok_exchange_rate": None}, "nok_exchange_rate"),
        ({**body, "prepaid_amount": "999999"}, "prepaid_amount"),
        ({**body, "period": {"start": "2026-02-10"}}, "period"),  # the line period starts before it
        ({**body, "lines": [{**line, "gross_price": "900"}]}, "gross price"),
        ({**body, "lines": [{**line, "exemption_reason": "Fritatt"}]}, "exemption_reason"),  # S takes none
        ({**body, "lines": [{**SHAPES["lines"][1], "exemption_reason_code": "VATEX-EU-G"}]}, "exemption_reason_code"),
        (
            {**body, "allowances_charges": [{"is_charge": False, "percent": "2", "reason": "x", "vat_code": "33"}]},
            "base_amount",
        ),
    ]
    for draft_body, field in cases:
        d = inv.post(f"{BASE}/invoices", draft_body, user=SALES, headers=key())
        assert d.status == 201 and d.json["totals"] is None, (field, d.json)
        r = inv.post(f"{BASE}/invoices/{d.json['id']}/issue", user=SALES, headers=key())
        assert r.status == 422 and _problem_names(r.json, field), (field, r.json)
    assert inv.get(f"{BASE}/invoice-settings", user=SALES).json["next_number"] == 10001


def test_patch_replaces_attachments_and_period_and_email_carries_them(inv):
    body = {**{k: v for k, v in SHAPES.items() if k not in ("attachments",)}, "customer_number": 1}
    d = inv.post(f"{BASE}/invoices", body, user=SALES, headers=key()).json
    assert d["attachments"] == []
    png = b"\x89PNG\r\n\x1a\n" + b"0" * 16
    r = inv.patch(
        f"{BASE}/invoices/{d['id']}",
        {
            "version": d["version"],
            "period": None,
            "lines": [{**SHAPES["lines"][0], "period": None}],
            "attachments": [
                {
                    "filename": "kvittering.png",
                    "mime_code": "image/png",
                    "content_base64": base64.b64encode(png).decode(),
                }
            ],
        },
        user=SALES,
    )
    assert r.status == 200, r
    assert r.json["period"] is None and [a["filename"] for a in r.json["attachments"]] == ["kvittering.png"]
    assert inv.post(f"{BASE}/invoices/{d['id']}/issue", user=SALES, headers=key()).status == 200
    assert inv.post(f"{BASE}/invoices/{d['id']}/send", user=SALES, headers=key()).json["status"] == "sent"
    [mail] = outbox.messages("email")
    assert [(a["filename"], a["mime"], a["bytes"]) for a in mail["attachments"]][1:] == [
        ("kvittering.png", "image/png", len(png))
    ]
    assert mail["attachments"][0]["filename"] == "faktura-10001.pdf"
