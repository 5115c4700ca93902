"""The billing routine's use cases: price lists, agreements and their licence events, usage, the
monthly run with its statement, and re-invoicing (docs/billing.md)."""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING, Any

from klientportal import aws, clock
from klientportal.billing import tiers
from klientportal.billing.agreements import AgreementTerms, agreement_data, agreement_key, agreement_of
from klientportal.billing.metering import usage_of
from klientportal.billing.months import Month
from klientportal.billing.prices import (
    PriceListVersion,
    Prices,
    VersionEnd,
    check_no_new_gap,
    check_no_overlap,
    ended,
    stored,
    version_for,
)
from klientportal.billing.statements import ClientIn, canonical, client_lines, compute
from klientportal.billing.users import users_in_month
from klientportal.errors import AlreadyExists, FieldError, InvalidInput, NotFound, RuleViolation, StaleVersion
from klientportal.repository import keys
from klientportal.repository.records import Record
from klientportal.repository.store import Actor, Change, Store
from klientportal.tenancy.models import Client, Module, Tier
from klientportal.tenancy.repository import periods_of

if TYPE_CHECKING:
    from klientportal.invoicing.service import InvoiceService

CLIENT_PAGE = 1000
CLIENT_ATTRIBUTES = ("data", "version", "created_at")  # what a statement needs of a client item
VAT_CODE = "3"  # output VAT, regular rate (25 %): what the bureau's re-invoices charge
LABELS = {
    "ehf_sent": "EHF sendt",
    "ehf_received": "EHF mottatt",
    "print_letter": "OnlinePrint-brev",
    "email_invoice": "Faktura på e-post",
    "ocr_interpretation": "OCR-tolkning",
    "bank_file": "Bankfil",
    "bank_transaction": "Banktransaksjon",
    "payment_batch": "Betalingsfil sendt",
    "payment_line": "Betaling sendt",
    "payslip": "Lønnsslipp",
    "a_melding": "A-melding",
    "portal_client_month": "Portal, per måned",
    "byraklient_company_month": "ByråKlient, per måned",
    "byraklient_user_month": "ByråKlient, bruker per måned",
    "byralisens_system_price": "Byrålisens, systempris",
    "byralisens_maintenance": "Byrålisens, vedlikehold",
    "byralisens_buyout": "Byrålisens, utkjøp (differansebeløp)",
}


class FutureMonth(InvalidInput):
    slug, title = "billing-future-month", "A month that has not begun cannot be billed"


class NoPlatformPrices(RuleViolation):
    slug, title = "billing-no-price-list", "No platform price list is valid for the month"


class StatementNotMade(NotFound):
    slug, title = "billing-statement-not-made", "The month has no statement yet"


def _label(item: str) -> str:
    if item.startswith("module:"):
        return f"Modul {item.split(':', 1)[1]}, per måned"
    return LABELS.get(item, item)


def reinvoice_id(month: Month, client_id: str) -> str:
    """The draft re-invoice of one client and month: one id, so a second run finds it (idempotent)."""
    return "bill-" + hashlib.sha256(f"{month}:{client_id}".encode()).hexdigest()[:20]


class StatementFiles:
    """Final statements in the documents bucket, named by their SHA-256 (the header names the object)."""

    def __init__(self, bucket: str) -> None:
        self.bucket = bucket

    def key(self, bureau_id: str, month: Month, digest: str) -> str:
        return f"billing/{bureau_id}/{month}/statement-{digest}.json"

    def put(self, key: str, body: bytes) -> None:
        aws.client("s3").put_object(Bucket=self.bucket, Key=key, Body=body, ContentType="application/json")

    def get(self, key: str) -> bytes:
        content: bytes = aws.client("s3").get_object(Bucket=self.bucket, Key=key)["Body"].read()
        return content


