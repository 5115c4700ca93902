"""SAF-T through the API: refused with the unmapped accounts (a client's own account has no default)
until the bureau maps them, then a file valid against the 1.30 XSD with the invoice, its customer and
the VAT codes; the standard accounts (VAT 2700/2701 included) are grouped by default."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from lxml import etree

from klientportal.bootstrap import store
from klientportal.ledger.journal import JournalDraft, Posting, journal_changes
from klientportal.registers.service import CustomAccount, add_account
from klientportal.repository import keys
from klientportal.repository.store import SYSTEM
from tests.functions.invoicing.conftest import BASE, CLIENT, issued

ACCOUNTANT = "regnskap@byraet.no"
ADMIN = "daglig@fjordkaffe.no"
NS = {"s": "urn:StandardAuditFile-Taxation-Financial:NO"}


def test_saft_refuses_unmapped_accounts_then_exports_a_valid_file(inv, conformance_dir):
    invoice = issued(inv)
    st, pk = store(), keys.client_pk(CLIENT)
    own = CustomAccount(number="3010", name="Salg i kaffebaren", type="income", standard_account_id="3000")
    add_account(st, CLIENT, own, SYSTEM)
    cash = JournalDraft(
        "bank",
        date(2026, 2, 3),
        "Kaffebaren",
        "test",
        "kaffebar-1",
        (Posting("1920", Decimal("500.00"), "kasse"), Posting("3010", Decimal("-500.00"), "salg")),
    )
    st.write(pk, journal_changes(st, pk, cash, SYSTEM), SYSTEM)
    url = f"{BASE}/saft?from=2026-01-01&to=2026-03-31"
    refused = inv.get(url, user=ACCOUNTANT)
    assert refused.status == 409, refused
    assert refused.json["unmapped"] == [{"account": "3010", "name": "Salg i kaffebaren"}]
    mapping = inv.get(f"{BASE}/ledger/account-mapping", user=ACCOUNTANT).json
    assert mapping["unmapped_in_use"] == ["3010"]
    rows = {r["account"]: r for r in mapping["items"]}
    for account, category, code in (
        ("1500", "balanseverdiForOmloepsmiddel", "1500"),
        ("2700", "kortsiktigGjeld", "2740"),
        ("2701", "kortsiktigGjeld", "2740"),
    ):
        row = rows[account]
        assert (row["grouping_category"], row["grouping_code"], row["source"]) == (category, code, "standard")

    put = f"{BASE}/ledger/account-mapping/3010"
    body = {"grouping_category": "salgsinntekt", "grouping_code": "3000"}
    assert inv.put(put, body, user=ADMIN).status == 403  # the bureau keeps the mapping
    wrong = inv.put(put, {"grouping_category": "kortsiktigGjeld", "grouping_code": "3000"}, user=ACCOUNTANT)
    assert wrong.status == 422 and wrong.json["errors"][0]["field"] == "grouping_code"
    unknown = inv.put(f"{BASE}/ledger/account-mapping/3999", body, user=ACCOUNTANT)
    assert unknown.status == 422 and unknown.json["errors"][0]["field"] == "account"
    assert inv.put(put, body, user=ACCOUNTANT).status == 200
    assert inv.get(f"{BASE}/ledger/account-mapping", user=ACCOUNTANT).json["unmapped_in_use"] == []

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
    groupings = {
        a.findtext("s:AccountID", namespaces=NS): (
            a.findtext("s:GroupingCategory", namespaces=NS),
            a.findtext("s:GroupingCode", namespaces=NS),
        )
        for a in doc.findall(".//s:GeneralLedgerAccounts/s:Account", NS)
    }
    assert groupings["2700"] == ("kortsiktigGjeld", "2740")
    assert groupings["3010"] == ("salgsinntekt", "3000")
    assert groupings["1500"] == ("balanseverdiForOmloepsmiddel", "1500")
