"""The a-melding's records (the parts a payroll run fills), named after what they mean.

Codes are the a-melding code list's values ("kodeliste for a-meldingen"); the XSD types them as
plain strings, so the values a run may use are listed here and checked when a record is built.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

NAMESPACE = "urn:ske:fastsetting:innsamling:a-meldingen:v2_3"

# Lønnsbeskrivelse (fordel kontantytelse) used by the salary types of payroll.
SALARY_DESCRIPTIONS = frozenset(
    {
        "fastloenn",
        "timeloenn",
        "overtidsgodtgjoerelse",
        "feriepenger",
        "fastTillegg",
        "uregelmessigeTilleggKnyttetTilArbeidetTid",
        "bonus",
        "trekkILoennForFerie",
        "styrehonorarOgGodtgjoerelseVerv",
    }
)
# Fradragsbeskrivelse and utleggstrekk beskrivelse used by payroll's deductions (decision 0941).
DEDUCTION_DESCRIPTIONS = frozenset({"fagforeningskontingent", "premieTilPensjonsordninger"})
GARNISHMENT_DESCRIPTIONS = frozenset({"utleggstrekkSkatt"})
BENEFITS = frozenset({"kontantytelse", "naturalytelse", "utgiftsgodtgjoerelse"})
PAY_FORMS = frozenset({"fast", "time", "akkord", "provisjon", "honorar"})
EMPLOYMENT_TYPES = frozenset(
    {"ordinaertArbeidsforhold", "maritimtArbeidsforhold", "frilanserOppdragstakerHonorarPersonerMm"}
)
WORKING_TIME = frozenset({"ikkeSkift", "doegnkontinuerligSkiftOgTurnus", "helkontinuerligSkiftOgAndreOrdninger336"})
EMPLOYMENT_FORMS = frozenset({"fast", "midlertidig"})
END_REASONS = frozenset(
    {
        "arbeidstakerHarSagtOppSelv",
        "kontraktenErUtloept",
        "arbeidsgiverHarSagtOppArbeidstaker",
        "arbeidsforholdetVarFeilaktigRegistrert",
        "annet",
    }
)
ZONES = frozenset({"1", "1a", "2", "3", "4", "4a", "5"})
CONTRIBUTION_CODES = frozenset({"generelleNaeringer"})
_ID = re.compile(r"[0-9a-zA-Z_.-]{1,150}")
_ORGNR = re.compile(r"\d{9}")
_FNR = re.compile(r"\d{11}")
_OCCUPATION = re.compile(r"\d{7}")


class AMeldingError(ValueError):
    """A record the a-melding cannot carry (a wrong code, identifier or amount)."""


def _check(ok: bool, message: str) -> None:
    if not ok:
        raise AMeldingError(message)


def _ore(amount: Decimal, what: str) -> None:
    _check(isinstance(amount, Decimal) and amount.is_finite(), f"{what} must be a Decimal")
    _check(amount == amount.quantize(Decimal("0.01")), f"{what} has more than two decimals: {amount}")


@dataclass(frozen=True, slots=True)
class Employment:
    """Arbeidsforhold."""

    employment_id: str
    start: date
    end: date | None
    pay_form: str  # avloenningstype
    occupation: str  # yrke: 7-digit yrkeskode (STYRK-08 unit group + 3 digits)
    position_percent: Decimal
    hours_per_full_week: Decimal = Decimal("37.5")
    employment_type: str = "ordinaertArbeidsforhold"
    working_time: str = "ikkeSkift"
    employment_form: str = "fast"
    last_pay_change: date | None = None
    last_position_change: date | None = None
    end_reason: str | None = None

    def __post_init__(self) -> None:
        _check(bool(_ID.fullmatch(self.employment_id)), f"employment id {self.employment_id!r}")
        _check(self.pay_form in PAY_FORMS, f"pay form {self.pay_form!r}")
        _check(bool(_OCCUPATION.fullmatch(self.occupation)), f"occupation code {self.occupation!r} (7 digits)")
        _check(self.employment_type in EMPLOYMENT_TYPES, f"employment type {self.employment_type!r}")
        _check(self.working_time in WORKING_TIME, f"working time {self.working_time!r}")
        _check(self.employment_form in EMPLOYMENT_FORMS, f"employment form {self.employment_form!r}")
        _check(Decimal(0) <= self.position_percent <= Decimal(100), "position percent 0–100")
        _check(self.end is None or self.end >= self.start, "employment ends before it starts")
        _check(self.end_reason is None or self.end_reason in END_REASONS, f"end reason {self.end_reason!r}")
        _check(self.end is None or self.end_reason is not None, "an ended employment needs an end reason")


@dataclass(frozen=True, slots=True)
class Income:
    """Inntekt (lønnsinntekt)."""

    description: str  # loennsbeskrivelse
    amount: Decimal
    triggers_contribution: bool  # utloeserArbeidsgiveravgift
    in_withholding_basis: bool  # inngaarIGrunnlagForTrekk
    employment_id: str | None = None
    benefit: str = "kontantytelse"  # fordel
    quantity: Decimal | None = None  # antall (hours)
    earned_from: date | None = None
    earned_to: date | None = None

    def __post_init__(self) -> None:
        _check(self.description in SALARY_DESCRIPTIONS, f"salary description {self.description!r}")
        _check(self.benefit in BENEFITS, f"benefit {self.benefit!r}")
        _ore(self.amount, f"income {self.description}")


@dataclass(frozen=True, slots=True)
class Deduction:
    """Fradrag: a deductible amount deducted from pay (given positive, reported negative)."""

    description: str
    amount: Decimal

    def __post_init__(self) -> None:
        _check(self.description in DEDUCTION_DESCRIPTIONS, f"deduction description {self.description!r}")
        _ore(self.amount, f"deduction {self.description}")
        _check(self.amount > 0, "a deduction is given as a positive amount")


@dataclass(frozen=True, slots=True)
class Garnishment:
    """Utleggstrekk: whole kroner deducted on a trekkpålegg (given positive, reported negative), and
    the date it was deducted (the pay date)."""

    description: str
    amount: int
    deducted_on: date

    def __post_init__(self) -> None:
        _check(self.description in GARNISHMENT_DESCRIPTIONS, f"garnishment description {self.description!r}")
        _check(isinstance(self.amount, int) and self.amount > 0, "a garnishment is whole kroner > 0")


@dataclass(frozen=True, slots=True)
class IncomeRecipient:
    """Inntektsmottaker: one person with the employer's business in the month."""

    national_id: str  # fødselsnummer / d-nummer (11 digits, checked by the caller's value type)
    employments: tuple[Employment, ...]
    incomes: tuple[Income, ...]
    withholding: int  # forskuddstrekk, whole kroner
    deductions: tuple[Deduction, ...] = ()
    garnishments: tuple[Garnishment, ...] = ()

    def __post_init__(self) -> None:
        _check(bool(_FNR.fullmatch(self.national_id)), "national id must be 11 digits")
        _check(isinstance(self.withholding, int) and self.withholding >= 0, "withholding is whole kroner ≥ 0")
        known = {e.employment_id for e in self.employments}
        for income in self.incomes:
            _check(
                income.employment_id is None or income.employment_id in known,
                f"income names employment {income.employment_id!r} that is not reported",
            )


