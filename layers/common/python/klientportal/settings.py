"""Deployed resource names and runtime switches, read from the environment.

The variable names come from `functions.catalogue.env_var` (KP_<KIND>_<NAME>); infra/ sets them in
AWS and the local runner sets them in-process.
"""

from __future__ import annotations

import os
from dataclasses import dataclass


def _env(name: str, default: str | None = None) -> str:
    value = os.environ.get(name, default)
    if value is None:
        raise RuntimeError(f"environment variable {name} is not set")
    return value


@dataclass(frozen=True)
class Settings:
    main_table: str
    idempotency_table: str
    event_bus: str
    vouchers_bucket: str
    documents_bucket: str
    personal_data_key: str
    identity_provider: str
    user_pool_id: str
    inbound_bucket: str = "klientportal-inbound"
    inbox_domain: str = "bilag.example.no"
    ocr_engine: str = "textract"
    invoice_receipts_queue: str = "klientportal-invoice-receipts"
    delivery_mode: str = "local"
    invoice_from_address: str = "faktura@klientportal.no"
    personal_id_hash_key: str = "alias/klientportal-personal-id-hash"
    cursor_signing_secret: str = ""
    bank_imports_queue: str = "klientportal-bank-imports"

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            main_table=_env("KP_TABLE_MAIN", "klientportal-main"),
            idempotency_table=_env("KP_TABLE_IDEMPOTENCY", "klientportal-idempotency"),
            event_bus=_env("KP_BUS_DOMAIN", "klientportal-domain"),
            vouchers_bucket=_env("KP_BUCKET_VOUCHERS", "klientportal-vouchers"),
            documents_bucket=_env("KP_BUCKET_DOCUMENTS", "klientportal-documents"),
            personal_data_key=_env("KP_KEY_PERSONAL_DATA", "alias/klientportal-personal-data"),
            identity_provider=_env("KP_IDENTITY_PROVIDER", "local"),
            user_pool_id=_env("KP_USER_POOL_USERS", ""),
            inbound_bucket=_env("KP_BUCKET_INBOUND", "klientportal-inbound"),
            inbox_domain=_env("KP_MAIL_VOUCHERS", "bilag.example.no"),
            ocr_engine=_env("KP_OCR_TEXTRACT", "textract"),
            invoice_receipts_queue=_env("KP_QUEUE_INVOICE_RECEIPTS", "klientportal-invoice-receipts"),
            delivery_mode=_env("KP_DELIVERY_MODE", "aws"),
            invoice_from_address=_env("KP_EMAIL_OUTBOUND", "faktura@klientportal.no"),
            personal_id_hash_key=_env("KP_KEY_PERSONAL_ID_HASH", "alias/klientportal-personal-id-hash"),
            cursor_signing_secret=_env("KP_SECRET_CURSOR_SIGNING", ""),
            bank_imports_queue=_env("KP_QUEUE_BANK_IMPORTS", "klientportal-bank-imports"),
        )


def settings() -> Settings:
    """Settings of this process, read fresh (cheap; the local runner changes env between runs)."""
    return Settings.from_env()
