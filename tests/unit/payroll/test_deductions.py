"""Deductions that are neither income nor tax (decision 0941), each figure worked out by hand, and
their place in the a-melding (valid against the v2_3 XSD)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from lxml import etree

from klientportal.adapters.amelding_submission import SimulatedInnrapportering
from klientportal.adapters.skattekort import TaxCard
from klientportal.formats.amelding import (
    NAMESPACE,
    AMelding,
    Business,
    Deduction,
    Employment,
    Garnishment,
    Income,
    IncomeRecipient,
    write_amelding,
)
from klientportal.formats.amelding.model import AMeldingError
from klientportal.formats.amelding.validation import xsd_errors
from klientportal.payroll import deductions as ded
from klientportal.payroll.calculation import EmployeePay, PayrollInputError, compute_run, payslip_of
from klientportal.payroll.deduction_records import journal_lines, totals
from klientportal.payroll.tabelltrekk import withholding

D = Decimal
MARCH = date(2026, 3, 1)
NS = {"a": NAMESPACE}
CARD = replace(
    TaxCard("15076500565", "923609016", 2026, "skattekortopplysningerOK", "1", date(2025, 12, 10), "table", "8010"),
    percent=D("40"),
    months=D("10.5"),
)
GARNISH = {"kid": "6487719756", "account": "70213997155", "reference": "10002"}


def _e(*deductions: ded.Deduction, salary: str = "35000.00") -> EmployeePay:
    return EmployeePay(1, "", date(1990, 1, 1), "fixed", CARD, monthly_salary=D(salary), deductions=tuple(deductions))


def test_union_dues_reduce_the_withholding_basis_and_the_net_pay() -> None:
    slip = payslip_of(_e(ded.Deduction("union_dues", D("450.00"))), MARCH)
    assert slip.table_basis == 34550  # 35000 − 450
    assert slip.withholding == withholding("8010", "month", 34550) == 7963  # 8157 without the dues
    assert slip.net == D("26587.00")  # 35000 − 7963 − 450
    assert slip.gross == D("35000.00")  # the arbeidsgiveravgift basis is not reduced
    assert [(x.account, x.reported_as, x.description) for x in slip.deductions] == [
        ("2650", "fradrag", "fagforeningskontingent")
    ]


def test_the_employees_pension_share_as_a_percentage_of_the_pension_basis() -> None:
    slip = payslip_of(_e(ded.Deduction("pension_employee_share", percent=D("1.5")), salary="35123.45"), MARCH)
    # 35123.45 × 1.5 % = 526.85175 → 526.85 (øre, half up); basis 35123.45 − 526.85 = 34596.60 → 34596
    assert slip.deductions[0].amount == D("526.85")
    assert slip.table_basis == 34596
    assert slip.withholding == withholding("8010", "month", 34596)


def test_a_garnishment_comes_after_withholding_in_whole_kroner() -> None:
    slip = payslip_of(_e(ded.Deduction("garnishment", percent=D("17"), **GARNISH), salary="35123.45"), MARCH)
    # 17 % of the gross 35123.45 = 5970.9865 → 5970 (whole kroner, down: never more than the pålegg)
    assert slip.deductions[0].amount == D("5970.00")
    assert slip.withholding == withholding("8010", "month", 35123)  # not reduced
    assert slip.net == D("35123.45") - slip.withholding - D("5970")


def test_advance_repayment_and_other_deductions_change_only_the_net_pay() -> None:
    plain = payslip_of(_e(), MARCH)
    slip = payslip_of(
        _e(
            ded.Deduction("advance_repayment", D("2000.00")),
            ded.Deduction("other", D("350.50"), text="Kantine mars"),
        ),
        MARCH,
    )
    assert slip.withholding == plain.withholding == 8157
    assert slip.net == plain.net - D("2350.50")
    assert [(x.label, x.account) for x in slip.deductions] == [
        ("Tilbakebetaling av lønnsforskudd", "1572"),
        ("Kantine mars", "2690"),
    ]


def test_deductions_beyond_the_pay_after_withholding_are_refused_with_the_figures() -> None:
    # 35000 − 8157 = 26843 left; 20000 + 7000 = 27000 asked
    e = _e(ded.Deduction("garnishment", D("20000.00"), **GARNISH), ded.Deduction("advance_repayment", D("7000.00")))
    with pytest.raises(PayrollInputError) as exc:
        payslip_of(e, MARCH)
    assert exc.value.field == "deductions"
    assert "27000.00 in all" in exc.value.message and "(26843.00)" in exc.value.message
    # exactly the pay after withholding is allowed: net 0
    ok = _e(ded.Deduction("garnishment", D("20000.00"), **GARNISH), ded.Deduction("advance_repayment", D("6843.00")))
    assert payslip_of(ok, MARCH).net == 0


@pytest.mark.parametrize(
    ("deduction", "field"),
    [
        (ded.Deduction("garnishment", D("100.50"), **GARNISH), "deductions.0.amount"),  # whole kroner
        (ded.Deduction("garnishment", D("100.00")), "deductions.0"),  # no KID / account
        (ded.Deduction("union_dues", percent=D("1")), "deductions.0.percent"),
        (ded.Deduction("union_dues"), "deductions.0"),  # neither amount nor percent
        (ded.Deduction("other", D("10.00")), "deductions.0.text"),
        (ded.Deduction("union_dues", D("10.00"), kid="6487719756"), "deductions.0.account"),
        (ded.Deduction("alimony", D("10.00")), "deductions.0.kind"),
    ],
)
def test_a_deduction_that_cannot_be_taken_names_its_field(deduction: ded.Deduction, field: str) -> None:
    with pytest.raises(PayrollInputError) as exc:
        payslip_of(_e(deduction), MARCH)
    assert exc.value.field == field


def test_the_runs_deductions_summed_for_the_journal() -> None:
    run = compute_run(
        (
            _e(ded.Deduction("union_dues", D("450.00")), ded.Deduction("garnishment", D("3000.00"), **GARNISH)),
            replace(_e(ded.Deduction("union_dues", D("399.50"))), employee_number=2),
        ),
        MARCH,
        "1",
    )
    by_kind = totals(run.payslips)
    assert by_kind == {"garnishment": "3000.00", "union_dues": "849.50"}
    assert list(journal_lines(by_kind)) == [
        ("2610", D("-3000.00"), "Utleggstrekk"),
        ("2650", D("-849.50"), "Fagforeningskontingent trukket i lønn"),
    ]
    # gross = net + withholding + deductions: the entry balances
    for p in run.payslips:
        assert p.gross == p.net + p.withholding + sum(x.amount for x in p.deductions)


def _melding(recipient: IncomeRecipient, sum_garnishment: int) -> AMelding:
    return AMelding(
        message_id="m1",
        month="2026-03",
        delivered_at=datetime(2026, 3, 25, 9, tzinfo=UTC),
        employer_orgnr="923609016",
        businesses=(Business("974760673", (recipient,)),),
        sum_withholding=recipient.withholding,
        sum_employer_contribution=0,
        sum_garnishment=sum_garnishment,
    )


def test_fradrag_and_utleggstrekk_in_the_a_melding_are_valid_against_the_xsd(conformance_dir) -> None:
    employment = Employment("a1", date(2024, 1, 1), None, "fast", "2511106", D("100"))
    recipient = IncomeRecipient(
        "15076500565",
        (employment,),
        (Income("fastloenn", D("35000.00"), True, True, "a1"),),
        7963,
        (Deduction("fagforeningskontingent", D("450.00")),),
        (Garnishment("utleggstrekkSkatt", 3000, date(2026, 3, 25)),),
    )
    xml = write_amelding(_melding(recipient, 3000))
    assert xsd_errors(xml, conformance_dir=conformance_dir) == ()
    root = etree.fromstring(xml)
    person = root.find(".//a:inntektsmottaker", NS)
    assert person is not None
    assert [etree.QName(c).localname for c in person] == [
        "norskIdentifikator",
        "arbeidsforhold",
        "fradrag",
        "forskuddstrekk",
        "inntekt",
        "utleggstrekk",
    ]
    assert person.findtext("a:fradrag/a:beskrivelse", namespaces=NS) == "fagforeningskontingent"
    assert person.findtext("a:fradrag/a:beloep", namespaces=NS) == "-450.00"
    assert person.findtext("a:utleggstrekk/a:beloep", namespaces=NS) == "-3000"
    assert person.findtext("a:utleggstrekk/a:datoForUtleggstrekk", namespaces=NS) == "2026-03-25"
    assert root.findtext(".//a:betalingsinformasjon/a:sumUtleggstrekk", namespaces=NS) == "3000"


def test_the_sum_of_utleggstrekk_must_match_the_recipients() -> None:
    employment = Employment("a1", date(2024, 1, 1), None, "fast", "2511106", D("100"))
    recipient = IncomeRecipient(
        "15076500565",
        (employment,),
        (),
        0,
        garnishments=(Garnishment("utleggstrekkSkatt", 3000, date(2026, 3, 25)),),
    )
    with pytest.raises(AMeldingError, match="sum of utleggstrekk 2999"):
        _melding(recipient, 2999)
    with pytest.raises(AMeldingError, match="garnishment description"):
        Garnishment("utlegg", 1, date(2026, 3, 25))
    with pytest.raises(AMeldingError, match="deduction description"):
        Deduction("fagforening", D("1.00"))


def test_the_simulator_checks_the_sums_to_pay_against_the_recipients(conformance_dir) -> None:
    employment = Employment("a1", date(2024, 1, 1), None, "fast", "2511106", D("100"))
    recipient = IncomeRecipient(
        "15076500565",
        (employment,),
        (Income("fastloenn", D("35000.00"), True, True, "a1"),),
        7963,
        garnishments=(Garnishment("utleggstrekkSkatt", 3000, date(2026, 3, 25)),),
    )
    good = write_amelding(_melding(recipient, 3000))
    sim = SimulatedInnrapportering(conformance_dir=conformance_dir)
    assert sim.status(sim.submit(good, "k1").submission_id, "k2").status == "accepted"
    for element, wrong, code in (("sumForskuddstrekk", "-7963", "A-0210"), ("sumUtleggstrekk", "2999", "A-0230")):
        root = etree.fromstring(good)
        node = root.find(f".//a:betalingsinformasjon/a:{element}", NS)
        assert node is not None
        node.text = wrong
        answer = sim.submit(etree.tostring(root, xml_declaration=True, encoding="UTF-8"), f"k-{element}")
        status = sim.status(answer.submission_id, f"s-{element}")
        assert status.status == "rejected" and code in [f.code for f in status.feedback], status
