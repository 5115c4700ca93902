"""Key builders. Every partition key starts with the tenant (T#<client>) or bureau (B#<bureau>).

See docs/data-model.md for the access patterns these keys serve.
"""

from __future__ import annotations

import re

_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def _checked(value: str) -> str:
    if not _ID.match(value):
        raise ValueError(f"not a valid identifier: {value!r}")
    return value


def client_pk(client_id: str) -> str:
    return f"T#{_checked(client_id)}"


def bureau_pk(bureau_id: str) -> str:
    return f"B#{_checked(bureau_id)}"


def subject_gsi(sub: str) -> str:
    """GSI1 partition listing every membership of one signed-in identity (the auth lookup)."""
    return f"SUB#{sub}"


def bureau_clients_gsi(bureau_id: str) -> str:
    """GSI1 partition listing a bureau's clients."""
    return f"B#{_checked(bureau_id)}#CLIENTS"


AUDIT_HEAD_SK = "AUDIT#HEAD"
AUDIT_HEADS_GSI = "AUDIT#HEADS#"  # + shard: GSI1 partitions listing every chain's head (audit anchors)
AUDIT_EVENT_PREFIX = "AUDIT#E#"


def audit_event_sk(seq: int) -> str:
    return f"{AUDIT_EVENT_PREFIX}{seq:012d}"


# Items in a client's partition (T#<client>). Every sort key and prefix is written here only, so
# that one family's prefix can be checked not to begin another's (a begins_with query would read
# both); docs/data-model.md describes what each item holds.


def register_sk(entity: str, number: object) -> str:
    """A register item (customer, supplier, product, project, department, employee) by its number."""
    return f"{register_prefix(entity)}{number}"


def register_prefix(entity: str) -> str:
    return f"{entity.upper()}#"


ACCOUNT_PREFIX = "ACCOUNT#"


def account_sk(number: str) -> str:
    """A client's own account of the chart of accounts."""
    return f"{ACCOUNT_PREFIX}{number}"


INVOICE_SETTINGS_SK = "INVOICE_SETTINGS"
INVOICE_COUNTER_SK = "INVOICE_COUNTER"
INVOICE_PREFIX = "INVOICE#"
INVOICE_KID_PREFIX = "KID#"
INVOICE_DELIVERY_PREFIX = "DELIVERY#"
INVOICE_PAYMENT_PREFIX = "PAYMENT#"
CUSTOMER_CREDIT_PREFIX = "CUSTOMER_CREDIT#"
OPEN_INVOICES_GSI_PREFIX = "OPEN_INVOICES#"


def invoice_sk(invoice_id: str) -> str:
    return f"{INVOICE_PREFIX}{invoice_id}"


def invoice_kid_prefix(kid: str) -> str:
    """The KID pointers of one KID (bank matching queries this prefix)."""
    return f"{INVOICE_KID_PREFIX}{kid}#"


def invoice_kid_sk(kid: str, invoice_id: str) -> str:
    return f"{invoice_kid_prefix(kid)}{invoice_id}"


def invoice_delivery_sk(invoice_id: str, attempt: int) -> str:
    return f"{INVOICE_DELIVERY_PREFIX}{invoice_id}#{attempt:03d}"


def invoice_payment_sk(payment_id: str) -> str:
    return f"{INVOICE_PAYMENT_PREFIX}{payment_id}"


def customer_credit_sk(customer_number: int) -> str:
    return f"{CUSTOMER_CREDIT_PREFIX}{customer_number:09d}"


def open_invoices_gsi(due_month: str) -> str:
    """GSI1 partition of open invoices (all clients) by due month, yyyy-mm."""
    return f"{OPEN_INVOICES_GSI_PREFIX}{due_month}"


PAYMENT_PROPOSAL_OPEN_SK = "PAYMENTPROPOSAL#OPEN"  # the client's open payment proposal (vouchers, 0263)


# Tenancy: the bureau and client items, memberships (in the bureau's or the client's partition), and
# the platform partition of clients by organisation number (routes inbound EHF, 0264).
BUREAU_SK = "BUREAU"
CLIENT_SK = "CLIENT"
MEMBER_PREFIX = "MEMBER#"  # + the member's subject
CLIENT_PREFIX = "CLIENT#"  # + client id, in ORGNR#<orgnr>
BUREAU_PREFIX = "BUREAU#"  # + bureau id, in ORGNR#<orgnr>: one client per orgnr per bureau


