"""a-melding records → XML bytes (v2_3), elements in the XSD's sequence order."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from lxml import etree

from klientportal.formats.amelding.model import (
    NAMESPACE,
    AMelding,
    Business,
    Employment,
    Income,
    IncomeRecipient,
)

_NS = f"{{{NAMESPACE}}}"


def _add(parent: etree._Element, name: str, value: str | int | Decimal | bool | date | None = None) -> etree._Element:
    child = etree.SubElement(parent, _NS + name)
    if value is not None:
        child.text = _text(value)
    return child


def _text(value: str | int | Decimal | bool | date) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:f}"
    return str(value)


def _employment(parent: etree._Element, e: Employment) -> None:
    node = _add(parent, "arbeidsforhold")
    _add(node, "arbeidsforholdId", e.employment_id)
    _add(node, "typeArbeidsforhold", e.employment_type)
    _add(node, "startdato", e.start)
    if e.end is not None:
        _add(node, "sluttdato", e.end)
    _add(node, "antallTimerPerUkeSomEnFullStillingTilsvarer", e.hours_per_full_week)
    _add(node, "avloenningstype", e.pay_form)
    _add(node, "yrke", e.occupation)
    _add(node, "arbeidstidsordning", e.working_time)
    _add(node, "stillingsprosent", e.position_percent)
    if e.last_pay_change is not None:
        _add(node, "sisteLoennsendringsdato", e.last_pay_change)
    if e.last_position_change is not None:
        _add(node, "sisteDatoForStillingsprosentendring", e.last_position_change)
    if e.end_reason is not None:
        _add(node, "aarsakTilSluttdato", e.end_reason)
    _add(node, "formForAnsettelse", e.employment_form)


def _income(parent: etree._Element, i: Income) -> None:
    node = _add(parent, "inntekt")
    if i.earned_from is not None and i.earned_to is not None:
        _add(node, "startdatoOpptjeningsperiode", i.earned_from)
        _add(node, "sluttdatoOpptjeningsperiode", i.earned_to)
    _add(node, "fordel", i.benefit)
    _add(node, "utloeserArbeidsgiveravgift", i.triggers_contribution)
    _add(node, "inngaarIGrunnlagForTrekk", i.in_withholding_basis)
    _add(node, "beloep", i.amount)
    if i.employment_id is not None:
        _add(node, "arbeidsforholdId", i.employment_id)
    wage = _add(node, "loennsinntekt")
    _add(wage, "beskrivelse", i.description)
    if i.quantity is not None:
        _add(wage, "antall", i.quantity)


def _recipient(parent: etree._Element, r: IncomeRecipient) -> None:
    node = _add(parent, "inntektsmottaker")
    _add(node, "norskIdentifikator", r.national_id)
    for employment in r.employments:
        _employment(node, employment)
    for deduction in r.deductions:  # fradrag: reported negative
        fradrag = _add(node, "fradrag")
        _add(fradrag, "beskrivelse", deduction.description)
        _add(fradrag, "beloep", -deduction.amount)
    if r.withholding:
        forskuddstrekk = _add(node, "forskuddstrekk")
        _add(forskuddstrekk, "beloep", -r.withholding)  # withholding is reported negative
    for income in r.incomes:
        _income(node, income)
    for garnishment in r.garnishments:  # utleggstrekk: reported negative, after the incomes (XSD order)
        utlegg = _add(node, "utleggstrekk")
        _add(utlegg, "beskrivelse", garnishment.description)
        _add(utlegg, "beloep", -garnishment.amount)
        _add(utlegg, "datoForUtleggstrekk", garnishment.deducted_on)


def _business(parent: etree._Element, b: Business) -> None:
    node = _add(parent, "virksomhet")
    _add(node, "norskIdentifikator", b.orgnr)
    for recipient in b.recipients:
        _recipient(node, recipient)
    if b.contribution:
        contribution = _add(node, "arbeidsgiveravgift")
        # the XSD's order: every salary line, then every pension line
        ordered = [c for c in b.contribution if c.kind == "salary"] + [c for c in b.contribution if c.kind == "pension"]
        for basis in ordered:
            element = "loennOgGodtgjoerelse" if basis.kind == "salary" else "tilskuddOgPremieTilPensjon"
            line = _add(contribution, element)
            _add(line, "beregningskodeForArbeidsgiveravgift", basis.code)
            _add(line, "sone", basis.zone)
            _add(line, "avgiftsgrunnlagBeloep", basis.base)
            _add(line, "prosentsatsForAvgiftsberegning", basis.percent)


def build_tree(m: AMelding) -> etree._Element:
    root = etree.Element(_NS + "melding", nsmap={None: NAMESPACE})
    delivery = _add(root, "Leveranse")
    _add(delivery, "leveringstidspunkt", m.delivered_at)
    _add(delivery, "kalendermaaned", m.month)
    _add(delivery, "kildesystem", m.source_system)
    if m.replaces is not None:
        _add(delivery, "erstatterMeldingsId", m.replaces)
    _add(delivery, "meldingsId", m.message_id)
    duty = _add(delivery, "opplysningspliktig")
    _add(duty, "norskIdentifikator", m.employer_orgnr)
    task = _add(delivery, "oppgave")
    payment = _add(task, "betalingsinformasjon")
    # the sums to pay are positive, the person's forskuddstrekk and utleggstrekk negative (decision 0944)
    _add(payment, "sumForskuddstrekk", m.sum_withholding)
    _add(payment, "sumArbeidsgiveravgift", m.sum_employer_contribution)
    if m.sum_garnishment:
        _add(payment, "sumUtleggstrekk", m.sum_garnishment)
    for paid_on, amount in m.payment_dates:
        per_date = _add(payment, "sumForskuddstrekkPerLoennsutbetalingsdato")
        _add(per_date, "loennsutbetalingsdato", paid_on)
        _add(per_date, "beloep", amount)
    for business in m.businesses:
        _business(task, business)
    _add(delivery, "spraakForTilbakemelding", m.language)
    return root


def write_amelding(m: AMelding) -> bytes:
    """The a-melding as UTF-8 XML with a declaration."""
    xml: bytes = etree.tostring(build_tree(m), xml_declaration=True, encoding="UTF-8", pretty_print=True)
    return xml
