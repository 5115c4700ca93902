"""Matching an incoming payment to open items by KID: pure, no I/O.

The rules (docs/bank.md, decision 0621), in order:
1. A debit, or an amount that is not positive, is not an incoming payment: `ignored`.
2. No KID → unmatched. A message such as "Faktura 7104" is never read as a reference: it is a
   suggestion for the person who matches by hand, not a match.
3. A KID whose MOD10 and MOD11 check digits are both wrong → unmatched (never "the closest KID").
4. A KID that names no open item → unmatched (unknown KID).
5. A KID that names exactly one item → that item: paid in full, partly, or overpaid (what is beyond
   the remaining amount becomes the customer's credit, decision 0163). An item already settled
   still receives it: all of it is overpaid.
6. A KID shared by several items (a KID made of the customer number): the amount decides — the
   items still owed, oldest due date first, are settled in that order if the amount is exactly
   what the first one, two, … of them still owe; otherwise unmatched with the candidates named.
Every outcome carries its explanation (`rule` and a sentence) that is stored with the payment.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from klientportal.formats.kid import validate_kid

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class OpenItem:
    """An item of the customer sub-ledger as matching sees it: a portal invoice or an item issued
    outside the portal. `ref` is ("invoice", invoice id) or ("external", invoice number)."""

    kind: str  # invoice | external
    ref: str
    number: str
    customer_number: int
    kid: str | None
    amount: Decimal
    remaining: Decimal  # what is still owed (never below zero)
    due_date: date | None
    customer_name: str | None = None

    @property
    def key(self) -> tuple[str, str]:
        return (self.kind, self.ref)


@dataclass(frozen=True)
class Allocation:
    item: OpenItem
    amount: Decimal  # of the payment, applied to the item (the overpaid part included)
    overpaid: Decimal = ZERO


@dataclass(frozen=True)
class Outcome:
    status: str  # matched | unmatched | ignored
    rule: str  # full | partial | overpaid | several | no-kid | bad-check-digit | unknown-kid | ambiguous | debit
    explanation: str
    allocations: tuple[Allocation, ...] = field(default=())
    candidates: tuple[str, ...] = field(default=())  # numbers of the items a person might choose


def kid_state(kid: str | None) -> str:
    """`none`, `bad-check-digit` or `valid`."""
    if not kid:
        return "none"
    return "valid" if validate_kid(kid) else "bad-check-digit"


def match(amount: Decimal, credit: bool, kid: str | None, items: list[OpenItem]) -> Outcome:
    """The outcome for one payment of `amount` (kroner) with `kid`, given the open items carrying
    that KID (matching never looks beyond them)."""
    if not credit or amount <= 0:
        return Outcome("ignored", "debit", "not an incoming payment (a debit): left to the outgoing-payment routine")
    state = kid_state(kid)
    if state == "none":
        return Outcome("unmatched", "no-kid", "the payment carries no KID; match it by hand")
    if state == "bad-check-digit":
        return Outcome(
            "unmatched",
            "bad-check-digit",
            f"KID {kid} has a wrong check digit (neither MOD10 nor MOD11); it is not matched to a similar KID",
        )
    if not items:
        return Outcome("unmatched", "unknown-kid", f"no open item carries KID {kid}")
    if len(items) == 1:
        return _one(amount, items[0])
    return _several(amount, kid or "", items)


def _one(amount: Decimal, item: OpenItem) -> Outcome:
    what = _name(item)
    if item.remaining <= 0:
        return Outcome(
            "matched",
            "overpaid",
            f"KID {item.kid} is {what}, which was already settled: all {amount} is the customer's credit",
            (Allocation(item, amount, amount),),
        )
    if amount == item.remaining:
        rule, text = "full", f"KID {item.kid} is {what}; {amount} pays the {item.remaining} still owed in full"
    elif amount < item.remaining:
        rule = "partial"
        text = f"KID {item.kid} is {what}; {amount} of the {item.remaining} still owed ({item.remaining - amount} left)"
    else:
        rule = "overpaid"
        text = (
            f"KID {item.kid} is {what}; {amount} is {amount - item.remaining} more than the {item.remaining} "
            "still owed: the excess is the customer's credit"
        )
    over = max(amount - item.remaining, ZERO)
    return Outcome("matched", rule, text, (Allocation(item, amount, over),))


def _several(amount: Decimal, kid: str, items: list[OpenItem]) -> Outcome:
    owed = sorted((i for i in items if i.remaining > 0), key=lambda i: (i.due_date or date.max, i.number))
    running = ZERO
    for n, item in enumerate(owed, start=1):
        running += item.remaining
        if running == amount:
            chosen = owed[:n]
            if n == 1:
                return Outcome(
                    "matched",
                    "full",
                    f"KID {kid} is shared by {len(items)} items; {amount} is exactly what the oldest, "
                    f"{_name(item)}, still owes",
                    (Allocation(item, amount),),
                )
            return Outcome(
                "matched",
                "several",
                f"KID {kid} is shared by {len(items)} items; {amount} is exactly what the {n} oldest "
                f"({', '.join(i.number for i in chosen)}) still owe together",
                tuple(Allocation(i, i.remaining) for i in chosen),
            )
        if running > amount:
            break
    return Outcome(
        "unmatched",
        "ambiguous",
        f"KID {kid} is shared by {len(items)} items and {amount} is not what the oldest of them still owe "
        "(one, or the first few together); choose by hand",
        candidates=tuple(i.number for i in items),
    )


def _name(item: OpenItem) -> str:
    return f"invoice {item.number}" if item.kind == "invoice" else f"open item {item.number}"


@dataclass(frozen=True)
class Suggestion:
    number: str
    kind: str
    ref: str
    remaining: str
    reasons: tuple[str, ...]


def suggestions(
    amount: Decimal,
    message: str | None,
    payer_name: str | None,
    booking_date: date,
    items: list[OpenItem],
    limit: int = 5,
) -> list[Suggestion]:
    """Open items a person might match an unmatched payment to, with why: the same amount, the item's
    number in the payment's text, the payer's name, a due date near the payment. Only suggestions:
    nothing is ever matched on them."""
    text = (message or "").lower()
    payer = (payer_name or "").lower().split()
    scored: list[tuple[int, Suggestion]] = []
    for item in items:
        if item.remaining <= 0:
            continue
        reasons: list[str] = []
        score = 0
        if item.remaining == amount:
            reasons.append("amount: the same as still owed")
            score += 4
        elif item.amount == amount:
            reasons.append("amount: the same as the item's total")
            score += 2
        if item.number and _mentions(text, item.number):
            reasons.append(f"text: mentions {item.number}")
            score += 4
        if payer and item.customer_name and any(w in item.customer_name.lower() for w in payer if len(w) > 2):
            reasons.append(f"payer: {payer_name} resembles {item.customer_name}")
            score += 2
        if item.due_date and abs((item.due_date - booking_date).days) <= 14:
            reasons.append(f"date: due {item.due_date.isoformat()}, paid {booking_date.isoformat()}")
            score += 1
        if score >= 2:
            scored.append((score, Suggestion(item.number, item.kind, item.ref, str(item.remaining), tuple(reasons))))
    scored.sort(key=lambda s: (-s[0], s[1].number))
    return [s for _, s in scored[:limit]]


def _mentions(text: str, number: str) -> bool:
    import re

    return re.search(rf"(?<![0-9]){re.escape(number.lower())}(?![0-9])", text) is not None