def orgnr_pk(orgnr: str) -> str:
    """Platform partition listing the clients with this organisation number (0264): ORGNR#<orgnr> /
    CLIENT#<client_id>. Not unique: a company may be a client of two bureaus."""
    return f"ORGNR#{orgnr}"


# Register identities: a supplier unique per orgnr, else per account (0262); an employee per national
# identity number, keyed by its keyed hash (the number never appears in a key).
SUPPLIER_ORGNR_PREFIX = "SUPPLIER_ORGNR#"
SUPPLIER_ACCOUNT_PREFIX = "SUPPLIER_ACCOUNT#"
EMPLOYEE_NID_PREFIX = "EMPLOYEE_NID#"


def supplier_identity_sk(orgnr: str | None, account: str | None) -> str | None:
    """The uniqueness item's key of a supplier: by orgnr, else by account (None with neither)."""
    if orgnr:
        return f"{SUPPLIER_ORGNR_PREFIX}{orgnr}"
    return f"{SUPPLIER_ACCOUNT_PREFIX}{account}" if account else None


def employee_identity_sk(national_id_hash: str) -> str:
    return f"{EMPLOYEE_NID_PREFIX}{national_id_hash}"


# Vouchers (docs/vouchers.md, "Data"; the layout is listed in vouchers/records.py).
UNROUTED_PK = "PLATFORM#UNROUTED"  # quarantine of mail and objects that reach no client
VOUCHER_PREFIX = "VOUCHER#"
QUARANTINE_PREFIX = "QUARANTINE#"
INBOX_SK = "INBOX"
INVOICE_REF_PREFIX = "INVOICEREF#"
CODING_STATS_PREFIX = "CODINGSTATS#"
VOUCHER_COUNTER_PREFIX = "COUNTER#VOUCHERNO#"
JOURNAL_PREFIX = "JOURNAL#"


def voucher_sk(voucher_id: str) -> str:
    return f"{VOUCHER_PREFIX}{voucher_id}"


def voucher_queue_gsi(client_id: str, status: str) -> str:
    """GSI1 partition of a client's vouchers in one status (the queues)."""
    return f"{client_pk(client_id)}#VOUCHERS#{status}"


def quarantine_sk(quarantine_id: str) -> str:
    return f"{QUARANTINE_PREFIX}{quarantine_id}"


def inbox_claim_pk(slug: str) -> str:
    """The platform item claiming an inbox slug for one client (unique by the table's key)."""
    return f"INBOX#{slug}"


def invoice_ref_sk(supplier_key: str, compact_invoice_number: str) -> str:
    return f"{INVOICE_REF_PREFIX}{supplier_key}#{compact_invoice_number}"


def coding_stats_sk(supplier_number: int) -> str:
    return f"{CODING_STATS_PREFIX}{supplier_number}"


def voucher_counter_sk(year: int) -> str:
    return f"{VOUCHER_COUNTER_PREFIX}{year}"


def journal_sk(year: int, number: int) -> str:
    return f"{JOURNAL_PREFIX}{year}#{number:08d}"


# Billing (docs/billing.md, "Data"). In a client's partition: one usage item per metered domain event
# (the exactly-once marker) and one counter item per month; the client's billing agreement. In the
# bureau's partition: the month-closed markers, the final statements, the bureau's price list
# versions and its billing settings. The platform's own price list and its billed bureaus sit in one
# platform partition.
USAGE_EVENT_PREFIX = "USAGE#E#"
USAGE_MONTH_PREFIX = "USAGE#M#"
BILLING_AGREEMENT_SK = "BILLING#AGREEMENT"
BILLING_CLOSED_PREFIX = "BILLING#CLOSED#"
BILLING_STATEMENT_PREFIX = "BILLING#STATEMENT#"
BILLING_PRICELIST_PREFIX = "BILLING#PRICELIST#"
BILLING_ACCOUNT_PREFIX = "BILLING#ACCOUNT#"
BILLING_SETTINGS_SK = "BILLING#SETTINGS"
PLATFORM_BILLING_PK = "PLATFORM#BILLING"


