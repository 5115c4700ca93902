"""Tax cards from Skatteetaten's *skattekort til arbeidsgiver*: an order per employer, answers per employee.

The shapes follow the service: a Maskinporten access token (JWT grant signed by the employer's or
the bureau's key, scope ``skatteetaten:skattekort``), an order ("bestilling") with the employer's
orgnr, the income year, the employees' national ids and the kind ``HENT_ALLE_OPPGITTE`` (all named)
or ``HENT_KUN_ENDRING`` (only cards changed since the last order: the follow-up fetch), and one
answer per employee: ``resultatPaaForespoersel`` and, when there is a card, its deductions: a table
(``trekktabell``: table number, percentage, months), a percentage (``trekkprosent``) or a
``frikort`` (a tax-free amount, then a percentage above it).

`HttpSkattekort` is the REAL SHAPE (paths and token exchange as documented by Skatteetaten and
Digdir; not contracted, no credentials here). `SimulatedSkattekort` is the LOCAL SIMULATOR: it
answers every order like the service would, from a table of cards it holds (decision 0903).
"""

from __future__ import annotations

import json
import os
import time
import uuid
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Any, Literal, Protocol

from klientportal import clock

OrderKind = Literal["HENT_ALLE_OPPGITTE", "HENT_KUN_ENDRING"]
Result = Literal[
    "skattekortopplysningerOK",
    "ikkeSkattekort",  # no tax card: the employer withholds 50 % (skattebetalingsloven § 5-10)
    "ikkeTrekkplikt",
    "ugyldigFoedselsEllerDnummer",
]
CardKind = Literal["table", "percent", "frikort"]
SCOPE = "skatteetaten:skattekort"


@dataclass(frozen=True)
class TaxCardOrder:
    employer_orgnr: str
    income_year: int
    national_ids: tuple[str, ...]
    kind: OrderKind = "HENT_ALLE_OPPGITTE"


@dataclass(frozen=True)
class TaxCard:
    """One answer of the service for one employee (``kind`` is None when there is no card)."""

    national_id: str
    employer_orgnr: str
    income_year: int
    result: Result
    card_id: str | None = None
    issued: date | None = None
    kind: CardKind | None = None
    table: str | None = None
    percent: Decimal | None = None
    months: Decimal | None = None  # antallMaanederForTrekk (10.5 or 12)
    frikort_amount: Decimal | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "national_id": self.national_id,
            "employer_orgnr": self.employer_orgnr,
            "income_year": self.income_year,
            "result": self.result,
            "card_id": self.card_id,
            "issued": self.issued.isoformat() if self.issued else None,
            "kind": self.kind,
            "table": self.table,
            "percent": str(self.percent) if self.percent is not None else None,
            "months": str(self.months) if self.months is not None else None,
            "frikort_amount": str(self.frikort_amount) if self.frikort_amount is not None else None,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TaxCard:
        def dec(name: str) -> Decimal | None:
            return Decimal(data[name]) if data.get(name) is not None else None

        return cls(
            national_id=data["national_id"],
            employer_orgnr=data["employer_orgnr"],
            income_year=int(data["income_year"]),
            result=data["result"],
            card_id=data.get("card_id"),
            issued=date.fromisoformat(data["issued"]) if data.get("issued") else None,
            kind=data.get("kind"),
            table=data.get("table"),
            percent=dec("percent"),
            months=dec("months"),
            frikort_amount=dec("frikort_amount"),
        )


class TaxCardService(Protocol):
    def order(self, order: TaxCardOrder) -> tuple[TaxCard, ...]: ...


def order_body(order: TaxCardOrder) -> dict[str, Any]:
    """The order as the service reads it."""
    return {
        "inntektsaar": order.income_year,
        "bestillingstype": order.kind,
        "arbeidsgiver": [
            {
                "arbeidsgiveridentifikator": {"organisasjonsnummer": order.employer_orgnr},
                "arbeidstakeridentifikator": list(order.national_ids),
            }
        ],
    }


