"""Findings of the hostile walk-through of the voucher inbox (issue 7 §2 and §3), each reproduced
through the real handlers on moto: upload size bound, fatal EHF rules, the buyer of an e-mailed EHF,
checks after an edit, a supplier orgnr that contradicts its account, the named attester."""

from __future__ import annotations

import base64
import json

import requests

from klientportal.bootstrap import store as main_store
from klientportal.bootstrap import tenancy_service
from klientportal.repository.store import SYSTEM
from klientportal.tenancy.models import BureauLicence, ClientCreate, Module, Tier
from tests.functions.vouchers.conftest import (
    ACCOUNTANT,
    ADMIN,
    FJORD,
    FJORD_ORGNR,
    ehf_to,
)
from tests.functions.vouchers.test_voucher_walk import EHF_CODING

BYGG, BYGG_ORGNR = "c-hansenbygg", "912345629"
ATTESTER = "prosjekt@fjordkaffe.no"
FATAL_PAYABLE = (
    b'<cbc:PayableAmount currencyID="NOK">802.00</cbc:PayableAmount>',
    b'<cbc:PayableAmount currencyID="NOK">900.00</cbc:PayableAmount>',
)


def _vouchers(api, client=FJORD, user=ADMIN, queue=None) -> list[dict]:
    reply = api.get(f"/clients/{client}/vouchers" + (f"?queue={queue}" if queue else ""), user=user)
    assert reply.status == 200, reply
    return reply.json["items"]


def _check(voucher: dict, code: str) -> dict | None:
    return next((c for c in voucher["checks"] if c["code"] == code), None)


def _sub(email: str, client=FJORD) -> str:
    return next(m.sub for m in tenancy_service().repo.members("client", client) if m.email == email)


# ---- uploads: the declared size is bound into the presigned request and checked at intake ------------
def test_an_upload_declared_small_and_sent_large_is_not_read(api, inbound):
    reply = api.post(
        f"/clients/{FJORD}/voucher-uploads",
        {"files": [{"filename": "liten.pdf", "content_type": "application/pdf", "size": 10}]},
        user=ADMIN,
    )
    assert reply.status == 201, reply
    [target] = reply.json["items"]
    assert target["method"] == "POST"
    policy = json.loads(base64.b64decode(target["fields"]["policy"]))
    assert ["content-length-range", 10, 10] in policy["conditions"]
    assert {"Content-Type": "application/pdf"} in policy["conditions"]
    assert target["fields"]["key"] == target["key"] and {"key": target["key"]} in policy["conditions"]
    big = b"%PDF-1.7\n" + b"0" * (5 * 1024 * 1024)
    # moto does not enforce the policy (real S3 answers 400 EntityTooLarge): the intake must catch it
    sent = requests.post(target["url"], data=target["fields"], files={"file": ("liten.pdf", big)}, timeout=30)
    assert sent.status_code in (200, 204), sent.text
    inbound.drain()
    assert _vouchers(api) == []
    [item] = api.get(f"/clients/{FJORD}/voucher-quarantine", user=ADMIN).json["items"]
    assert item["reason"] == "upload-size-mismatch" and "declared 10 bytes" in item["message"]
    assert item["original"]["size"] == len(big)  # kept (locked) for the record, never parsed


def test_an_upload_without_a_declared_size_is_not_read(api, inbound, invoice_pdf):
    inbound.put(f"upload/{FJORD}/x-1/faktura.pdf", invoice_pdf, "application/pdf", **{"declared-size": "12"})
    inbound.drain()
    assert _vouchers(api) == []
    reasons = [i["reason"] for i in api.get(f"/clients/{FJORD}/voucher-quarantine", user=ADMIN).json["items"]]
    assert reasons == ["upload-size-mismatch"]


# ---- an EHF failing fatal rules is blocked until overridden or corrected --------------------------------
def _fatal_voucher(api, inbound, ehf_bytes, name="fatal.xml") -> dict:
    inbound.put(f"ehf/{FJORD}/{name}", ehf_to(ehf_bytes, FJORD_ORGNR).replace(*FATAL_PAYABLE), "application/xml")
    inbound.drain()
    [voucher] = _vouchers(api, queue="new")
    assert any(r["flag"] == "fatal" for r in voucher["validation"]["failed_rules"])
    return voucher


