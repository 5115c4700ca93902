"""Lenient parsing of amounts and dates as printed on invoices and receipts (OCR, PDF text).

Amounts: "$1,234.56", "1 234,56", "1.234,56", "kr 100,-", "(12.50)", "$-1,136.16", "899.99 S".
The last separator followed by one or two digits is the decimal mark; a separator followed by
exactly three digits is a thousands separator. Dates: ISO, Norwegian "30.06.2013" / "30. juni 2013",
US "01/31/2021", "12 March 2020", "01-Jan-2021". Slash dates are read month-first (Textract's
documents are US) unless the first number cannot be a month; such dates are reported as ambiguous.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation

_NUMBER = re.compile(
    r"(?P<sign>[-−(])?\s?(?P<num>\d{1,3}(?:[ '\u00a0\u202f.,]\d{3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,4})?)"
    r"(?P<dash>,-)?(?P<trail>[-)])?"
)
_GROUPING_SPACES = re.compile(r"[ '\u00a0\u202f]")
_MAX_AMOUNT_CHARS = 32

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan", "januar"),
            ("february", "feb", "februar"),
            ("march", "mar", "mars"),
            ("april", "apr"),
            ("may", "mai"),
            ("june", "jun", "juni"),
            ("july", "jul", "juli"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct", "okt", "oktober"),
            ("november", "nov"),
            ("december", "dec", "des", "desember"),
        ),
        start=1,
    )
    for name in names
}
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_DOTTED = re.compile(r"(\d{1,2})\.\s?(\d{1,2})\.\s?(\d{2}|\d{4})(?!\d)")
_SLASHED = re.compile(r"(\d{1,2})[/-](\d{1,2})[/-](\d{2}|\d{4})(?!\d)")
_NAMED_DAY_FIRST = re.compile(r"(\d{1,2})\.?[\s-]+([A-Za-zæøåÆØÅ]{3,9})\.?[\s,-]+(\d{4})")
_NAMED_MONTH_FIRST = re.compile(r"([A-Za-z]{3,9})\.?\s+(\d{1,2}),?\s+(\d{4})")


def parse_amount(text: str | None) -> Decimal | None:
    """The first amount in `text` as Decimal, or None when there is no readable number."""
    if not text:
        return None
    match = _NUMBER.search(text)
    if match is None:
        return None
    sign, trail = match.group("sign"), match.group("trail")
    negative = sign in ("-", "−") or trail == "-" or (sign == "(" and trail == ")")
    digits = _GROUPING_SPACES.sub("", match.group("num"))
    if len(digits) > _MAX_AMOUNT_CHARS:
        return None
    normalised = _normalise_separators(digits)
    if normalised is None:
        return None
    try:
        value = Decimal(normalised)
    except InvalidOperation:
        return None
    return -value if negative else value


def _normalise_separators(digits: str) -> str | None:
    last_comma, last_dot = digits.rfind(","), digits.rfind(".")
    if last_comma == -1 and last_dot == -1:
        return digits
    decimal_pos = max(last_comma, last_dot)
    decimal_mark = digits[decimal_pos]
    other = "." if decimal_mark == "," else ","
    fraction = digits[decimal_pos + 1 :]
    single_kind = other not in digits
    if single_kind and (digits.count(decimal_mark) > 1 or len(fraction) == 3):
        return digits.replace(decimal_mark, "")
    integer = digits[:decimal_pos].replace(other, "")
    if decimal_mark in integer or not fraction.isdigit():
        return None
    return f"{integer}.{fraction}"


def parse_date(text: str | None) -> tuple[date, bool] | None:
    """(date, ambiguous) for the first date in `text`, or None. Ambiguous = day/month order guessed."""
    if not text:
        return None
    for pattern, reader in (
        (_ISO, lambda g: (int(g[0]), int(g[1]), int(g[2]), False)),
        (_DOTTED, lambda g: (_year(g[2]), int(g[1]), int(g[0]), False)),
        (_NAMED_DAY_FIRST, lambda g: (int(g[2]), _MONTHS.get(g[1].lower(), 0), int(g[0]), False)),
        (_NAMED_MONTH_FIRST, lambda g: (int(g[2]), _MONTHS.get(g[0].lower(), 0), int(g[1]), False)),
        (_SLASHED, _slashed),
    ):
        for match in pattern.finditer(text):
            year, month, day, ambiguous = reader(match.groups())
            try:
                return date(year, month, day), ambiguous
            except ValueError:
                continue
    return None


def _year(text: str) -> int:
    return int(text) + 2000 if len(text) == 2 else int(text)


def _slashed(groups: tuple[str, ...]) -> tuple[int, int, int, bool]:
    first, second, year = int(groups[0]), int(groups[1]), _year(groups[2])
    if first > 12:
        return year, second, first, False
    return year, first, second, second <= 12 and first != second