def usage_event_sk(event_id: str) -> str:
    """The usage item of one domain event (its id: tenant#seq)."""
    return f"{USAGE_EVENT_PREFIX}{event_id}"


def usage_month_sk(month: str) -> str:
    """A client's usage counters of one month (yyyy-mm), aggregated on write."""
    return f"{USAGE_MONTH_PREFIX}{month}"


def billing_closed_sk(month: str) -> str:
    return f"{BILLING_CLOSED_PREFIX}{month}"


def billing_statement_sk(month: str) -> str:
    return f"{BILLING_STATEMENT_PREFIX}{month}"


def billing_pricelist_sk(valid_from: str) -> str:
    return f"{BILLING_PRICELIST_PREFIX}{valid_from}"


def billing_account_sk(bureau_id: str) -> str:
    """A bureau the platform bills (PLATFORM#BILLING partition): the monthly run's list of bureaus."""
    return f"{BILLING_ACCOUNT_PREFIX}{_checked(bureau_id)}"


def is_client_pk(pk: str) -> bool:
    """True for a client's (tenant's) partition key, T#<client>."""
    return pk.startswith("T#")


# Sync (docs/sync.md): webhook subscriptions and their delivery records in the subscriber's partition
# (a client's T#<client> or the bureau's B#<bureau>); the overview's counters in the bureau's.
WEBHOOK_PREFIX = "WEBHOOK#"
WEBHOOK_DELIVERY_PREFIX = "WHDELIVERY#"
OVERVIEW_PREFIX = "OVERVIEW#"
CLIENT_PARTITION_PREFIX = "T#"


def client_of_partition(partition: str) -> str | None:
    """The client id of a client partition (an audit chain's tenant), None for any other."""
    return partition[len(CLIENT_PARTITION_PREFIX) :] if partition.startswith(CLIENT_PARTITION_PREFIX) else None


def webhook_sk(subscription_id: str) -> str:
    return f"{WEBHOOK_PREFIX}{subscription_id}"


def webhook_delivery_prefix(subscription_id: str) -> str:
    return f"{WEBHOOK_DELIVERY_PREFIX}{subscription_id}#"


def webhook_delivery_sk(subscription_id: str, client_id: str, seq: int) -> str:
    return f"{webhook_delivery_prefix(subscription_id)}{client_id}#{seq:012d}"


def webhook_dead_letters_gsi(partition: str, subscription_id: str) -> str:
    """GSI1 partition of a subscription's dead deliveries."""
    return f"{partition}#WHDEAD#{subscription_id}"


def overview_sk(client_id: str) -> str:
    return f"{OVERVIEW_PREFIX}{_checked(client_id)}"


# Incoming bank payments and the customer sub-ledger (klientportal/bank; docs/bank.md).
BANK_AGREEMENT_SK = "BANKIN#AGREEMENT"  # the client's bank agreement; GSI1 BANK_AGREEMENTS#<shard>
BANK_AGREEMENTS_GSI = "BANK_AGREEMENTS#"  # + shard: the index the retrieval schedule reads (no scan)
BANK_AGREEMENT_SHARDS = 4
BANK_IMPORT_PREFIX = "BANKIN#IMPORT#"
BANK_FILE_PREFIX = "BANKIN#FILE#"  # transmission identity claim: <format>#<identity> → import
BANK_PAYMENT_PREFIX = "BANKIN#PAYMENT#"  # one bank payment, by its bank reference (the identity claim)
BANK_SAME_PREFIX = "BANKIN#SAME#"  # the same payment in another format: account, date, amount, KID, n
BANK_UNMATCHED_GSI = "#BANK_UNMATCHED"  # after client_pk: GSI1 of the payments waiting for a manual match
RECEIVABLE_PREFIX = "RECEIVABLE#"  # an open item issued outside the portal, by invoice number
OPEN_ITEM_KID_PREFIX = "OPENITEM_KID#"  # KID → the external open items that carry it
INVOICE_NUMBER_PREFIX = "INVOICE_NUMBER#"  # invoice number → invoice id (written when issued)


def bank_agreements_gsi(client_id: str) -> str:
    import zlib

    return f"{BANK_AGREEMENTS_GSI}{zlib.crc32(client_id.encode()) % BANK_AGREEMENT_SHARDS}"