def test_an_ehf_failing_fatal_rules_cannot_be_approved_or_paid_until_overridden(api, inbound, ehf_bytes):
    voucher = _fatal_voucher(api, inbound, ehf_bytes)
    base = f"/clients/{FJORD}/vouchers/{voucher['voucher_id']}"
    v = api.put(base + "/coding", {"version": voucher["version"], "lines": EHF_CODING}, user=ADMIN)
    assert v.status == 200, v  # it can be coded
    v = v.json
    refused = api.post(base + "/approval", {"version": v["version"]}, user=ADMIN)
    assert refused.status == 409 and refused.json["type"].endswith("ehf-fatal-rules"), refused
    assert refused.json["failed_rules"]
    assert api.post(base + "/payment", {"version": v["version"], "paid_on": "2026-11-27"}, user=ADMIN).status == 409
    assert api.post(base + "/attestation", {"version": v["version"]}, user=ADMIN).status == 409
    assert (
        api.post(f"/clients/{FJORD}/payment-proposal/vouchers", {"voucher_id": v["voucher_id"]}, user=ADMIN).status
        == 409
    )
    # a client user may not override (approval level); a client admin may, with a reason
    assert api.post(base + "/validation-override", {"version": v["version"]}, user=ADMIN).status == 422
    over = api.post(
        base + "/validation-override", {"version": v["version"], "reason": "Avtalt med leverandør"}, user=ADMIN
    )
    assert over.status == 200, over
    assert over.json["validation_override"]["reason"] == "Avtalt med leverandør"
    approved = api.post(base + "/approval", {"version": over.json["version"]}, user=ADMIN)
    assert approved.status == 200 and approved.json["status"] == "approved", approved
    actions = [e["action"] for e in main_store().audit_events(f"T#{FJORD}")[0]]
    assert "voucher.validation_overridden" in actions


def test_a_corrected_invoice_can_be_asked_for(api, inbound, ehf_bytes):
    voucher = _fatal_voucher(api, inbound, ehf_bytes)
    base = f"/clients/{FJORD}/vouchers/{voucher['voucher_id']}"
    asked = api.post(base + "/correction-request", {"version": voucher["version"], "comment": "Feil sum"}, user=ADMIN)
    assert asked.status == 200 and asked.json["status"] == "correction_requested", asked
    assert [v["voucher_id"] for v in _vouchers(api, queue="correction_requested")] == [voucher["voucher_id"]]
    assert api.post(base + "/approval", {"version": asked.json["version"]}, user=ADMIN).status == 409
    # a valid EHF has nothing to correct
    inbound.put(f"ehf/{FJORD}/valid.xml", ehf_to(ehf_bytes, FJORD_ORGNR), "application/xml")
    inbound.drain()
    [valid] = _vouchers(api, queue="new")
    assert (
        api.post(
            f"/clients/{FJORD}/vouchers/{valid['voucher_id']}/correction-request",
            {"version": valid["version"], "comment": "x"},
            user=ADMIN,
        ).status
        == 409
    )


