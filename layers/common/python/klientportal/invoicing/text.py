"""Norwegian text forms of amounts, numbers, dates, organisation and account numbers.

Shared by the PDF and the e-mails; kept apart from pdf.py so that a handler that only writes an
e-mail does not import the PDF library.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal


def amount_text(value: Decimal) -> str:
    """Norwegian money format: space as thousands separator, comma before øre (1 234,50)."""
    return f"{value:,.2f}".replace(",", " ").replace(".", ",")


def price_text(value: Decimal) -> str:
    """A price: like an amount (1 234,50), with the third and fourth decimal when it has them (12,3456)."""
    places = min(4, max(2, -int(value.normalize().as_tuple().exponent)))
    return f"{value:,.{places}f}".replace(",", " ").replace(".", ",")


def number_text(value: Decimal) -> str:
    """A quantity or rate without trailing zeros, comma decimal (7,5)."""
    return f"{value.normalize():f}".replace(".", ",")


def date_text(value: date) -> str:
    return value.strftime("%d.%m.%Y")


def orgnr_text(orgnr: str) -> str:
    return f"{orgnr[:3]} {orgnr[3:6]} {orgnr[6:]}"


def account_text(account: str) -> str:
    return f"{account[:4]} {account[4:6]} {account[6:]}"