def all_bank_agreements_gsi() -> list[str]:
    return [f"{BANK_AGREEMENTS_GSI}{n}" for n in range(BANK_AGREEMENT_SHARDS)]


def bank_import_sk(import_id: str) -> str:
    return f"{BANK_IMPORT_PREFIX}{_checked(import_id)}"


def bank_file_sk(file_format: str, identity: str) -> str:
    return f"{BANK_FILE_PREFIX}{file_format}#{identity}"


def bank_payment_sk(payment_key: str) -> str:
    return f"{BANK_PAYMENT_PREFIX}{payment_key}"


def bank_same_sk(fingerprint: str, occurrence: int) -> str:
    return f"{BANK_SAME_PREFIX}{fingerprint}#{occurrence:04d}"


def bank_unmatched_gsi(client_id: str) -> str:
    return f"{client_pk(client_id)}{BANK_UNMATCHED_GSI}"


def receivable_sk(invoice_number: str) -> str:
    return f"{RECEIVABLE_PREFIX}{invoice_number}"


def open_item_kid_sk(kid: str) -> str:
    return f"{OPEN_ITEM_KID_PREFIX}{kid}"


def invoice_number_sk(number: int) -> str:
    return f"{INVOICE_NUMBER_PREFIX}{number:010d}"


# The ledger (docs/ledger.md, decision 0801): journal entries of every series, their indexes by
# account, party, date and source, balances per account and year maintained on write, the periods.
# The ledger (docs/ledger.md, decision 0801): journal entries of every series (client partition), their
# indexes by account, party and source (ledger partition), balances per account and party and year
# maintained on write (balances partition), the periods and SAF-T mapping (client partition).
# Series "bilag" keeps the voucher keys above (COUNTER#VOUCHERNO#, JOURNAL#<year>#<n>).
JOURNAL_COUNTER_PREFIX = "COUNTER#JOURNAL#"
LEDGER_BALANCE_PREFIX = "LEDGERBAL#"
LEDGER_PARTY_BALANCE_PREFIX = "LEDGERPBAL#"
LEDGER_ACCOUNT_INDEX_PREFIX = "LEDGERACCT#"
LEDGER_PARTY_INDEX_PREFIX = "LEDGERPARTY#"
LEDGER_SOURCE_PREFIX = "LEDGERSRC#"
LEDGER_PERIOD_PREFIX = "LEDGERPERIOD#"
LEDGER_MAPPING_PREFIX = "LEDGERMAP#"


def journal_counter_sk(series: str, year: int) -> str:
    """The gapless counter of one series and year ("bilag": the voucher counter above)."""
    return voucher_counter_sk(year) if series == "bilag" else f"{JOURNAL_COUNTER_PREFIX}{series}#{year}"


def journal_entry_sk(series: str, year: int, number: int) -> str:
    """A journal entry ("bilag": the voucher journal key above, so older entries stay where they are)."""
    return journal_sk(year, number) if series == "bilag" else f"{JOURNAL_PREFIX}{series}#{year}#{number:08d}"


def ledger_entries_gsi(client_id: str) -> str:
    """GSI1 partition of a client's journal entries by date (GSI1SK = <date>#<series>#<year>#<n>)."""
    return f"{client_pk(client_id)}#LEDGER#ENTRIES"


def ledger_pk(client_id: str) -> str:
    """The client's ledger partition: the postings by account and party, the source pointers (large; kept
    out of the client's partition so its lists stay small, and writes spread over two partitions)."""
    return f"{client_pk(client_id)}#LEDGER"


def ledger_balances_pk(client_id: str) -> str:
    """The client's balances partition: one item per account and year, one per party and year (small: the
    trial balance reads it whole)."""
    return f"{client_pk(client_id)}#LEDGERBAL"


def ledger_balance_sk(year: int, account: str) -> str:
    return f"{LEDGER_BALANCE_PREFIX}{year}#{account}"


def ledger_party_balance_sk(year: int, kind: str, number: int) -> str:
    """kind: C (customer) or S (supplier)."""
    return f"{LEDGER_PARTY_BALANCE_PREFIX}{year}#{kind}#{number:09d}"


