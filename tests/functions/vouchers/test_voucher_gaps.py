"""Gaps closed after the first voucher inbox: the inbox address claimed at client creation (0261),
inbound EHF routed by its receiver (0264)."""

from __future__ import annotations

from klientportal.bootstrap import store as main_store
from klientportal.repository.keys import UNROUTED_PK
from tests.functions.vouchers.conftest import ACCOUNTANT, FJORD, ehf_to

BUREAU_ADMIN = "admin@byraet.no"


def _new_client(api, name: str, orgnr: str) -> str:
    reply = api.post(
        "/clients", {"name": name, "orgnr": orgnr, "tier": "portal", "modules": ["vouchers"]}, user=BUREAU_ADMIN
    )
    assert reply.status == 201, reply
    return reply.json["client_id"]


def test_a_new_clients_address_receives_mail_at_once(api, inbound, ehf_bytes, mail_factory):
    client_id = _new_client(api, "Nyfisk AS", "912345645")
    # nobody has opened the inbox page: the address was claimed with the client
    inbound.mail(
        mail_factory(((ehf_bytes, "application/xml", "faktura.xml"),), to="nyfisk@bilag.example.no"), name="nyfisk-1"
    )
    inbound.drain()
    vouchers = api.get(f"/clients/{client_id}/vouchers", user=BUREAU_ADMIN).json["items"]
    assert [v["status"] for v in vouchers] == ["new"]
    assert main_store().query_all(UNROUTED_PK, "QUARANTINE#") == []
    inbox = api.get(f"/clients/{client_id}/voucher-inbox", user=BUREAU_ADMIN).json
    assert inbox["address"] == "nyfisk@bilag.example.no"
    # a second client of the same name gets the next free address, in the same transaction
    second = _new_client(api, "Nyfisk AS", "912345653")
    assert api.get(f"/clients/{second}/voucher-inbox", user=BUREAU_ADMIN).json["slug"] == "nyfisk-2"


def test_inbound_ehf_is_routed_by_its_receiver(api, inbound, ehf_bytes):
    client_id = _new_client(api, "Mottaker AS", "912345661")
    fjord_before = len(api.get(f"/clients/{FJORD}/vouchers", user=ACCOUNTANT).json["items"])
    # the key names c-fjordkaffe, the document names Mottaker AS: the document wins
    inbound.put(f"ehf/{FJORD}/doc-1.xml", ehf_to(ehf_bytes, "912345661"), "application/xml")
    # unknown receiver: platform quarantine, not the key's client
    inbound.put(
        f"ehf/{FJORD}/doc-2.xml", ehf_to(ehf_bytes, "999999999").replace(b"TOSL108", b"TOSL109"), "application/xml"
    )
    inbound.drain()
    mine = api.get(f"/clients/{client_id}/vouchers", user=BUREAU_ADMIN).json["items"]
    assert [v["channel"] for v in mine] == ["ehf"]
    assert mine[0]["source"]["routed_by"] == "receiver"
    assert len(api.get(f"/clients/{FJORD}/vouchers", user=ACCOUNTANT).json["items"]) == fjord_before
    unrouted = [r.data for r in main_store().query_all(UNROUTED_PK, "QUARANTINE#")]
    assert [(q["reason"], q["channel"]) for q in unrouted] == [("unknown-receiver", "ehf")]


