"""The a-melding writer: v2_3 XML that the XSD accepts, with what the run put in."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from lxml import etree

from klientportal.formats.amelding import (
    NAMESPACE,
    AMelding,
    Business,
    ContributionBasis,
    Employment,
    Income,
    IncomeRecipient,
    write_amelding,
)
from klientportal.formats.amelding.model import AMeldingError
from klientportal.formats.amelding.validation import xsd_errors

NS = {"a": NAMESPACE}
OSLO = ZoneInfo("Europe/Oslo")


def _message(**changes: object) -> AMelding:
    fixed = Employment("e1", date(2024, 3, 1), None, "fast", "2511106", Decimal("100"))
    hourly = Employment(
        "e2",
        date(2025, 8, 1),
        date(2026, 3, 31),
        "time",
        "5223101",
        Decimal("40"),
        employment_form="midlertidig",
        end_reason="kontraktenErUtloept",
    )
    kari = IncomeRecipient(
        "15076500565",
        (fixed,),
        (
            Income("fastloenn", Decimal("45000.00"), True, True, "e1"),
            Income("overtidsgodtgjoerelse", Decimal("1734.38"), True, True, "e1", quantity=Decimal("5.5")),
        ),
        13250,
    )
    ola = IncomeRecipient(
        "29029600013",
        (hourly,),
        (
            Income("timeloenn", Decimal("9450.00"), True, True, "e2", quantity=Decimal("42")),
            Income("feriepenger", Decimal("3200.00"), True, True, "e2"),
        ),
        0,
    )
    business = Business(
        "973861778",
        (kari, ola),
        (ContributionBasis("1", Decimal("59384.38"), Decimal("14.1")),),
    )
    base = AMelding(
        message_id="kp-run-2026-03-1",
        month="2026-03",
        delivered_at=datetime(2026, 4, 2, 9, 30, tzinfo=OSLO),
        employer_orgnr="923609016",
        businesses=(business,),
        sum_withholding=13250,
        sum_employer_contribution=8373,
    )
    return replace(base, **changes)


@pytest.fixture(scope="module")
def conformance(conformance_dir: Path) -> Path:
    return conformance_dir


def test_the_message_is_valid_against_the_v2_3_xsd(conformance: Path) -> None:
    xml = write_amelding(_message())
    assert xsd_errors(xml, conformance_dir=conformance) == ()
    root = etree.fromstring(xml)
    assert root.tag == f"{{{NAMESPACE}}}melding"
    assert root.findtext("a:Leveranse/a:kalendermaaned", namespaces=NS) == "2026-03"
    assert root.findtext("a:Leveranse/a:opplysningspliktig/a:norskIdentifikator", namespaces=NS) == "923609016"
    pay = root.find("a:Leveranse/a:oppgave/a:betalingsinformasjon", NS)
    assert pay is not None
    assert pay.findtext("a:sumForskuddstrekk", namespaces=NS) == "13250"  # to pay: positive (0944)
    assert pay.findtext("a:sumArbeidsgiveravgift", namespaces=NS) == "8373"
    recipients = root.findall(".//a:inntektsmottaker", NS)
    assert [r.findtext("a:norskIdentifikator", namespaces=NS) for r in recipients] == ["15076500565", "29029600013"]
    assert recipients[0].findtext("a:forskuddstrekk/a:beloep", namespaces=NS) == "-13250"
    assert recipients[1].find("a:forskuddstrekk", NS) is None  # nothing withheld, nothing reported
    descriptions = [e.text for e in root.iterfind(".//a:loennsinntekt/a:beskrivelse", NS)]
    assert descriptions == ["fastloenn", "overtidsgodtgjoerelse", "timeloenn", "feriepenger"]
    ended = recipients[1].find("a:arbeidsforhold", NS)
    assert ended is not None
    assert ended.findtext("a:sluttdato", namespaces=NS) == "2026-03-31"
    assert ended.findtext("a:yrke", namespaces=NS) == "5223101"
    assert ended.findtext("a:stillingsprosent", namespaces=NS) == "40"
    zone = root.find(".//a:arbeidsgiveravgift/a:loennOgGodtgjoerelse", NS)
    assert zone is not None and zone.findtext("a:sone", namespaces=NS) == "1"
    assert root.find(".//a:erstatterMeldingsId", NS) is None


def test_a_replacement_names_the_message_it_replaces(conformance: Path) -> None:
    xml = write_amelding(_message(message_id="kp-run-2026-03-2", replaces="kp-run-2026-03-1"))
    assert xsd_errors(xml, conformance_dir=conformance) == ()
    root = etree.fromstring(xml)
    assert root.findtext("a:Leveranse/a:erstatterMeldingsId", namespaces=NS) == "kp-run-2026-03-1"
    assert root.findtext("a:Leveranse/a:meldingsId", namespaces=NS) == "kp-run-2026-03-2"


def test_zone_ia_above_the_allowance_is_two_lines(conformance: Path) -> None:
    business = replace(
        _message().businesses[0],
        contribution=(
            ContributionBasis("1a", Decimal("40000.00"), Decimal("10.6")),
            ContributionBasis("1a", Decimal("19384.38"), Decimal("14.1")),
        ),
    )
    xml = write_amelding(_message(businesses=(business,)))
    assert xsd_errors(xml, conformance_dir=conformance) == ()
    assert [e.text for e in etree.fromstring(xml).iterfind(".//a:prosentsatsForAvgiftsberegning", NS)] == [
        "10.6",
        "14.1",
    ]


def test_the_schema_refuses_what_is_broken(conformance: Path) -> None:
    xml = write_amelding(_message()).replace(b"<kildesystem>Klientportal</kildesystem>", b"")
    errors = xsd_errors(xml, conformance_dir=conformance)
    assert errors and "kildesystem" in errors[0]


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: Employment("e1", date(2026, 1, 1), None, "fast", "2511", Decimal("100")), "occupation code"),
        (lambda: Employment("e1", date(2026, 1, 1), None, "weekly", "2511106", Decimal("100")), "pay form"),
        (lambda: Employment("e1", date(2026, 1, 1), None, "fast", "2511106", Decimal("120")), "position percent"),
        (lambda: Employment("e1", date(2026, 2, 1), date(2026, 1, 1), "fast", "2511106", Decimal("50")), "ends before"),
        (lambda: Income("lonn", Decimal("1"), True, True), "salary description"),
        (lambda: Income("fastloenn", Decimal("1.005"), True, True), "more than two decimals"),
        (lambda: ContributionBasis("6", Decimal("1"), Decimal("14.1")), "zone"),
        (lambda: _message(sum_withholding=1), "sum of withholding"),
        (lambda: _message(replaces="kp-run-2026-03-1"), "cannot replace itself"),
        (lambda: _message(month="2026-13"), "month"),
    ],
)
def test_records_the_message_cannot_carry_are_refused(build: Callable[[], object], message: str) -> None:
    with pytest.raises(AMeldingError, match=message):
        build()
