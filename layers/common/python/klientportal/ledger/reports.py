"""Reports the bureau publishes to a client: generated from the ledger for a period (profit and loss,
balance sheet or VAT summary, frozen when published: a later booking does not change what the client
was shown), or a PDF the bureau uploads (checked by `report_files.check_pdf`, stored unaltered in the
documents bucket under `reports/<client>/`, its SHA-256 kept and checked when served). Publishing is
the domain event `report.published`, written with the client's notification (decision 0830); the
change feeds and webhooks carry both. The first time each client member opens a report (a PDF: its
file) is recorded (`report.read`: `read_at`/`read_by` the first, `reads` everyone's first), which
the bureau sees in the list."""

from __future__ import annotations

import hashlib
import re
import secrets
from decimal import Decimal
from typing import Any

from klientportal import clock
from klientportal.errors import FieldError, InternalError, InvalidInput, NotFound, StaleVersion
from klientportal.ledger import statements
from klientportal.ledger.service import LedgerService, month_range
from klientportal.repository import keys
from klientportal.repository.pagination import checked_limit, decode_cursor, encode_cursor
from klientportal.repository.records import Record
from klientportal.repository.store import Actor, Change, Page
from klientportal.sync.notifications import notification_change
from klientportal.tenancy.models import Membership
from klientportal.vouchers.filenames import sanitise_filename

STATEMENTS = ("profit-and-loss", "balance-sheet", "vat-summary")
_REPORT_ID = re.compile(r"^rep-[0-9a-f]{16}$")
FILE_PREFIX = "reports/"
MAX_READS = 200  # the distinct readers kept on a report (the first is always kept)


def vat_summary(ledger: LedgerService, year: int, first: int, last: int) -> dict[str, Any]:
    """Output and input VAT of the months per VAT account (27xx), and what is owed (+) or due back (-)."""
    balances = ledger.balances(year)
    names = ledger.account_names()
    lines = []
    for account in balances.accounts():
        if account.startswith("27") and account not in ("2740", "2770", "2780", "2785", "2790"):
            net = balances.net(account, (year, first), (year, last))
            if net:
                lines.append({"account": account, "name": names.get(account, ""), "amount": statements.shown(-net)})
    total = sum((Decimal(x["amount"]) for x in lines), Decimal("0.00"))
    return {
        "period_from": f"{year:04d}-{first:02d}",
        "period_to": f"{year:04d}-{last:02d}",
        "lines": lines,
        "to_pay": str(total),
    }


def content_of(ledger: LedgerService, statement: str, start: str, end: str) -> dict[str, Any]:
    year, first, last = month_range(start, end, clock.today_oslo().year)
    if statement == "profit-and-loss":
        return ledger.profit_and_loss(year, first, last)
    if statement == "balance-sheet":
        return ledger.balance_sheet(end)
    return vat_summary(ledger, year, first, last)


def file_key(client_id: str, report_id: str, filename: str) -> str:
    return f"{FILE_PREFIX}{client_id}/{report_id}/{filename}"


def _period(start: str, end: str) -> None:
    if start > end:
        raise InvalidInput("the period ends before it begins", [FieldError("period_to", "before period_from")])


def _published(
    ledger: LedgerService, data: dict[str, Any], actor: Actor, people: list[Membership]
) -> tuple[Record, Record]:
    """The report and the client's notification in one write (the report and its tiding together)."""
    what = f"{data['period_from']}–{data['period_to']}"
    note = notification_change(
        ledger.client_id,
        "client",
        "report.published",
        ("report", data["report_id"]),
        f"Ny rapport: {data['title']}",
        f"Regnskapskontoret har publisert rapporten «{data['title']}» for {what}.",
        people,
    )
    rec = Record(ledger.pk, keys.report_sk(data["report_id"]), "report", data)
    report, notification = ledger.store.write(ledger.pk, [Change(None, rec, "report.published"), note], actor)
    return report, notification


def _base(report_id: str, kind: str, title: str, start: str, end: str, actor: Actor) -> dict[str, Any]:
    return {
        "report_id": report_id,
        "kind": kind,
        "title": title,
        "period_from": start,
        "period_to": end,
        "published_at": clock.iso(clock.now()),
        "published_by": actor.email or actor.sub,
        "read_at": None,
        "read_by": None,
        "reads": [],
    }


def publish(
    ledger: LedgerService, title: str, statement: str, start: str, end: str, actor: Actor, people: list[Membership]
) -> tuple[Record, Record]:
    """A report generated from the ledger, frozen now; with the notification to `people`."""
    _period(start, end)
    content = content_of(ledger, statement, start, end)
    report_id = f"rep-{secrets.token_hex(8)}"
    data = {**_base(report_id, "generated", title, start, end, actor), "statement": statement, "content": content}
    return _published(ledger, data, actor, people)


