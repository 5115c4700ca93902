"""The readers' refusals share one error class: a stable `reason` and a `detail` for people."""

from __future__ import annotations

import pytest

from klientportal.errors import ReasonedError
from klientportal.formats.ehf.reader import EhfReadError
from klientportal.formats.safe_xml import XmlInputError
from klientportal.vouchers import intake
from klientportal.vouchers.ocr import OcrError
from klientportal.vouchers.pdf_text import PdfTextError


@pytest.mark.parametrize(
    ("error", "also"),
    [
        (XmlInputError, ValueError),
        (EhfReadError, ValueError),
        (PdfTextError, ValueError),
        (OcrError, RuntimeError),
        (intake._Unreadable, ReasonedError),
    ],
)
def test_each_reader_error_is_a_reasoned_error(error: type[ReasonedError], also: type[Exception]) -> None:
    exc = error("some-reason", "what was wrong")
    assert isinstance(exc, ReasonedError) and isinstance(exc, also)
    assert (exc.reason, exc.detail, str(exc)) == ("some-reason", "what was wrong", "some-reason: what was wrong")
    assert "__init__" not in vars(error), "the reason/detail constructor lives in klientportal.errors only"


def test_the_base_keeps_reason_and_detail() -> None:
    with pytest.raises(ReasonedError) as caught:
        raise EhfReadError("bad-date", "IssueDate is not a date")
    assert caught.value.reason == "bad-date"