def ledger_account_index_sk(account: str, ref: str) -> str:
    """The lines of one entry on one account; `ref` = <date>#<series>#<year>#<n> sorts by date."""
    return f"{LEDGER_ACCOUNT_INDEX_PREFIX}{account}#{ref}"


def ledger_party_index_sk(kind: str, number: int, ref: str) -> str:
    return f"{LEDGER_PARTY_INDEX_PREFIX}{kind}#{number:09d}#{ref}"


def ledger_source_sk(kind: str, source_id: str) -> str:
    """The entry booked for one source (a voucher, an invoice, a bank entry …): booked once."""
    return f"{LEDGER_SOURCE_PREFIX}{kind}#{source_id}"


def ledger_period_sk(period: str) -> str:
    """A month of the ledger, yyyy-mm: open or closed, with its counts."""
    return f"{LEDGER_PERIOD_PREFIX}{period}"


def ledger_mapping_sk(account: str) -> str:
    """The bureau's SAF-T grouping of one account of the client."""
    return f"{LEDGER_MAPPING_PREFIX}{account}"


def client_id_of(pk: str) -> str:
    """The client id of a tenant partition T#<client>."""
    if not pk.startswith("T#"):
        raise ValueError(f"not a client partition: {pk!r}")
    return _checked(pk[2:])


# Questions on postings and vouchers (sync, docs/sync.md): one thread per item in the client's partition.
QUESTION_PREFIX = "QUESTION#"


def question_sk(question_id: str) -> str:
    return f"{QUESTION_PREFIX}{_checked(question_id)}"


def questions_gsi(client_id: str, status: str) -> str:
    """GSI1 partition of a client's questions in one status (open, answered, closed)."""
    return f"{client_pk(client_id)}#QUESTIONS#{status}"


# The bureau's push API (sync, docs/sync.md): which local item an external id of the bureau's system
# is (and back), the bureau's VAT code mappings and dimension values.
SYNC_EXTERNAL_PREFIX = "SYNCEXT#"
SYNC_LOCAL_PREFIX = "SYNCLOCAL#"
VAT_MAPPING_PREFIX = "VATMAP#"
DIMENSION_PREFIX = "DIMENSION#"


def sync_external_sk(kind: str, external_id: str) -> str:
    return f"{SYNC_EXTERNAL_PREFIX}{kind}#{external_id}"


def sync_local_sk(local_sk: str) -> str:
    return f"{SYNC_LOCAL_PREFIX}{local_sk}"


def vat_mapping_sk(code: str) -> str:
    return f"{VAT_MAPPING_PREFIX}{code}"


def dimension_sk(dimension: str, code: str) -> str:
    return f"{DIMENSION_PREFIX}{dimension}#{code}"


# Outgoing payments (payments/, docs/payments.md): payment batches, the client's payment settings,
# and pending changes of a supplier's bank account (one per supplier).
PAYMENT_BATCH_PREFIX = "PAYMENTBATCH#"
PAYMENT_SETTINGS_SK = "PAYMENT_SETTINGS"
SUPPLIER_ACCOUNT_CHANGE_PREFIX = "SUPPLIERACCOUNTCHANGE#"


def payment_batch_sk(batch_id: str) -> str:
    return f"{PAYMENT_BATCH_PREFIX}{_checked(batch_id)}"


def supplier_account_change_sk(change_id: str) -> str:
    return f"{SUPPLIER_ACCOUNT_CHANGE_PREFIX}{_checked(change_id)}"


# ---- workflows: human tasks and attestation rules (h-wf) -------------------------------------------
HUMAN_TASK_PREFIX = "HTASK#"  # + task id, in the client's partition
ASSIGNEE_TASKS_GSI_PREFIX = "TASKS#"  # + subject: GSI1 partition of the open human tasks of one person
ATTESTATION_RULES_SK = "ATTESTATION_RULES"
ATTESTATION_PREFIX = "ATTESTATION#"  # + attestation id: one attestation round of a voucher


def human_task_sk(task_id: str) -> str:
    return f"{HUMAN_TASK_PREFIX}{_checked(task_id)}"


def assignee_tasks_gsi(sub: str) -> str:
    """GSI1 partition of the open human tasks assigned to `sub`, across all clients."""
    return f"{ASSIGNEE_TASKS_GSI_PREFIX}{sub}"


