"""A released inbox address stays with its last owner (ISSUE-7 §3, inbox address takeover)."""

from __future__ import annotations

from klientportal.bootstrap import store as main_store
from klientportal.repository.keys import UNROUTED_PK
from tests.functions.vouchers.conftest import ADMIN, FJORD

BYGG, BYGG_ADMIN = "c-hansenbygg", "post@hansenbygg.no"


def test_a_released_slug_is_never_reassigned_and_its_mail_reaches_the_last_owner(api, inbound, ehf_bytes, mail_factory):
    old = api.get(f"/clients/{FJORD}/voucher-inbox", user=ADMIN).json["slug"]
    assert old == "fjordkaffe"
    moved = api.put(f"/clients/{FJORD}/voucher-inbox", {"slug": "fjordkaffe-bilag"}, user=ADMIN)
    assert moved.status == 200 and moved.json["slug"] == "fjordkaffe-bilag"
    takeover = api.put(f"/clients/{BYGG}/voucher-inbox", {"slug": old}, user=BYGG_ADMIN)
    assert takeover.status == 409 and takeover.json["errors"] == [{"field": "slug", "message": "taken"}]
    assert api.get(f"/clients/{BYGG}/voucher-inbox", user=BYGG_ADMIN).json["slug"] != old
    # a supplier still writing to the old address: the mail reaches Fjordkaffe, never Hansen Bygg
    inbound.mail(
        mail_factory(((ehf_bytes, "application/xml", "faktura.xml"),), to=f"{old}@bilag.example.no"),
        name="old-address-1",
    )
    inbound.drain()
    assert [v["status"] for v in api.get(f"/clients/{FJORD}/vouchers", user=ADMIN).json["items"]] == ["new"]
    assert api.get(f"/clients/{BYGG}/vouchers", user=BYGG_ADMIN).json["items"] == []
    assert main_store().query_all(UNROUTED_PK, "QUARANTINE#") == []
    # the owner may take its old address back
    back = api.put(f"/clients/{FJORD}/voucher-inbox", {"slug": old}, user=ADMIN)
    assert back.status == 200 and back.json["slug"] == old
    assert api.put(f"/clients/{BYGG}/voucher-inbox", {"slug": "fjordkaffe-bilag"}, user=BYGG_ADMIN).status == 409