def read_answer(body: dict[str, Any], income_year: int) -> tuple[TaxCard, ...]:
    """The service's answer (``arbeidsgiver[].arbeidstaker[]``) as TaxCards."""
    cards: list[TaxCard] = []
    for employer in body.get("arbeidsgiver", []):
        orgnr = employer["arbeidsgiveridentifikator"]["organisasjonsnummer"]
        for employee in employer.get("arbeidstaker", []):
            card = employee.get("skattekort") or {}
            base = TaxCard(
                national_id=employee["arbeidstakeridentifikator"],
                employer_orgnr=orgnr,
                income_year=income_year,
                result=employee["resultatPaaForespoersel"],
                card_id=str(card["skattekortidentifikator"]) if "skattekortidentifikator" in card else None,
                issued=date.fromisoformat(card["utstedtDato"]) if "utstedtDato" in card else None,
            )
            for deduction in card.get("forskuddstrekk", []):
                if deduction.get("trekkode") != "loennFraHovedarbeidsgiver":
                    continue
                if "trekktabell" in deduction:
                    t = deduction["trekktabell"]
                    base = replace(
                        base,
                        kind="table",
                        table=str(t["tabellnummer"]),
                        percent=Decimal(str(t["prosentsats"])),
                        months=Decimal(str(t["antallMaanederForTrekk"])),
                    )
                elif "trekkprosent" in deduction:
                    base = replace(base, kind="percent", percent=Decimal(str(deduction["trekkprosent"]["prosentsats"])))
                elif "frikort" in deduction:
                    f = deduction["frikort"]
                    base = replace(
                        base,
                        kind="frikort",
                        frikort_amount=Decimal(str(f["frikortbeloep"])),
                        percent=Decimal(str(f.get("prosentsats", "50"))),
                    )
            cards.append(base)
    return tuple(cards)


def answer_body(employer_orgnr: str, cards: tuple[TaxCard, ...]) -> dict[str, Any]:
    """The service's answer shape for `cards` (what the simulator sends back)."""
    employees = []
    for c in cards:
        item: dict[str, Any] = {"arbeidstakeridentifikator": c.national_id, "resultatPaaForespoersel": c.result}
        if c.kind is not None:
            deduction: dict[str, Any] = {"trekkode": "loennFraHovedarbeidsgiver"}
            if c.kind == "table":
                deduction["trekktabell"] = {
                    "tabellnummer": c.table,
                    "prosentsats": str(c.percent),
                    "antallMaanederForTrekk": str(c.months),
                }
            elif c.kind == "percent":
                deduction["trekkprosent"] = {"prosentsats": str(c.percent)}
            else:
                deduction["frikort"] = {"frikortbeloep": str(c.frikort_amount), "prosentsats": str(c.percent)}
            item["skattekort"] = {
                "skattekortidentifikator": c.card_id,
                "utstedtDato": c.issued.isoformat() if c.issued else None,
                "forskuddstrekk": [deduction],
            }
        employees.append(item)
    # A card the service hands out for another employer is answered under that employer's id.
    by_employer: dict[str, list[dict[str, Any]]] = {}
    for c, item in zip(cards, employees, strict=True):
        by_employer.setdefault(c.employer_orgnr, []).append(item)
    return {
        "arbeidsgiver": [
            {"arbeidsgiveridentifikator": {"organisasjonsnummer": orgnr}, "arbeidstaker": items}
            for orgnr, items in (by_employer or {employer_orgnr: []}).items()
        ]
    }


