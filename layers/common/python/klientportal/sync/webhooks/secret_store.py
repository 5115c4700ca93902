"""Webhook signing secrets at rest: KMS-encrypted, bound to the subscription (encryption context)."""

from __future__ import annotations

import base64
import os

from klientportal import aws

PURPOSE = "webhook-secret"
KEY_VAR = "KP_KEY_WEBHOOK_SECRETS"


def _context(partition: str, subscription_id: str) -> dict[str, str]:
    return {"tenant": partition, "purpose": PURPOSE, "subscription": subscription_id}


def _key() -> str:
    return os.environ.get(KEY_VAR, "alias/klientportal-webhook-secrets")


def encrypt_secret(partition: str, subscription_id: str, secret: str) -> str:
    blob = aws.client("kms").encrypt(
        KeyId=_key(), Plaintext=secret.encode(), EncryptionContext=_context(partition, subscription_id)
    )["CiphertextBlob"]
    return base64.b64encode(blob).decode()


def decrypt_secret(partition: str, subscription_id: str, ciphertext: str) -> str:
    plaintext: bytes = aws.client("kms").decrypt(
        CiphertextBlob=base64.b64decode(ciphertext), EncryptionContext=_context(partition, subscription_id)
    )["Plaintext"]
    return plaintext.decode()
