"""Hypothesis strategies for valid invoices and credit notes (shared by unit and conformance tests)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import strategies as st
from stdnum.no import kontonr, orgnr

from klientportal.formats.kid import KidAlgorithm, KidComposition, KidSettings, generate_kid
from klientportal.invoicing.models import (
    Address,
    AllowanceCharge,
    Attachment,
    Buyer,
    DocumentKind,
    Invoice,
    InvoiceLine,
    LineAllowanceCharge,
    PeppolEndpoint,
    Period,
    Seller,
    Vat,
    VatCategory,
)

_ORGNR_WEIGHTS = (3, 2, 7, 6, 5, 4, 3, 2)
_KONTONR_WEIGHTS = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)
WORDS = (
    "Regnskap",
    "Lønnskjøring",
    "Årsoppgjør",
    "Rådgivning",
    "Kaffe",
    "Møterom",
    "Skyssøk",
    "Ærend",
    "Øvelse",
    "Blåbær",
    "Konsulenttimer",
    "Frakt",
    "Lisens",
    "Vedlikehold",
    "Grünerløkka",
)


def _check_digit(body: str, weights: tuple[int, ...]) -> int | None:
    digit = (11 - sum(w * int(d) for w, d in zip(weights, body, strict=True)) % 11) % 11
    return None if digit == 10 else digit


def _with_check(body: str, weights: tuple[int, ...]) -> str | None:
    digit = _check_digit(body, weights)
    return None if digit is None else body + str(digit)


orgnrs = (
    st.integers(80_000_000, 99_999_999)
    .map(lambda n: _with_check(str(n), _ORGNR_WEIGHTS))
    .filter(lambda n: n is not None and orgnr.is_valid(n))
)
accounts = (
    st.integers(10**9, 10**10 - 1)
    .map(lambda n: _with_check(str(n), _KONTONR_WEIGHTS))
    .filter(lambda n: n is not None and kontonr.is_valid(n))
)
words = st.sampled_from(WORDS)
free_text = st.text(st.characters(codec="utf-8", categories=("L", "N", "P", "Zs")), min_size=1, max_size=30).filter(
    lambda s: s.strip()
)
texts = st.one_of(words, st.builds(lambda a, b: f"{a} {b}", words, free_text))


def decimals(low: str, high: str, places: int) -> st.SearchStrategy[Decimal]:
    return st.decimals(Decimal(low), Decimal(high), places=places, allow_nan=False, allow_infinity=False)


addresses = st.builds(
    Address,
    street=st.one_of(st.none(), texts),
    postal_zone=st.one_of(st.none(), st.integers(1, 9999).map(lambda n: f"{n:04d}")),
    city=st.one_of(st.none(), st.sampled_from(("Oslo", "Bergen", "Tromsø", "Ålesund", "Bærum"))),
)

STANDARD = st.sampled_from([Vat(category=VatCategory.STANDARD, rate=r) for r in (25, 15, 12)])
ZERO = st.just(Vat(category=VatCategory.ZERO_RATED))
EXEMPT = st.sampled_from(
    [
        Vat(category=VatCategory.EXEMPT, exemption_reason="Unntatt fra merverdiavgift"),
        Vat(
            category=VatCategory.EXEMPT,
            exemption_reason_code="VATEX-EU-132-1B",
            exemption_reason="Helsetjenester, merverdiavgiftsloven § 3-2",
        ),
        Vat(category=VatCategory.EXEMPT, exemption_reason_code="VATEX-EU-D"),
    ]
)
REVERSE = st.just(
    Vat(
        category=VatCategory.REVERSE_CHARGE,
        exemption_reason_code="VATEX-EU-AE",
        exemption_reason="Omvendt avgiftsplikt",
    )
)
EXPORT = st.just(
    Vat(category=VatCategory.EXPORT, exemption_reason_code="VATEX-EU-G", exemption_reason="Eksport av varer")
)
OUTSIDE = Vat(category=VatCategory.OUTSIDE_SCOPE, exemption_reason="Ikke merverdiavgiftspliktig")


ALLOWANCE_CODES = st.sampled_from((None, "95", "100", "41"))
CHARGE_CODES = st.sampled_from((None, "FC", "ABK", "SAA"))


@st.composite
def line_allowances_charges(draw: st.DrawFn) -> LineAllowanceCharge:
    is_charge = draw(st.booleans())
    measure = draw(st.sampled_from(("amount", "percent")))
    return LineAllowanceCharge(
        is_charge=is_charge,
        reason=draw(st.sampled_from(("Miljøgebyr", "Emballasje", "Mengderabatt"))),
        reason_code=draw(CHARGE_CODES if is_charge else ALLOWANCE_CODES),
        amount=draw(decimals("0.01", "50", 2)) if measure == "amount" else None,
        percent=draw(decimals("0.01", "30", 2)) if measure == "percent" else None,
    )


@st.composite
def periods(draw: st.DrawFn, within: Period | None = None) -> Period:
    low = within.start if within and within.start else date(2024, 1, 1)
    high = within.end if within and within.end else date(2027, 12, 31)
    start = draw(st.dates(low, high))
    end = draw(st.dates(start, high))
    shape = draw(st.sampled_from(("both", "start", "end")))
    return Period(start=start if shape != "end" else None, end=end if shape != "start" else None)


@st.composite
def lines(draw: st.DrawFn, vats: st.SearchStrategy[Vat], period: Period | None = None) -> InvoiceLine:
    quantity = draw(st.one_of(decimals("0.001", "1000", 3), st.integers(1, 50).map(Decimal)))
    if draw(st.integers(0, 9)) == 0:
        quantity = -quantity
    price = draw(st.one_of(decimals("0", "100000", 2), decimals("0", "500", 4)))
    discount = draw(st.sampled_from(("none", "none", "percent", "amount"))) if quantity > 0 else "none"
    extra: dict = {}
    if discount == "percent":
        extra["discount_percent"] = draw(st.one_of(st.integers(1, 100).map(Decimal), decimals("0.01", "99.99", 2)))
    per = draw(st.sampled_from((None, None, None, Decimal(10), Decimal("0.5"))))
    if per is not None:
        extra["base_quantity"] = per
    gross_floor = (quantity * price / (per or 1)).quantize(Decimal("0.01"), rounding="ROUND_DOWN")
    if discount == "amount" and gross_floor >= Decimal("0.01"):
        extra["discount_amount"] = draw(decimals("0.01", str(gross_floor), 2))
    if draw(st.integers(0, 3)) == 0:
        extra["gross_price"] = price + draw(st.one_of(decimals("0", "100", 2), decimals("0", "5", 4)))
    if quantity > 0 and draw(st.integers(0, 3)) == 0:
        extra["allowances_charges"] = tuple(draw(st.lists(line_allowances_charges(), min_size=1, max_size=2)))
    if draw(st.integers(0, 3)) == 0:
        extra["period"] = draw(periods(period))
    return InvoiceLine(
        description=draw(texts),
        quantity=quantity,
        unit_price=price,
        unit_code=draw(st.sampled_from(("EA", "HUR", "KGM", "MTR", "DAY", "C62"))),
        vat=draw(vats),
        **extra,
    )


@st.composite
def kids(draw: st.DrawFn) -> str:
    algorithm = draw(st.sampled_from(KidAlgorithm))
    settings = KidSettings(
        algorithm=algorithm,
        length=draw(st.integers(7, 25)),
        composition=KidComposition.CUSTOMER_INVOICE,
        customer_digits=3,
        mod11_remainder_10=draw(st.sampled_from(("variant-digit", "dash"))),
    )
    return generate_kid(settings, draw(st.integers(0, 999)), draw(st.integers(0, 99)))


@st.composite
def invoices(draw: st.DrawFn, kind: DocumentKind | None = None) -> Invoice:
    """A valid invoice or credit note with a mix of VAT categories, discounts, allowances and KID."""
    kind = kind or draw(st.sampled_from(DocumentKind))
    mva_registered = draw(st.integers(0, 9)) > 0
    seller_no = draw(orgnrs)
    buyer_no = draw(orgnrs)
    if mva_registered:
        exempt = st.just(draw(EXEMPT))  # one exemption reason per category and invoice
        vats = draw(
            st.sampled_from(
                (
                    STANDARD,
                    st.one_of(STANDARD, ZERO),
                    st.one_of(STANDARD, ZERO, exempt),
                    st.one_of(STANDARD, exempt, REVERSE),
                    st.one_of(ZERO, EXPORT),
                    exempt,
                )
            )
        )
    else:
        vats = st.just(OUTSIDE)
    foreign = draw(st.integers(0, 5)) == 0
    seller = Seller(
        name=draw(texts) + " AS",
        orgnr=seller_no,
        mva_registered=mva_registered,
        foretaksregisteret=draw(st.booleans()),
        address=draw(addresses),
        bank_account=draw(accounts),
        iban="NO9386011117947" if foreign else None,
        bic="DNBANOKK" if foreign and draw(st.booleans()) else None,
        email=draw(st.sampled_from((None, "faktura@selger.no"))),
    )
    buyer = Buyer(
        name=draw(texts),
        orgnr=buyer_no,
        address=draw(addresses),
        vat_number=f"NO{buyer_no}MVA" if mva_registered and draw(st.booleans()) else None,
        email=draw(st.sampled_from((None, "post@kunde.no"))),
        peppol_endpoint=draw(st.sampled_from((None, PeppolEndpoint(scheme="0192", identifier=buyer_no)))),
    )
    period = draw(st.one_of(st.none(), periods()))
    invoice_lines = tuple(draw(st.lists(lines(vats, period), min_size=1, max_size=6)))
    line_vats = st.sampled_from([x.vat for x in invoice_lines])
    allowances = tuple(draw(st.lists(document_allowances_charges(line_vats), max_size=3)))
    attachments = tuple(
        draw(
            st.lists(
                st.builds(
                    Attachment,
                    filename=st.sampled_from(("timeliste.pdf", "kvittering.png", "grunnlag.csv", "bilde.jpeg")),
                    mime_code=st.sampled_from(
                        (
                            "application/pdf",
                            "image/png",
                            "text/csv",
                            "image/jpeg",
                            "application/vnd.oasis.opendocument.spreadsheet",
                        )
                    ),
                    content=st.binary(min_size=1, max_size=64),
                    description=st.one_of(st.none(), texts),
                ),
                max_size=2,
                unique_by=lambda a: a.filename,
            )
        )
    )
    issue = draw(st.dates(date(2024, 1, 1), date(2027, 12, 31)))
    credit = kind is DocumentKind.CREDIT_NOTE
    return Invoice(
        kind=kind,
        number=str(draw(st.integers(1, 10**8))),
        issue_date=issue,
        due_date=issue + timedelta(days=draw(st.integers(0, 60))) if not credit or draw(st.booleans()) else None,
        seller=seller,
        buyer=buyer,
        lines=invoice_lines,
        allowances_charges=allowances,
        kid=draw(st.one_of(st.none(), kids())),
        currency=draw(st.sampled_from(("EUR", "SEK"))) if foreign else "NOK",
        nok_exchange_rate=draw(decimals("0.5", "12", 4)) if foreign else None,
        buyer_reference=draw(st.one_of(texts, st.just("Ola Nordmann"))),
        note=draw(st.one_of(st.none(), texts)),
        credited_invoice_number=str(draw(st.integers(1, 10**6))) if credit else None,
        credited_invoice_date=issue - timedelta(days=draw(st.integers(1, 30))) if credit else None,
        prepaid_amount=draw(st.one_of(st.just(Decimal(0)), decimals("0.01", "100", 2))),
        round_payable_to_krone=draw(st.booleans()),
        period=period,
        attachments=attachments,
    )


@st.composite
def document_allowances_charges(draw: st.DrawFn, vats: st.SearchStrategy[Vat]) -> AllowanceCharge:
    is_charge = draw(st.booleans())
    code = draw(CHARGE_CODES if is_charge else ALLOWANCE_CODES)
    reason = draw(st.sampled_from(("Frakt", "Emballasje", "Kunderabatt", "Gebyr")))
    if draw(st.booleans()):
        return AllowanceCharge(
            is_charge=is_charge,
            amount=draw(decimals("0.01", "2000", 2)),
            reason=reason,
            reason_code=code,
            vat=draw(vats),
        )
    return AllowanceCharge(
        is_charge=is_charge,
        percent=draw(decimals("1", "20", 2)),
        base_amount=draw(decimals("1", "10000", 2)),
        reason=reason,
        reason_code=code,
        vat=draw(vats),
    )