class HttpSkattekort:
    """REAL SHAPE: Maskinporten JWT grant, then the order; not contracted or tested against Skatteetaten."""

    def __init__(self) -> None:
        self.base_url = os.environ.get("KP_SKATTEKORT_URL", "")
        self.token_url = os.environ.get("KP_MASKINPORTEN_TOKEN_URL", "https://maskinporten.no/token")
        self.client_id = os.environ.get("KP_MASKINPORTEN_CLIENT_ID", "")
        self.key_pem = os.environ.get("KP_MASKINPORTEN_KEY_PEM", "")

    def _token(self) -> str:
        import urllib.parse
        import urllib.request

        import jwt

        now = int(time.time())
        assertion = jwt.encode(
            {
                "aud": self.token_url.removesuffix("/token") + "/",
                "iss": self.client_id,
                "scope": SCOPE,
                "iat": now,
                "exp": now + 120,
                "jti": str(uuid.uuid4()),
            },
            self.key_pem,
            algorithm="RS256",
        )
        form = urllib.parse.urlencode(
            {"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": assertion}
        ).encode()
        with urllib.request.urlopen(urllib.request.Request(self.token_url, data=form), timeout=15) as resp:
            token: str = json.loads(resp.read())["access_token"]
        return token

    def order(self, order: TaxCardOrder) -> tuple[TaxCard, ...]:
        import urllib.request

        if not (self.base_url and self.client_id and self.key_pem):
            raise RuntimeError("KP_SKATTEKORT_URL / KP_MASKINPORTEN_* are not configured")
        request = urllib.request.Request(
            f"{self.base_url}/api/skattekort/v1/bestilling",
            data=json.dumps(order_body(order)).encode(),
            method="POST",
            headers={"Authorization": f"Bearer {self._token()}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as resp:
            body: dict[str, Any] = json.loads(resp.read())
        return read_answer(body, order.income_year)


@dataclass
class SimulatedSkattekort:
    """LOCAL SIMULATOR of skattekort til arbeidsgiver.

    Every valid national id has a table card (table ``default_table``, 10.5 months) unless
    `cards` says otherwise: ``{"<fnr>": {"kind": "percent", "percent": "35"}}``, ``{"kind":
    "frikort", "frikort_amount": "65000"}``, ``{"kind": "none"}`` (no tax card) or ``{"employer":
    "<orgnr>"}`` (the service answers with another employer's card). Extra cards come from
    ``KP_SIM_SKATTEKORT`` (JSON of the same form). A follow-up (``HENT_KUN_ENDRING``) answers only
    the cards that changed since this employer's last order (`change` changes one).
    """

    default_table: str = "8010"
    cards: dict[str, dict[str, str]] = field(default_factory=dict)
    orders: list[dict[str, Any]] = field(default_factory=list)
    _handed_out: dict[tuple[str, int, str], TaxCard] = field(default_factory=dict)
    _versions: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        extra = os.environ.get("KP_SIM_SKATTEKORT")
        if extra:
            self.cards = {**json.loads(extra), **self.cards}

    def change(self, national_id: str, card: dict[str, str]) -> None:
        self.cards[national_id] = card
        self._versions[national_id] = self._versions.get(national_id, 0) + 1

    def _card(self, national_id: str, employer: str, year: int) -> TaxCard:
        from klientportal.validation.norwegian import validate_national_id

        try:
            validate_national_id(national_id)
        except ValueError:
            return TaxCard(national_id, employer, year, "ugyldigFoedselsEllerDnummer")
        spec = self.cards.get(national_id, {})
        owner = spec.get("employer", employer)
        kind = spec.get("kind", "table")
        if kind == "none":
            return TaxCard(national_id, owner, year, "ikkeSkattekort")
        version = self._versions.get(national_id, 0)
        card = TaxCard(
            national_id,
            owner,
            year,
            "skattekortopplysningerOK",
            card_id=f"{national_id[-5:]}{year}{version:03d}",
            issued=date(year - 1, 12, 10) if version == 0 else clock.today_oslo(),
        )
        if kind == "percent":
            return replace(card, kind="percent", percent=Decimal(spec.get("percent", "35")))
        if kind == "frikort":
            return replace(
                card, kind="frikort", frikort_amount=Decimal(spec.get("frikort_amount", "65000")), percent=Decimal(15)
            )
        return replace(
            card,
            kind="table",
            table=spec.get("table", self.default_table),
            percent=Decimal(spec.get("percent", "40")),
            months=Decimal("10.5"),
        )

    def order(self, order: TaxCardOrder) -> tuple[TaxCard, ...]:
        body = order_body(order)
        self.orders.append(body)
        answers: list[TaxCard] = []
        for nid in order.national_ids:
            card = self._card(nid, order.employer_orgnr, order.income_year)
            key = (order.employer_orgnr, order.income_year, nid)
            if order.kind == "HENT_KUN_ENDRING" and self._handed_out.get(key) == card:
                continue
            self._handed_out[key] = card
            answers.append(card)
        # Sent and read in the service's own JSON shape, as the real adapter does.
        return read_answer(answer_body(order.employer_orgnr, tuple(answers)), order.income_year)
