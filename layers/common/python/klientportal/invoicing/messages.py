"""The texts the routine sends: the invoice e-mail, the payment request and reminders (Norwegian)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from klientportal.adapters.email import Mail
from klientportal.invoicing.text import amount_text, date_text
from klientportal.repository.records import Record
from klientportal.settings import settings as app_settings


def invoice_text(data: dict[str, Any]) -> str:
    doc = data["document"]
    credit = data["kind"] == "credit_note"
    what = "kreditnota" if credit else "faktura"
    lines = [f"Hei {doc['buyer']['name']},", "", f"Vedlagt følger {what} {data['number']} fra {doc['seller']['name']}."]
    if not credit:
        lines += [
            f"Beløp: {amount_text(Decimal(data['totals']['payable']))} {doc['currency']}",
            f"Forfallsdato: {date_text(date.fromisoformat(data['due_date']))}",
            f"Kontonummer: {doc['seller']['bank_account']}",
            f"KID: {data['kid']}",
        ]
    return "\n".join([*lines, "", "Med vennlig hilsen", doc["seller"]["name"]])


def reminder_text(data: dict[str, Any], entry: dict[str, Any], left: Decimal) -> tuple[str, str]:
    """The title and body of a reminder (purring or inkassovarsel) for what is `left` to pay. The
    outstanding amount and the interest on it are in the invoice's currency; the fee (a share of the
    inkassosats) is in kroner, so for a foreign-currency invoice it is shown and added apart."""
    fee, interest = Decimal(entry["fee"]), Decimal(entry["interest"])
    currency = data["document"].get("currency", "NOK")
    unit = "kr" if currency == "NOK" else currency
    deadline = date_text(date.fromisoformat(entry["new_due_date"]))
    if currency == "NOK":
        to_pay = f"{amount_text(left + fee + interest)} kr"
    else:
        to_pay = f"{amount_text(left + interest)} {currency}" + (f" og {amount_text(fee)} kr" if fee else "")
    title = "Inkassovarsel" if entry["kind"] == "inkassovarsel" else "Purring"
    body = [
        f"{title}: faktura {data['number']}",
        "",
        f"Vi kan ikke se å ha mottatt betaling for faktura {data['number']} med forfall "
        f"{date_text(date.fromisoformat(data['due_date']))}.",
        f"Utestående: {amount_text(left)} {unit}",
        f"Purregebyr: {amount_text(fee)} kr",
        f"Forsinkelsesrente ({entry['interest_rate']} % p.a.): {amount_text(interest)} {unit}",
        f"Å betale: {to_pay} innen {deadline}",
        f"Kontonummer {data['document']['seller']['bank_account']}, KID {data['kid']}.",
    ]
    if entry["kind"] == "inkassovarsel":
        body += [
            "",
            "Dersom beløpet ikke er betalt innen fristen på 14 dager, vil kravet bli oversendt "
            "til inkasso, og det vil påløpe inkassokostnader (inkassoloven § 9).",
        ]
    return title, "\n".join(body)


def mail(
    rec: Record,
    to: str,
    body: str,
    pdf: bytes | None,
    reference: str,
    subject: str | None = None,
    extra: tuple[tuple[str, str, bytes], ...] = (),
) -> Mail:
    """The e-mail of an invoice: its PDF, then `extra` (filename, MIME type, content), e.g. the
    customer's attachments."""
    data = rec.data
    seller = data["document"]["seller"]
    name = data["pdf_key"].rsplit("/", 1)[1]
    what = "Kreditnota" if data["kind"] == "credit_note" else "Faktura"
    return Mail(
        to=to,
        subject=subject or f"{what} {data['number']} fra {seller['name']}",
        body=body,
        from_address=app_settings().invoice_from_address,
        from_name=seller["name"],
        reply_to=seller.get("email"),
        attachments=((name, "application/pdf", pdf), *extra) if pdf else extra,
        reference=reference,
    )
