"""Tax cards: the simulator answers like skattekort til arbeidsgiver; what is ordered and accepted."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from klientportal.adapters.skattekort import SimulatedSkattekort, TaxCardOrder, answer_body, order_body, read_answer
from klientportal.payroll.tax_cards import Employed, TaxCardRefused, accept, order_for

ORG = "923609016"
KARI, OLA, PER = "15076500565", "29029600013", "01018010018"


def test_the_order_leaves_out_those_who_have_left() -> None:
    staff = (Employed(1, KARI, None), Employed(2, OLA, date(2026, 1, 31)), Employed(3, PER, date(2026, 3, 31)))
    order, current = order_for(ORG, 2026, staff, date(2026, 3, 1), "HENT_ALLE_OPPGITTE")
    assert order.national_ids == (KARI, PER)
    assert [e.employee_number for e in current] == [1, 3]
    assert order_body(order) == {
        "inntektsaar": 2026,
        "bestillingstype": "HENT_ALLE_OPPGITTE",
        "arbeidsgiver": [
            {"arbeidsgiveridentifikator": {"organisasjonsnummer": ORG}, "arbeidstakeridentifikator": [KARI, PER]}
        ],
    }


def test_simulator_answers_table_percent_frikort_and_missing_cards() -> None:
    sim = SimulatedSkattekort(
        cards={OLA: {"kind": "percent", "percent": "33"}, PER: {"kind": "none"}, "12345678901": {}}
    )
    cards = {c.national_id: c for c in sim.order(TaxCardOrder(ORG, 2026, (KARI, OLA, PER, "12345678901")))}
    assert (cards[KARI].kind, cards[KARI].table, cards[KARI].months) == ("table", "8010", Decimal("10.5"))
    assert (cards[OLA].kind, cards[OLA].percent) == ("percent", Decimal("33"))
    assert (cards[PER].result, cards[PER].kind) == ("ikkeSkattekort", None)
    assert cards["12345678901"].result == "ugyldigFoedselsEllerDnummer"


def test_a_follow_up_order_answers_only_what_changed() -> None:
    sim = SimulatedSkattekort()
    first = sim.order(TaxCardOrder(ORG, 2026, (KARI, OLA)))
    assert len(first) == 2
    assert sim.order(TaxCardOrder(ORG, 2026, (KARI, OLA), "HENT_KUN_ENDRING")) == ()
    sim.change(OLA, {"kind": "table", "table": "8120"})
    changed = sim.order(TaxCardOrder(ORG, 2026, (KARI, OLA), "HENT_KUN_ENDRING"))
    assert [(c.national_id, c.table) for c in changed] == [(OLA, "8120")]
    assert [o["bestillingstype"] for o in sim.orders] == ["HENT_ALLE_OPPGITTE", "HENT_KUN_ENDRING", "HENT_KUN_ENDRING"]


def test_a_card_for_another_employer_is_refused() -> None:
    sim = SimulatedSkattekort(cards={OLA: {"employer": "974760673"}})
    order = TaxCardOrder(ORG, 2026, (KARI, OLA))
    with pytest.raises(TaxCardRefused, match="another employer \\(974760673\\)") as exc:
        accept(order, sim.order(order))
    assert exc.value.national_id_masked == "290296*****"
    with pytest.raises(TaxCardRefused, match="not in the order"):
        accept(TaxCardOrder(ORG, 2026, (KARI,)), sim.order(order))


def test_the_answer_shape_round_trips() -> None:
    cards = SimulatedSkattekort(cards={OLA: {"kind": "frikort", "frikort_amount": "65000"}}).order(
        TaxCardOrder(ORG, 2026, (KARI, OLA))
    )
    assert read_answer(answer_body(ORG, cards), 2026) == cards
    assert cards[1].frikort_amount == Decimal("65000")