# ---- an EHF e-mailed to client A whose buyer is client B ------------------------------------------------
def test_an_emailed_ehf_goes_to_its_buyer_within_the_bureau_and_is_flagged_otherwise(
    api, inbound, ehf_bytes, mail_factory
):
    service = tenancy_service()
    service.create_bureau(
        "b-other",
        "Annet Byrå AS",
        "912345661",
        BureauLicence(licence_number="BYRA-9", modules=list(Module)),
        "admin@other.no",
        "Other",
        SYSTEM,
    )
    service.create_client(
        "b-other",
        ClientCreate(name="Fremmed AS", orgnr="912345688", tier=Tier.PORTAL, modules=list(Module)),
        SYSTEM,
        client_id="c-other",
    )
    to_bygg = ehf_to(ehf_bytes, BYGG_ORGNR)
    to_foreign = ehf_to(ehf_bytes, "912345688").replace(b"TOSL108", b"TOSL201")
    to_nobody = ehf_to(ehf_bytes, "974760673").replace(b"TOSL108", b"TOSL202")
    mine = ehf_to(ehf_bytes, FJORD_ORGNR).replace(b"TOSL108", b"TOSL203")
    inbound.mail(
        mail_factory(
            (
                (to_bygg, "application/xml", "a.xml"),
                (to_foreign, "application/xml", "b.xml"),
                (to_nobody, "application/xml", "c.xml"),
                (mine, "application/xml", "d.xml"),
            ),
            to="fjordkaffe@bilag.example.no",
        )
    )
    inbound.drain()
    [routed] = _vouchers(api, client=BYGG, user=ACCOUNTANT)
    assert routed["source"]["routed_by"] == "buyer" and routed["source"]["addressed_to"] == FJORD
    assert _check(routed, "buyer-is-this-company")["ok"] is True
    fjord = {v["details"]["invoice_number"]: v for v in _vouchers(api)}
    assert set(fjord) == {"TOSL201", "TOSL202", "TOSL203"}  # another bureau's client is never reached
    for number in ("TOSL201", "TOSL202"):
        flag = _check(fjord[number], "buyer-is-this-company")
        assert flag["ok"] is False and "buyer is not this company" in flag["message"]
    assert _check(fjord["TOSL203"], "buyer-is-this-company")["ok"] is True
    assert api.get("/clients/c-other/vouchers", user="admin@other.no").json["items"] == []


# ---- checks follow every edit -----------------------------------------------------------------------------
def test_checks_are_recomputed_after_an_edit(api, inbound, invoice_pdf):
    inbound.put(f"upload/{FJORD}/c-1/faktura.pdf", invoice_pdf, "application/pdf")
    inbound.drain()
    [v] = _vouchers(api)
    assert _check(v, "kid")["ok"] is True and _check(v, "tax-inclusive")["ok"] is True
    base = f"/clients/{FJORD}/vouchers/{v['voucher_id']}"
    edited = api.patch(
        base,
        {"version": v["version"], "kid": "1234567890", "bank_account": "86011117948", "total": "12600.00"},
        user=ADMIN,
    )
    assert edited.status == 200, edited
    after = edited.json
    assert _check(after, "kid")["ok"] is False
    assert _check(after, "bank-account")["ok"] is False
    assert _check(after, "tax-inclusive")["ok"] is False and "12600" in _check(after, "tax-inclusive")["message"]
    fixed = api.patch(
        base,
        {"version": after["version"], "kid": "1234567897", "bank_account": "86011117947", "total": "12500.00"},
        user=ADMIN,
    ).json
    assert all(c["ok"] for c in fixed["checks"] if c["code"] in ("kid", "bank-account", "tax-inclusive"))


# ---- an orgnr mismatch wins over an account match --------------------------------------------------------
def test_a_supplier_is_not_matched_by_account_when_the_orgnr_differs(api, inbound, ehf_bytes):
    made = api.post(
        f"/clients/{FJORD}/suppliers",
        {"supplier_number": 20001, "name": "Kontorland AS", "orgnr": "974760673", "bank_account": "86011117947"},
        user=ADMIN,
    )
    assert made.status == 201, made
    inbound.put(f"ehf/{FJORD}/s-1.xml", ehf_to(ehf_bytes, FJORD_ORGNR), "application/xml")  # orgnr 123456785
    inbound.drain()
    [v] = _vouchers(api)
    assert v["supplier"] is None and v["details"]["supplier_number"] is None
    assert any(n.startswith("supplier-orgnr-mismatch") and "20001" in n for n in v["notes"])
    suppliers = api.get(f"/clients/{FJORD}/suppliers", user=ADMIN).json["items"]
    assert [s["supplier_number"] for s in suppliers] == [20001]  # nothing created with another's account


# the attester's steps: tests/functions/vouchers/test_attestation_workflow.py (the workflow decides, 0501)
