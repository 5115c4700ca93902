"""Payslips issued on approval: a PDF per employee in S3, visible to the employee (decision 0920).

Issuing is idempotent per payslip: a slip that carries `issued_at` is never rendered, stored or
audited again, so an approval retried after a crash completes the rest and `payslip.issued` (the
billable event, contract 5) is written once per payslip, in the same transaction as the record that
says it is issued. The PDF is put before that transaction (a retry puts the same key again).

Who sees a payslip: the client's admins and the bureau through the run (`payroll.read`); the
employee through `/me/payslips` when the register's e-mail of the employee is the e-mail of an
active member of the client at issue time. The slip then carries the member's identity (`sub`) in
its GSI1 partition; `/me` reads only that partition, so nobody reaches another person's slip.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import date
from typing import Any

from klientportal import clock
from klientportal.errors import NotFound
from klientportal.invoicing.delivery import DocumentFiles
from klientportal.repository import keys
from klientportal.repository.records import Record
from klientportal.repository.store import Actor, Change, Store
from klientportal.tenancy.repository import TenancyRepository

ISSUED = "payslip.issued"
_PER_WRITE = 10
_PUTS_AT_ONCE = 8  # PDFs stored concurrently: 1,000 sequential PutObjects alone take 10–20 s on S3
_PAGE = 1000  # items a Query asks for (DynamoDB still ends a page at 1 MB): 2 Queries for 1,000 payslips, not 6
_HIDDEN = ("national_id_ciphertext", "pdf_key")


def payslip_id(client_id: str, run_id: str, employee_number: int) -> str:
    """The id the employee sees: client, run and employee number (none of them may hold a dot)."""
    return f"{client_id}.{run_id}.{employee_number}"


def pdf_key(client_id: str, run_id: str, employee_number: int) -> str:
    return f"clients/{client_id}/payslips/{run_id}/{employee_number:09d}.pdf"


def view(rec: Record, files: DocumentFiles | None = None) -> dict[str, Any]:
    data = {k: v for k, v in rec.data.items() if k not in _HIDDEN}
    if files is not None and rec.data.get("pdf_key"):
        data["pdf_url"] = files.presigned_url(rec.data["pdf_key"])
    return data


def issue(store: Store, client_id: str, employer: tuple[str, str], run: dict[str, Any], actor: Actor) -> int:
    """Issue every payslip of the approved `run` not issued yet; the number issued now."""
    pk = keys.client_pk(client_id)
    run_id = run["run_id"]
    slips = [
        s
        for s in store.query_all(pk, f"{keys.PAYSLIP_PREFIX}{run_id}#", page_size=_PAGE)
        if not s.data.get("issued_at")
    ]
    if not slips:
        return 0
    from klientportal.payroll.payslip_pdf import render_payslip_pdf  # fpdf2 only where a PDF is made

    members = {
        m.email.lower(): m.sub
        for m in TenancyRepository(store).members("client", client_id)
        if m.status == "active" and m.email
    }
    employees = {
        int(r.data["employee_number"]): r.data.get("email")
        for r in store.query_all(pk, keys.register_prefix("employee"), page_size=_PAGE)
    }
    files = DocumentFiles(client_id)
    pay_date = date.fromisoformat(run["pay_date"])
    at = clock.iso(clock.now())
    changes: list[Change] = []

    def store_pdf(slip: Record) -> None:
        key = pdf_key(client_id, run_id, int(slip.data["employee_number"]))
        files.put(key, render_payslip_pdf(slip.data, run["period"], pay_date, employer), "application/pdf")

    with ThreadPoolExecutor(max_workers=_PUTS_AT_ONCE) as pool:  # fpdf2 renders in each thread; S3 waits overlap
        list(pool.map(store_pdf, slips))  # raises the first failure: nothing is marked issued then
    for s in slips:
        n = int(s.data["employee_number"])
        key = pdf_key(client_id, run_id, n)
        email = employees.get(n)
        sub = members.get(email.lower()) if email else None
        data = {**s.data, "payslip_id": payslip_id(client_id, run_id, n), "pdf_key": key, "issued_at": at}
        data["period"], data["pay_date"], data["client_id"] = run["period"], run["pay_date"], client_id
        after = replace(
            s,
            data=data,
            gsi1pk=keys.employee_payslips_gsi(sub) if sub else None,
            gsi1sk=f"{run['pay_date']}#{client_id}#{run_id}#{n:09d}" if sub else None,
        )
        changes.append(Change(s, after, ISSUED))
    for start in range(0, len(changes), _PER_WRITE):
        store.write(pk, changes[start : start + _PER_WRITE], actor)
    return len(changes)


def mine(store: Store, sub: str) -> list[dict[str, Any]]:
    """The payslips issued to `sub` in every client, newest pay date first (no PDF links)."""
    found = store.query_all(keys.employee_payslips_gsi(sub), index="GSI1")
    return [view(r) for r in sorted(found, key=lambda r: r.gsi1sk or "", reverse=True)]


def my_payslip(store: Store, sub: str, slip_id: str) -> dict[str, Any]:
    """One of `sub`'s own payslips with a short-lived PDF link; anyone else's is 404."""
    parts = slip_id.split(".")
    rec = None
    if len(parts) == 3 and parts[2].isdigit():
        try:
            rec = store.get(keys.client_pk(parts[0]), keys.payslip_sk(parts[1], int(parts[2])))
        except ValueError:
            rec = None
    if rec is None or rec.gsi1pk != keys.employee_payslips_gsi(sub):
        raise NotFound(f"no payslip {slip_id} of yours")
    return view(rec, DocumentFiles(parts[0]))


def for_admin(store: Store, client_id: str, run_id: str, employee_number: int) -> dict[str, Any]:
    """One payslip of the client's run with a short-lived PDF link (the client's admins, the bureau)."""
    try:
        rec = store.get(keys.client_pk(client_id), keys.payslip_sk(run_id, employee_number))
    except ValueError:
        rec = None
    if rec is None:
        raise NotFound(f"no payslip for employee {employee_number} in run {run_id}")
    return view(rec, DocumentFiles(client_id))
