"""Subjects (user ids) of the local identity provider: stable per e-mail address.

Kept apart from tokens.py so that handlers, which never verify tokens themselves, do not import
the JWT and crypto libraries.
"""

from __future__ import annotations

import uuid

LOCAL_SUBJECT_NAMESPACE = uuid.UUID("6f6b7bb0-6a31-4c77-9a6f-2c56f1e0c9a1")


def local_subject(email: str) -> str:
    """The subject the local identity provider gives an e-mail address."""
    return str(uuid.uuid5(LOCAL_SUBJECT_NAMESPACE, email.strip().lower()))
