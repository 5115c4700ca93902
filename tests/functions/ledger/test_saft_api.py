"""SAF-T through the API: refused with the unmapped accounts until the bureau maps them, then a file
valid against the 1.30 XSD with the invoice, its customer and the VAT codes."""

from __future__ import annotations

from lxml import etree

from tests.functions.invoicing.conftest import BASE, issued

ACCOUNTANT = "regnskap@byraet.no"
ADMIN = "daglig@fjordkaffe.no"
NS = {"s": "urn:StandardAuditFile-Taxation-Financial:NO"}


def test_saft_refuses_unmapped_accounts_then_exports_a_valid_file(inv, conformance_dir):
    invoice = issued(inv)
    url = f"{BASE}/saft?from=2026-01-01&to=2026-03-31"
    refused = inv.get(url, user=ACCOUNTANT)
    assert refused.status == 409, refused
    assert refused.json["unmapped"] == [
        {"account": "2700", "name": "Utgående mva, alminnelig sats"},
        {"account": "2701", "name": "Utgående mva, middels sats"},
    ]
    mapping = inv.get(f"{BASE}/ledger/account-mapping", user=ACCOUNTANT).json
    assert mapping["unmapped_in_use"] == ["2700", "2701"]
    [row] = [r for r in mapping["items"] if r["account"] == "1500"]
    assert (row["grouping_category"], row["grouping_code"], row["source"]) == (
        "balanseverdiForOmloepsmiddel",
        "1500",
        "standard",
    )

    put = f"{BASE}/ledger/account-mapping/2700"
    body = {"grouping_category": "kortsiktigGjeld", "grouping_code": "2740"}
    assert inv.put(put, body, user=ADMIN).status == 403  # the bureau keeps the mapping
    wrong = inv.put(put, {"grouping_category": "salgsinntekt", "grouping_code": "2740"}, user=ACCOUNTANT)
    assert wrong.status == 422 and wrong.json["errors"][0]["field"] == "grouping_code"
    unknown = inv.put(f"{BASE}/ledger/account-mapping/3999", body, user=ACCOUNTANT)
    assert unknown.status == 422 and unknown.json["errors"][0]["field"] == "account"
    assert inv.put(put, body, user=ACCOUNTANT).status == 200
    assert inv.put(f"{BASE}/ledger/account-mapping/2701", body, user=ACCOUNTANT).json["source"] == "client"

    assert inv.get(f"{BASE}/saft?from=2026-01-02&to=2026-03-31", user=ACCOUNTANT).status == 422
    assert inv.get(f"{BASE}/saft?from=2026-01-01&to=2027-01-31", user=ACCOUNTANT).status == 422
    ok = inv.get(url, user=ADMIN)
    assert ok.status == 200, ok
    assert ok.headers["content-type"] == "application/xml"
    assert 'filename="SAF-T Financial_912345610_' in ok.headers["content-disposition"]
    schema = etree.XMLSchema(etree.parse(str(conformance_dir / "saft/xsd/Norwegian_SAF-T_Financial_Schema_v_1.30.xsd")))
    doc = etree.fromstring(ok.raw)
    assert schema.validate(doc), schema.error_log
    [transaction] = doc.findall(".//s:Journal[s:JournalID='faktura']/s:Transaction", NS)
    assert transaction.findtext("s:TransactionID", namespaces=NS) == "F2026-1"
    payable = invoice["totals"]["payable"]
    debit = transaction.find("s:Line[s:AccountID='1500']/s:DebitAmount/s:Amount", NS)
    assert debit is not None and debit.text == payable
    customer = doc.find(".//s:Customers/s:Customer[s:CustomerID='1']", NS)
    assert (
        customer is not None and customer.findtext("s:BalanceAccount/s:ClosingDebitBalance", namespaces=NS) == payable
    )
    assert {c.text for c in doc.findall(".//s:TaxCodeDetails/s:TaxCode", NS)} == {"3", "31"}
    vat = transaction.find("s:Line[s:AccountID='2700']/s:TaxInformation", NS)
    assert vat is not None and vat.findtext("s:TaxBase", namespaces=NS) == "150.00"
