"""Uniqueness items of register entries beyond their number, written in the same transaction as the entry.

- A supplier is unique per organisation number, or per bank account / IBAN when it has none:
  `SUPPLIER_ORGNR#<orgnr>` / `SUPPLIER_ACCOUNT#<account>` (0262). Both the register API and the voucher
  interpretation claim it through `supplier_identity`.
- An employee is unique per national identity number: `EMPLOYEE_NID#<keyed hash>`, an HMAC by the KMS
  key `personal-id-hash` over tenant and number (`national_id_hash`); the number itself is stored only
  encrypted and never appears in a key.
"""

from __future__ import annotations

from klientportal.crypto.personal_data import national_id_hash
from klientportal.repository import keys
from klientportal.repository.records import Record

SUPPLIER_IDENTITY = "supplier_identity"
EMPLOYEE_IDENTITY = "employee_identity"


def supplier_identity(client_id: str, supplier_number: int, orgnr: str | None, account: str | None) -> Record | None:
    """The uniqueness item of a supplier (None when it has neither orgnr nor account)."""
    sk = keys.supplier_identity_sk(orgnr, account)
    if sk is None:
        return None
    return Record(
        keys.client_pk(client_id),
        sk,
        SUPPLIER_IDENTITY,
        {"supplier_number": supplier_number, "orgnr": orgnr, "account": account},
    )


def employee_identity_sk(client_id: str, national_id: str) -> str:
    return keys.employee_identity_sk(national_id_hash(client_id, national_id))


def employee_identity(client_id: str, employee_number: int, national_id: str) -> Record:
    return Record(
        keys.client_pk(client_id),
        employee_identity_sk(client_id, national_id),
        EMPLOYEE_IDENTITY,
        {"employee_number": employee_number},
    )