@dataclass(frozen=True, slots=True)
class ContributionBasis:
    """Arbeidsgiveravgift: one basis line (zone, rate) of salary or of pension premium."""

    zone: str
    base: Decimal
    percent: Decimal
    code: str = "generelleNaeringer"
    kind: str = "salary"  # salary: loennOgGodtgjoerelse; pension: tilskuddOgPremieTilPensjon

    def __post_init__(self) -> None:
        _check(self.zone in ZONES, f"zone {self.zone!r}")
        _check(self.code in CONTRIBUTION_CODES, f"calculation code {self.code!r}")
        _check(self.kind in ("salary", "pension"), f"contribution kind {self.kind!r}")
        _ore(self.base, "contribution base")


@dataclass(frozen=True, slots=True)
class Business:
    """Virksomhet (underenhet) with its income recipients and contribution bases."""

    orgnr: str
    recipients: tuple[IncomeRecipient, ...]
    contribution: tuple[ContributionBasis, ...] = ()

    def __post_init__(self) -> None:
        _check(bool(_ORGNR.fullmatch(self.orgnr)), f"business orgnr {self.orgnr!r}")


@dataclass(frozen=True, slots=True)
class AMelding:
    """Leveranse: one employer's month. ``replaces`` names the message id this one replaces."""

    message_id: str
    month: str  # YYYY-MM
    delivered_at: datetime
    employer_orgnr: str  # opplysningspliktig: the legal entity
    businesses: tuple[Business, ...]
    sum_withholding: int
    sum_employer_contribution: int
    source_system: str = "Klientportal"
    replaces: str | None = None
    language: str = "bokmaal"
    payment_dates: tuple[tuple[date, int], ...] = field(default=())  # withholding per pay date
    sum_garnishment: int = 0  # sumUtleggstrekk: the utleggstrekk to pay, all recipients

    def __post_init__(self) -> None:
        _check(bool(_ID.fullmatch(self.message_id)), f"message id {self.message_id!r}")
        _check(self.replaces is None or bool(_ID.fullmatch(self.replaces)), f"replaced id {self.replaces!r}")
        _check(self.replaces != self.message_id, "a message cannot replace itself")
        _check(bool(re.fullmatch(r"20\d\d-(0[1-9]|1[0-2])", self.month)), f"month {self.month!r}")
        _check(bool(_ORGNR.fullmatch(self.employer_orgnr)), f"employer orgnr {self.employer_orgnr!r}")
        _check(self.delivered_at.tzinfo is not None, "delivery time must be timezone-aware")
        _check(self.language in {"bokmaal", "nynorsk", "engelsk"}, f"language {self.language!r}")
        total = sum(r.withholding for b in self.businesses for r in b.recipients)
        _check(total == self.sum_withholding, f"sum of withholding {self.sum_withholding} ≠ {total} reported")
        garnished = sum(g.amount for b in self.businesses for r in b.recipients for g in r.garnishments)
        _check(garnished == self.sum_garnishment, f"sum of utleggstrekk {self.sum_garnishment} ≠ {garnished} reported")