def publish_pdf(
    ledger: LedgerService,
    files: Any,
    bucket: str,
    upload: tuple[str, str, str, str | None, bytes],
    actor: Actor,
    people: list[Membership],
) -> tuple[Record, Record]:
    """An uploaded PDF report: `upload` = (title, period from, period to, file name, bytes). Checked
    before anything is written; the file is stored unaltered before the report names it."""
    title, start, end, filename, data = upload
    _period(start, end)
    from klientportal.ledger.report_files import check_pdf  # pypdf and the PDF limits: uploads only

    facts = check_pdf(data)
    report_id = f"rep-{secrets.token_hex(8)}"
    name = sanitise_filename(filename or "", fallback=f"{report_id}.pdf")
    if not name.lower().endswith(".pdf"):
        name += ".pdf"
    key = file_key(ledger.client_id, report_id, name)
    files.put_object(
        Bucket=bucket, Key=key, Body=data, ContentType="application/pdf", Metadata={"sha256": facts.sha256}
    )
    file = {"key": key, "filename": name, "size": facts.size, "sha256": facts.sha256, "pages": facts.pages}
    data_ = {**_base(report_id, "pdf", title, start, end, actor), "statement": None, "content": None, "file": file}
    return _published(ledger, data_, actor, people)


def reports(ledger: LedgerService, limit: int | None = None, cursor: str | None = None) -> Page:
    """A page of the reports, newest first. The cursor is the signed position (published_at, report id)
    of the page's last report, bound to the client's report list (0016); report ids are random, so
    the order is made from the client's reports as read (tens a year), not from the key order."""
    scope = {"pk": ledger.pk, "list": "reports", "order": "published_at desc"}
    after = decode_cursor(cursor, scope)
    size = checked_limit(limit)
    ordered = sorted(
        ledger.store.query_all(ledger.pk, keys.REPORT_PREFIX),
        key=lambda r: (r.data["published_at"], r.data["report_id"]),
        reverse=True,
    )
    if after is not None:
        if set(after) != {"published_at", "report_id"}:
            raise InvalidInput("the cursor is not valid for this list", [FieldError("cursor", "invalid cursor")])
        position = (after["published_at"], after["report_id"])
        ordered = [r for r in ordered if (r.data["published_at"], r.data["report_id"]) < position]
    page = ordered[:size]
    last = page[-1].data if len(ordered) > size else None
    return Page(
        page,
        encode_cursor({"published_at": last["published_at"], "report_id": last["report_id"]}, scope) if last else None,
    )


def get(ledger: LedgerService, report_id: str) -> Record:
    rec = ledger.store.get(ledger.pk, keys.report_sk(report_id)) if _REPORT_ID.match(report_id) else None
    if rec is None:
        raise NotFound(f"no report {report_id[:40]}")
    return rec


def mark_read(ledger: LedgerService, rec: Record, actor: Actor, attempts: int = 5) -> Record:
    """Record the first opening by this client member (and the report's first reading)."""
    who = actor.email or actor.sub
    reads = list(rec.data.get("reads") or [])
    if any(r["by"] == who for r in reads) or (rec.data.get("read_by") == who and not reads):
        return rec
    at = clock.iso(clock.now())
    data = {**rec.data, "reads": [*reads, {"by": who, "at": at}][:MAX_READS]}
    if data.get("read_at") is None:
        data.update(read_at=at, read_by=who)
    try:
        return ledger.store.write(ledger.pk, [Change(rec, rec.with_data(data), "report.read")], actor)[0]
    except StaleVersion:  # another opening was recorded meanwhile: read it again
        if attempts <= 1:
            raise
        return mark_read(ledger, get(ledger, rec.data["report_id"]), actor, attempts - 1)


def open_report(ledger: LedgerService, report_id: str, actor: Actor, *, is_client_member: bool) -> Record:
    """The report; a generated report opened by a member of the client is marked read by them (an
    uploaded one when its file is opened)."""
    rec = get(ledger, report_id)
    if is_client_member and rec.data.get("kind", "generated") == "generated":
        rec = mark_read(ledger, rec, actor)
    return rec


def open_file(
    ledger: LedgerService, files: Any, bucket: str, report_id: str, actor: Actor, *, is_client_member: bool
) -> tuple[Record, bytes]:
    """The uploaded PDF, byte for byte as uploaded (checked against its SHA-256), marked read by a
    client member who opens it."""
    rec = get(ledger, report_id)
    file = rec.data.get("file")
    if not file:
        raise NotFound(f"report {report_id} is generated from the ledger; it has no file")
    body = files.get_object(Bucket=bucket, Key=file["key"])["Body"].read()
    if hashlib.sha256(body).hexdigest() != file["sha256"]:
        raise InternalError(f"the stored file of report {report_id} is not the one uploaded")
    if is_client_member:
        rec = mark_read(ledger, rec, actor)
    return rec, body