def attestation_sk(attestation_id: str) -> str:
    return f"{ATTESTATION_PREFIX}{_checked(attestation_id)}"


# Payroll (issue 11, h-payroll): settings, tax cards, runs, payslips, periods, a-melding submissions.
PAYROLL_SETTINGS_SK = "PAYROLL#settings"
TAX_CARD_PREFIX = "TAXCARD#"
PAYROLL_RUN_PREFIX = "PAYRUN#"
PAYSLIP_PREFIX = "PAYSLIP#"
PAYROLL_PERIOD_PREFIX = "PAYPERIOD#"


def tax_card_sk(year: int, employee_number: int) -> str:
    return f"{TAX_CARD_PREFIX}{year}#{employee_number:09d}"


def payroll_run_sk(run_id: str) -> str:
    return f"{PAYROLL_RUN_PREFIX}{_checked(run_id)}"


def payslip_sk(run_id: str, employee_number: int) -> str:
    return f"{PAYSLIP_PREFIX}{_checked(run_id)}#{employee_number:09d}"


def payroll_period_sk(period: str) -> str:
    """A pay month (yyyy-mm): its current run and whether it is approved."""
    return f"{PAYROLL_PERIOD_PREFIX}{period}"


def payroll_ytd_sk(year: int) -> str:
    """The year's approved figures per employee (frikort, 6 G) and the zone-Ia advantage used."""
    return f"PAYYTD#{year}"


# Outgoing payment files (klientportal/bank/outgoing.py): the send claim and record of a batch's pain.001.
BANK_OUTGOING_PREFIX = "BANKOUT#"


def bank_outgoing_sk(batch_id: str) -> str:
    return f"{BANK_OUTGOING_PREFIX}{batch_id}"


# Reports the bureau publishes to a client (docs/ledger.md "Reports").
REPORT_PREFIX = "REPORT#"


def report_sk(report_id: str) -> str:
    return f"{REPORT_PREFIX}{_checked(report_id)}"


# Payroll, payslips issued (issue 11, h-payroll2): the employee's own payslips across clients.
EMPLOYEE_PAYSLIPS_GSI_PREFIX = "MYPAYSLIPS#"


def employee_payslips_gsi(sub: str) -> str:
    """GSI1 partition of the payslips issued to the signed-in identity `sub`, in every client."""
    return f"{EMPLOYEE_PAYSLIPS_GSI_PREFIX}{sub}"


# Hours (issue 11, h-payroll2): one item per employee and ISO week.
TIMESHEET_PREFIX = "TIMESHEET#"


def timesheet_sk(employee_number: int, week: str) -> str:
    """An employee's week (yyyy-Www): its entries and status (open, submitted, approved)."""
    return f"{TIMESHEET_PREFIX}{employee_number:09d}#{week}"


HOUR_CLAIM_PREFIX = "HOURCLAIM#"


def hour_claim_sk(employee_number: int, entry_id: str) -> str:
    """The claim that an hour entry is invoiced (created once: a second invoice of it fails)."""
    return f"{HOUR_CLAIM_PREFIX}{employee_number:09d}#{entry_id}"


PAYROLL_CLIENTS_GSI = "PAYROLL_CLIENTS"  # GSI1 partition of every client with payroll settings (the reminders)


def a_melding_reminder_sk(period: str, day: str) -> str:
    """The a-melding reminder of a pay month sent on one day (created once: never sent twice that day)."""
    return f"PAYREMIND#{period}#{day}"


# Platform operators (h-billing2, decision 0713): the people who run the platform itself (its price list
# to the bureaus); not members of any bureau or client
PLATFORM_OPERATORS_PK = "PLATFORM#OPERATORS"
PLATFORM_OPERATOR_PREFIX = "OPERATOR#"


def platform_operator_sk(sub: str) -> str:
    return f"{PLATFORM_OPERATOR_PREFIX}{_checked(sub)}"


# A client's members' active periods in one item (h-billing2, decision 0712): kept by tenancy in the
# transaction of each change of a client membership, read by the billing run 100 clients a call
MEMBER_PERIODS_SK = "MEMBERS#PERIODS"
