"""The answer to a request for upload slots: one presigned S3 POST per file (voucher uploads, the
attachments of a question), which the browser posts the file to, form fields first."""

from __future__ import annotations

from typing import Literal

from klientportal.api.response_model import DeferredModel


class UploadTarget(DeferredModel):
    """Where one file goes: POST `fields` then the file (as `file`) to `url` within `expires_in` s."""

    filename: str
    key: str
    url: str
    method: Literal["POST"] = "POST"
    fields: dict[str, str]
    expires_in: int


class UploadTargets(DeferredModel):
    items: list[UploadTarget]
