"""Stable reason codes for everything the voucher inbox refuses or cannot use."""

from __future__ import annotations

from enum import StrEnum


class Reason(StrEnum):
    # whole message
    MESSAGE_TOO_LARGE = "message-too-large"
    TOO_MANY_PARTS = "too-many-parts"
    NESTING_TOO_DEEP = "nesting-too-deep"
    MALFORMED_MESSAGE = "malformed-message"
    NO_ATTACHMENT = "no-attachment"
    # one attachment
    ATTACHMENT_TOO_LARGE = "attachment-too-large"
    ATTACHMENTS_TOTAL_TOO_LARGE = "attachments-total-too-large"
    EMPTY_ATTACHMENT = "empty-attachment"
    UNDECODABLE_ATTACHMENT = "undecodable-attachment"
    TYPE_MISMATCH = "type-mismatch"
    UNSUPPORTED_TYPE = "unsupported-type"
    # zip archives
    ZIP_MALFORMED = "zip-malformed"
    ZIP_TOO_MANY_ENTRIES = "zip-too-many-entries"
    ZIP_TOO_LARGE = "zip-too-large"
    ZIP_RATIO = "zip-compression-ratio"
    ZIP_ENCRYPTED = "zip-encrypted"
    ZIP_NESTED = "zip-nested"
