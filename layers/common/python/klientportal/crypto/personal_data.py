"""National identity numbers are stored only encrypted, with the tenant bound into the ciphertext.

KMS Encrypt with an encryption context of tenant and purpose: a ciphertext copied into another
tenant's item does not decrypt. The stored item keeps a masked form for listings.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from klientportal import aws
from klientportal.settings import settings

PURPOSE = "national-id"


def encrypt_national_id(tenant: str, national_id: str) -> str:
    blob = aws.client("kms").encrypt(
        KeyId=settings().personal_data_key,
        Plaintext=national_id.encode(),
        EncryptionContext={"tenant": tenant, "purpose": PURPOSE},
    )["CiphertextBlob"]
    return base64.b64encode(blob).decode()


def decrypt_national_id(tenant: str, ciphertext: str) -> str:
    plaintext: bytes = aws.client("kms").decrypt(
        CiphertextBlob=base64.b64decode(ciphertext),
        EncryptionContext={"tenant": tenant, "purpose": PURPOSE},
    )["Plaintext"]
    return plaintext.decode()


def decrypt_national_ids(tenant: str, ciphertexts: Sequence[str], at_once: int = 8) -> list[str]:
    """Many national ids, in order, `at_once` KMS calls in flight (KMS has no batch decrypt; a payroll
    of 1,000 employees is 1,000 calls, which one after another take seconds)."""
    if len(ciphertexts) < 2:
        return [decrypt_national_id(tenant, c) for c in ciphertexts]
    with ThreadPoolExecutor(max_workers=at_once) as pool:
        return list(pool.map(lambda c: decrypt_national_id(tenant, c), ciphertexts))


def national_id_hash(tenant: str, national_id: str) -> str:
    """A keyed hash (KMS HMAC-SHA-256, key `personal-id-hash`) of a national id within a tenant: equal
    numbers give equal hashes, and without KMS access nobody can test a guessed number against it."""
    mac = aws.client("kms").generate_mac(
        KeyId=settings().personal_id_hash_key,
        MacAlgorithm="HMAC_SHA_256",
        Message=f"{PURPOSE}|{tenant}|{national_id}".encode(),
    )["Mac"]
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")