def test_two_ingests_meeting_the_same_new_supplier_create_it_once(api, monkeypatch):
    import threading

    from klientportal.repository.store import SYSTEM
    from klientportal.vouchers import interpret

    store = main_store()
    barrier = threading.Barrier(2, timeout=20)
    real_find = interpret.find_supplier

    def find_then_wait(*args, **kwargs):  # both have looked and found nothing before either writes
        found = real_find(*args, **kwargs)
        barrier.wait()
        return found

    monkeypatch.setattr(interpret, "find_supplier", find_then_wait)
    results: list = []

    def ingest(orgnr, account):
        results.append(
            interpret.match_or_create_supplier(
                store, FJORD, name="Ny Leverandør AS", orgnr=orgnr, bank_account=account, actor=SYSTEM
            )
        )

    for orgnr, account in (("974760673", "12345678903"), (None, "NO9386011117947")):
        results.clear()
        threads = [threading.Thread(target=ingest, args=(orgnr, account)) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        (first, why1), (second, why2) = results
        assert why1 is None and why2 is None and first.supplier_number == second.supplier_number
        assert sorted(m.matched_by for m in (first, second)) == sorted(
            ["created", "orgnr" if orgnr else "bank_account"]
        )
        same = [
            r
            for r in store.query_all(f"T#{FJORD}", "SUPPLIER#")
            if r.data.get("orgnr") == orgnr
            and (orgnr or r.data.get("bank_account") == "86011117947" or r.data.get("iban") == "NO9386011117947")
        ]
        assert len(same) == 1


def test_add_to_payment_proposal(api, inbound, ehf_bytes):
    from tests.functions.vouchers.conftest import ADMIN, FJORD_ORGNR
    from tests.functions.vouchers.test_voucher_walk import EHF_CODING

    inbound.put(f"ehf/{FJORD}/pay-1.xml", ehf_to(ehf_bytes, FJORD_ORGNR), "application/xml")
    inbound.drain()
    [voucher] = api.get(f"/clients/{FJORD}/vouchers?queue=new", user=ADMIN).json["items"]
    vid, base, proposal = (
        voucher["voucher_id"],
        f"/clients/{FJORD}/vouchers/{voucher['voucher_id']}",
        f"/clients/{FJORD}/payment-proposal",
    )
    assert api.get(proposal, user=ADMIN).json == {
        "proposal_id": None,
        "client_id": FJORD,
        "status": "open",
        "lines": [],
        "totals": {},
        "version": 0,
    }
    early = api.post(proposal + "/vouchers", {"voucher_id": vid}, user=ADMIN)
    assert early.status == 409 and early.json["current_status"] == "new", early
    # the example's PaymentID is no valid KID (the proposal refuses it: a bank would); use a real one
    patched = api.patch(base, {"version": voucher["version"], "kid": "1234567897"}, user=ADMIN).json
    coded = api.put(base + "/coding", {"version": patched["version"], "lines": EHF_CODING}, user=ADMIN).json
    approved = api.post(base + "/approval", {"version": coded["version"]}, user=ADMIN).json
    assert approved["status"] == "approved"

    added = api.post(proposal + "/vouchers", {"voucher_id": vid}, user=ADMIN)
    assert added.status == 200, added
    [line] = added.json["lines"]
    # the payable amount, not the total with VAT: 1801.78 - 1000 prepaid + 0.22 payable rounding
    assert approved["details"]["total"] == "1801.78" and approved["details"]["payable"] == "802.00"
    assert line["voucher_id"] == vid and line["amount"] == "802.00" and line["currency"] == "NOK"
    assert line["due_date"] == approved["details"]["due_date"] and line["creditor_account"]
    assert line["kid"] == "1234567897" and line["message"] is None
    assert added.json["totals"] == {"NOK": "802.00"} and added.json["proposal_id"].startswith("pp-")
    again = api.post(proposal + "/vouchers", {"voucher_id": vid}, user=ADMIN)  # idempotent
    assert again.status == 200 and again.json["version"] == added.json["version"] and len(again.json["lines"]) == 1
    assert api.post(proposal + "/vouchers", {"voucher_id": vid}, user="salg@fjordkaffe.no").status == 403

    current = api.get(base, user=ADMIN).json
    assert current["payment_proposal"]["proposal_id"] == added.json["proposal_id"]
    refused = api.post(base + "/payment", {"version": current["version"], "paid_on": "2026-11-27"}, user=ADMIN)
    assert refused.status == 409 and refused.json["payment_proposal"] == added.json["proposal_id"]

    removed = api.call("DELETE", f"{proposal}/vouchers/{vid}", user=ADMIN)
    assert removed.status == 200 and removed.json["lines"] == [] and removed.json["totals"] == {}
    assert api.call("DELETE", f"{proposal}/vouchers/{vid}", user=ADMIN).status == 404
    assert "payment_proposal" not in api.get(base, user=ADMIN).json
    from klientportal.bootstrap import store

    actions = [e["action"] for e in store().audit_events(f"T#{FJORD}")[0]]
    assert {
        "payment_proposal.voucher_added",
        "payment_proposal.voucher_removed",
        "voucher.added_to_payment",
        "voucher.removed_from_payment",
    } <= set(actions)