class BillingService:
    def __init__(self, store: Store, files: StatementFiles, invoices: Callable[[str], InvoiceService]) -> None:
        self.store = store
        self.files = files
        self.invoices = invoices

    # ---- price lists ----------------------------------------------------------------------------
    def versions(self, pk: str) -> list[PriceListVersion]:
        return [
            PriceListVersion.model_validate(r.data) for r in self.store.query_all(pk, keys.BILLING_PRICELIST_PREFIX)
        ]

    def add_version(self, pk: str, version: PriceListVersion, actor: Actor) -> PriceListVersion:
        """A new version of the list in partition `pk` (the platform's or a bureau's); overlaps refused."""
        if pk == keys.PLATFORM_BILLING_PK and version.clients:
            raise InvalidInput("the platform's list has no per-client prices", [FieldError("clients", "not allowed")])
        existing = self.versions(pk)
        check_no_overlap(version, existing)
        check_no_new_gap(version, existing)
        rec = Record(
            pk, keys.billing_pricelist_sk(version.valid_from.isoformat()), "price_list_version", stored(version)
        )
        try:
            self.store.create(rec, actor, "billing.price_list_added")
        except AlreadyExists:
            check_no_overlap(version, self.versions(pk))  # a concurrent version came first
            raise
        return version

    def end_version(self, pk: str, valid_from: str, end: VersionEnd, actor: Actor) -> PriceListVersion:
        """End the open-ended version from `valid_from` of the list in partition `pk` (decision 0711)."""
        try:
            day = date.fromisoformat(valid_from)
        except ValueError:
            raise InvalidInput(
                f"not a date (YYYY-MM-DD): {valid_from!r}", [FieldError("valid_from", "YYYY-MM-DD")]
            ) from None
        rec = self.store.get(pk, keys.billing_pricelist_sk(day.isoformat()))
        if rec is None:
            raise NotFound(f"the list has no version from {day}")
        new = ended(PriceListVersion.model_validate(rec.data), end, Month.current(), self._billed_months(pk))
        self.store.replace(rec, stored(new), actor, "billing.price_list_ended")
        return new

    def _billed_months(self, pk: str) -> list[Month]:
        """The months with a final statement priced by the list in `pk`: the bureau's own statements for
        its list; every billed bureau's for the platform's list (one Query per bureau)."""
        bureaus = [keys.bureau_pk(b) for b in self.billed_bureaus()] if pk == keys.PLATFORM_BILLING_PK else [pk]
        months = {
            Month.parse(str(r.data["month"]))
            for b in bureaus
            for r in self.store.query_all(b, keys.BILLING_STATEMENT_PREFIX, attributes=("data",))
        }
        return sorted(months)

    # ---- settings ---------------------------------------------------------------------------------
    def settings(self, bureau_id: str) -> dict[str, Any]:
        rec = self.store.get(keys.bureau_pk(bureau_id), keys.BILLING_SETTINGS_SK)
        return {"own_client_id": None, "version": 0} | ({**rec.data, "version": rec.version} if rec else {})

    def put_settings(
        self, bureau_id: str, own_client_id: str | None, version: int | None, actor: Actor
    ) -> dict[str, Any]:
        """The bureau's own company (a client of the bureau with invoicing): the seller of re-invoices.
        Saving the settings also enrols the bureau in the platform's monthly run."""
        if own_client_id is not None:
            own = self._client(own_client_id)
            if own is None or own[0].bureau_id != bureau_id:
                raise InvalidInput("not a client of this bureau", [FieldError("own_client_id", "no such client")])
            if Module.INVOICING not in own[0].modules:
                raise InvalidInput(
                    "the bureau's own company needs the invoicing module",
                    [FieldError("own_client_id", "has no invoicing module")],
                )
        pk = keys.bureau_pk(bureau_id)
        rec = self.store.get(pk, keys.BILLING_SETTINGS_SK)
        if (rec.version if rec else 0) != (version or 0):
            raise StaleVersion(
                f"the settings are at version {rec.version if rec else 0}",
                extra={"current_version": rec.version if rec else 0},
            )
        data = {"bureau_id": bureau_id, "own_client_id": own_client_id}
        new = Record(pk, keys.BILLING_SETTINGS_SK, "billing_settings", data)
        saved = self.store.write(
            pk, [Change(rec, replace(rec, data=data) if rec else new, "billing.settings_changed")], actor
        )[0]
        account = Record(
            keys.PLATFORM_BILLING_PK, keys.billing_account_sk(bureau_id), "billing_account", {"bureau_id": bureau_id}
        )
        if self.store.get(account.pk, account.sk) is None:
            with contextlib.suppress(AlreadyExists):
                self.store.create(account, actor, "billing.account_opened")
        return {**data, "version": saved.version}

    def billed_bureaus(self) -> list[str]:
        return [
            str(r.data["bureau_id"])
            for r in self.store.query_all(keys.PLATFORM_BILLING_PK, keys.BILLING_ACCOUNT_PREFIX)
        ]

    # ---- agreements ---------------------------------------------------------------------------
    def _client(self, client_id: str) -> tuple[Client, Record] | None:
        try:
            rec = self.store.get(keys.client_pk(client_id), keys.CLIENT_SK)
        except ValueError:
            return None
        return (Client.model_validate({**rec.data, "version": rec.version}), rec) if rec else None

    def agreement(self, client_id: str) -> tuple[tiers.Agreement, dict[str, Any], Record | None]:
        found = self._client(client_id)
        if found is None:
            raise NotFound("no such client")
        rec = self.store.get(*agreement_key(client_id))
        agreement = agreement_of(found[0], found[1], rec)
        return (
            agreement,
            agreement_data(agreement, rec.data if rec else {"re_invoice": False, "customer_number": None}),
            rec,
        )

    def view_agreement(self, client_id: str) -> dict[str, Any]:
        agreement, data, rec = self.agreement(client_id)
        month = Month.current()
        users = self._users(client_id, month) if agreement.tier is Tier.BYRAKLIENT else 0
        return {
            **data,
            "tier": str(agreement.tier),
            "users": users,
            "users_month": str(month),
            "version": rec.version if rec else 0,
        }

    # ---- ByråKlient users --------------------------------------------------------------------
    def _users(self, client_id: str, month: Month) -> int:
        return self._users_of([client_id], month)[client_id]

    def _users_of(self, client_ids: list[str], month: Month) -> dict[str, int]:
        """Each client's users active at any moment of `month` (decision 0712): from its `MEMBERS#PERIODS`
        item, 100 clients a BatchGetItem; a client without one (no member changed since it was
        introduced) from its membership items, one Query."""
        got = self.store.get_many([(keys.client_pk(c), keys.MEMBER_PERIODS_SK) for c in client_ids])
        out: dict[str, int] = {}
        for client_id in client_ids:
            rec = got[(keys.client_pk(client_id), keys.MEMBER_PERIODS_SK)]
            if rec is not None:
                members = rec.data["members"]
            else:
                found = self.store.query_all(
                    keys.client_pk(client_id), keys.MEMBER_PREFIX, attributes=("data", "created_at", "updated_at")
                )
                members = {str(r.data["sub"]): periods_of(r) for r in found}
            out[client_id] = users_in_month(members, month)
        return out

    def _with_users(self, inputs: list[ClientIn], month: Month) -> list[ClientIn]:
        """The inputs with each ByråKlient agreement in force in `month` given its counted users (other
        tiers read nothing)."""
        counted = [
            c.client_id for c in inputs if c.agreement.tier is Tier.BYRAKLIENT and c.agreement.in_force_in(month)
        ]
        users = self._users_of(counted, month) if counted else {}
        return [
            replace(c, agreement=replace(c.agreement, users=users[c.client_id])) if c.client_id in users else c
            for c in inputs
        ]

    def _save(self, client_id: str, rec: Record | None, data: dict[str, Any], action: str, actor: Actor) -> Record:
        pk, sk = agreement_key(client_id)
        after = replace(rec, data=data) if rec else Record(pk, sk, "billing_agreement", data)
        return self.store.write(pk, [Change(rec, after, action)], actor)[0]

    def put_terms(self, client_id: str, terms: AgreementTerms, actor: Actor) -> dict[str, Any]:
        agreement, data, rec = self.agreement(client_id)
        if (rec.version if rec else 0) != (terms.version or 0):
            raise StaleVersion(
                f"the agreement is at version {rec.version if rec else 0}",
                extra={"current_version": rec.version if rec else 0},
            )
        if terms.re_invoice and terms.customer_number is None:
            raise InvalidInput(
                "re-invoicing needs the client's customer number in the bureau's own company",
                [FieldError("customer_number", "required with re_invoice")],
            )
        starts = terms.starts or agreement.starts
        data = {
            **data,
            "starts": starts.isoformat(),
            "re_invoice": terms.re_invoice,
            "customer_number": terms.customer_number,
        }
        self._save(client_id, rec, data, "billing.agreement_changed", actor)
        return self.view_agreement(client_id)

    def cancel(self, client_id: str, on: date, actor: Actor) -> dict[str, Any]:
        agreement, data, rec = self.agreement(client_id)
        outcome = tiers.cancel(agreement, on)
        data = {**data, "ends": outcome.ends.isoformat(), "cancellation": {"on": on.isoformat(), "note": outcome.note}}
        self._save(client_id, rec, data, "billing.agreement_cancelled", actor)
        return {
            "client_id": client_id,
            "cancelled_on": on.isoformat(),
            "ends": outcome.ends.isoformat(),
            "for_the_year_after": outcome.deferred,
            "note": outcome.note,
        }

    def buy_out(self, client_id: str, on: date, actor: Actor) -> dict[str, Any]:
        agreement, data, rec = self.agreement(client_id)
        prices = self._platform_prices(Month.of(on))
        bought = tiers.buy_out(agreement, on, prices)
        self._save(client_id, rec, agreement_data(bought.agreement, data), "billing.licence_bought_out", actor)
        return {
            "client_id": client_id,
            "bought_out_on": on.isoformat(),
            "difference_amount": str(bought.amount),
            "billed_in": str(Month.of(on)),
        }

    def transfer(self, client_id: str, to_client_id: str, on: date, actor: Actor) -> dict[str, Any]:
        source, source_data, source_rec = self.agreement(client_id)
        target_client = self._client(to_client_id)
        source_client = self._client(client_id)
        assert source_client is not None
        if target_client is None or target_client[0].bureau_id != source_client[0].bureau_id:
            raise tiers.TransferRefused(
                "the licence goes to another client of the same bureau", [FieldError("to_client_id", "no such client")]
            )
        target_rec = self.store.get(*agreement_key(to_client_id))
        target = agreement_of(target_client[0], target_client[1], target_rec) if target_rec else None
        moved = tiers.transfer(source, target, to_client_id, target_client[0].tier, on)
        pk, sk = agreement_key(to_client_id)
        target_data = agreement_data(
            moved.target, target_rec.data if target_rec else {"re_invoice": False, "customer_number": None}
        )
        target_after = (
            replace(target_rec, data=target_data) if target_rec else Record(pk, sk, "billing_agreement", target_data)
        )
        # two tenants: the source's change first; the target's in its own chain (each audited)
        self._save(
            client_id,
            source_rec,
            {**agreement_data(moved.source, source_data), "transferred_to": to_client_id},
            "billing.licence_transferred_out",
            actor,
        )
        self.store.write(pk, [Change(target_rec, target_after, "billing.licence_transferred_in")], actor)
        return {"from_client_id": client_id, "to_client_id": to_client_id, "on": on.isoformat()}

    # ---- usage ------------------------------------------------------------------------------------
    def client_usage(self, client_id: str, month: Month) -> dict[str, Any]:
        usage = usage_of(self.store, [client_id], month)[client_id]
        return {
            "client_id": client_id,
            "month": str(month),
            "in_progress": month == Month.current(),
            "counts": usage.counts,
            "late": [{"month": m, "type": t, "quantity": n} for (m, t), n in usage.late.items()],
        }

    def _bureau_clients(self, bureau_id: str) -> list[tuple[Client, Record]]:
        # large pages: a bureau may have thousands of clients (a page still ends at 1 MB in DynamoDB)
        recs = self.store.query_all(
            keys.bureau_clients_gsi(bureau_id), index="GSI1", page_size=CLIENT_PAGE, attributes=CLIENT_ATTRIBUTES
        )
        return [(Client.model_validate({**r.data, "version": r.version}), r) for r in recs]

    def bureau_usage(self, bureau_id: str, month: Month) -> dict[str, Any]:
        clients = self._bureau_clients(bureau_id)
        usage = usage_of(self.store, [c.client_id for c, _ in clients], month)
        return {
            "bureau_id": bureau_id,
            "month": str(month),
            "in_progress": month == Month.current(),
            "clients": [
                {
                    "client_id": c.client_id,
                    "name": c.name,
                    "counts": usage[c.client_id].counts,
                    "late": [{"month": m, "type": t, "quantity": n} for (m, t), n in usage[c.client_id].late.items()],
                }
                for c, _ in clients
            ],
        }

    # ---- the monthly run ---------------------------------------------------------------------
    def _platform_prices(self, month: Month) -> Prices:
        version = version_for(self.versions(keys.PLATFORM_BILLING_PK), month)
        if version is None:
            raise NoPlatformPrices(f"no platform price list is valid on {month.first_day}")
        return version.prices

    def _inputs(self, bureau_id: str, month: Month) -> list[ClientIn]:
        clients = self._bureau_clients(bureau_id)
        ids = [c.client_id for c, _ in clients]
        agreements = self.store.get_many([agreement_key(i) for i in ids])
        usage = usage_of(self.store, ids, month)
        inputs = [
            ClientIn(
                c.client_id, c.name, agreement_of(c, rec, agreements[agreement_key(c.client_id)]), usage[c.client_id]
            )
            for c, rec in clients
        ]
        return self._with_users(inputs, month)

    def _check_month(self, month: Month) -> Month:
        current = Month.current()
        if month > current:
            raise FutureMonth(
                f"{month} has not begun (this is {current})",
                [FieldError("month", "a future month")],
                extra={"current_month": str(current)},
            )
        return current

    def statement(self, bureau_id: str, month: Month) -> dict[str, Any]:
        """The final statement of a closed month as stored; the month in progress as a preview."""
        current = self._check_month(month)
        header = self.store.get(keys.bureau_pk(bureau_id), keys.billing_statement_sk(str(month)))
        if header is not None:
            return self._load(header)
        if month < current:
            raise StatementNotMade(f"{month} has no statement yet: POST /bureau/billing/runs with the month")
        return self._preview(bureau_id, month)

    def _load(self, header: Record) -> dict[str, Any]:
        body = self.files.get(header.data["key"])
        if hashlib.sha256(body).hexdigest() != header.data["sha256"]:
            raise RuntimeError(f"the statement {header.data['key']} does not match its hash")
        loaded: dict[str, Any] = json.loads(body)
        return loaded

    def _preview(self, bureau_id: str, month: Month) -> dict[str, Any]:
        version = version_for(self.versions(keys.PLATFORM_BILLING_PK), month)
        if version is None:
            raise NoPlatformPrices(f"no platform price list is valid on {month.first_day}")
        doc = compute(bureau_id, month, self._inputs(bureau_id, month), version.prices, version.valid_from.isoformat())
        return {
            **doc,
            "status": "preview",
            "as_of": clock.iso(clock.now()),
            "note": "the month is in progress: usage so far, not a statement",
        }

    def run(self, bureau_id: str, month: Month, actor: Actor) -> dict[str, Any]:
        """The run of one bureau and month: a preview for the month in progress; for a past month the
        final statement (made once: the month is closed first, a re-run returns it as it is) and the
        draft re-invoices."""
        current = self._check_month(month)
        pk = keys.bureau_pk(bureau_id)
        header = self.store.get(pk, keys.billing_statement_sk(str(month)))
        if header is None:
            version = version_for(self.versions(keys.PLATFORM_BILLING_PK), month)
            if version is None:
                raise NoPlatformPrices(f"no platform price list is valid on {month.first_day}")
            if month == current:
                return {"statement": self._preview(bureau_id, month), "drafts": []}
            header, inputs = self._finalise(bureau_id, month, version, actor)
            statement = self._load(header)
        else:  # a re-run: the stored statement; drafts a crash left unmade are made now
            statement = self._load(header)
            inputs = self._reinvoiced_inputs(bureau_id, month, [c["client_id"] for c in statement["clients"]])
        return {"statement": statement, "drafts": self._reinvoice(bureau_id, month, inputs, actor)}

    def _reinvoiced_inputs(self, bureau_id: str, month: Month, client_ids: list[str]) -> list[ClientIn]:
        """The inputs of the statement's clients that are re-invoiced only: their agreements first
        (few exist), then those clients and counters (a re-run reads no more than that)."""
        terms = self.store.get_many([agreement_key(c) for c in client_ids])
        chosen = [c for c in client_ids if (rec := terms[agreement_key(c)]) and rec.data.get("re_invoice")]
        found = self.store.get_many([(keys.client_pk(c), keys.CLIENT_SK) for c in chosen])
        usage = usage_of(self.store, chosen, month)
        out = []
        for client_id in chosen:
            rec = found[(keys.client_pk(client_id), keys.CLIENT_SK)]
            if rec is None:
                continue
            client = Client.model_validate({**rec.data, "version": rec.version})
            agreement = agreement_of(client, rec, terms[agreement_key(client_id)])
            out.append(ClientIn(client_id, client.name, agreement, usage[client_id]))
        return self._with_users(out, month)

    def _finalise(
        self, bureau_id: str, month: Month, version: PriceListVersion, actor: Actor
    ) -> tuple[Record, list[ClientIn]]:
        """Close the month (no usage is counted into it after this commits), then read its clients,
        agreements and counters, and make and store the statement."""
        pk = keys.bureau_pk(bureau_id)
        closed = Record(
            pk,
            keys.billing_closed_sk(str(month)),
            "billing_month_closed",
            {"month": str(month), "closed_at": clock.iso(clock.now())},
        )
        if self.store.get(closed.pk, closed.sk) is None:
            with contextlib.suppress(AlreadyExists):  # a parallel run closed it: as final for us
                self.store.create(closed, actor, "billing.month_closed")
        inputs = self._inputs(bureau_id, month)
        doc = compute(bureau_id, month, inputs, version.prices, version.valid_from.isoformat())
        doc = {**doc, "status": "final", "generated_at": clock.iso(clock.now())}
        body = canonical(doc)
        digest = hashlib.sha256(body).hexdigest()
        key = self.files.key(bureau_id, month, digest)
        self.files.put(key, body)
        header = Record(
            pk,
            keys.billing_statement_sk(str(month)),
            "billing_statement",
            {
                "month": str(month),
                "status": "final",
                "key": key,
                "sha256": digest,
                "totals": doc["totals"],
                "generated_at": doc["generated_at"],
            },
        )
        try:
            return self.store.create(header, actor, "billing.statement_made"), inputs
        except AlreadyExists:
            found = self.store.get(header.pk, header.sk)  # a parallel run made it first: theirs stands
            assert found is not None
            return found, inputs

    # ---- re-invoicing -------------------------------------------------------------------------
    def _reinvoice(self, bureau_id: str, month: Month, inputs: list[ClientIn], actor: Actor) -> list[dict[str, Any]]:
        """Draft invoices from the bureau's own company to each client it re-invoices (gross prices
        of the bureau's list, one line per transaction type and licence item); one per client and
        month (`reinvoice_id`), so a re-run creates only what is missing."""
        own = self.settings(bureau_id).get("own_client_id")
        terms = self.store.get_many([agreement_key(c.client_id) for c in inputs])
        chosen = [
            (c, int(rec.data["customer_number"]))
            for c in inputs
            if (rec := terms[agreement_key(c.client_id)])
            and rec.data.get("re_invoice")
            and rec.data.get("customer_number")
        ]
        if not chosen:
            return []
        if not own:
            return [
                {"client_id": c.client_id, "result": "skipped", "reason": "the bureau has no own company set"}
                for c, _ in chosen
            ]
        version = version_for(self.versions(keys.bureau_pk(bureau_id)), month)
        if version is None:
            return [
                {"client_id": c.client_id, "result": "skipped", "reason": f"no bureau price list on {month.first_day}"}
                for c, _ in chosen
            ]
        invoicing = self.invoices(own)
        out = []
        for client, customer_number in chosen:
            lines, _ = client_lines(client, month, version.for_client(client.client_id))
            if not lines:
                out.append({"client_id": client.client_id, "result": "skipped", "reason": "nothing priced to invoice"})
                continue
            body = {
                "customer_number": customer_number,
                "lines": [
                    {
                        "description": f"{_label(line['item'])}, {line['month']}"
                        + (" (etterslep)" if line["late"] else ""),
                        "quantity": str(line["quantity"]),
                        "unit_price": line["unit_price"],
                        "vat_code": VAT_CODE,
                        "unit_code": "EA",
                    }
                    for line in lines
                ],
                "note": f"Klientportal {month}",
            }
            invoice_id = reinvoice_id(month, client.client_id)
            try:
                invoicing.drafts.create(body, actor, invoice_id=invoice_id)
                result = "created"
            except AlreadyExists:
                result = "exists"
            out.append(
                {"client_id": client.client_id, "result": result, "invoice_id": invoice_id, "own_client_id": own}
            )
        return out


def parse_month(text: str | None) -> Month:
    try:
        return Month.parse(text or "")
    except ValueError as exc:
        raise InvalidInput(str(exc), [FieldError("month", "YYYY-MM")]) from None


__all__ = ["BillingService", "StatementFiles", "Tier", "parse_month"]
