"""Questions on postings and vouchers: open, list, read, answer, close, attachments; the other side
is told by a notification and e-mail (klientportal/sync/questions.py, notifications.py)."""

from __future__ import annotations

from typing import Annotated, Literal

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query
from pydantic import BaseModel, ConfigDict, Field

from klientportal.api.app import Context
from klientportal.api.problems import COMMON_RESPONSES, created
from klientportal.api.response_model import DeferredModel
from klientportal.api.types import Integer, MultilineText, Text
from klientportal.api.uploads import UploadTarget, UploadTargets
from klientportal.repository.records import Record
from klientportal.settings import settings
from klientportal.sync import notifications
from klientportal.sync.questions import Questions, Side
from klientportal.tenancy.models import BUREAU_ROLES, Membership

router = Router()
Q = "/clients/<client_id>/questions"
TAGS = ["questions"]
AttachmentKey = Annotated[str, Field(min_length=1, max_length=500)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)


class QuestionCreate(_In):
    subject_type: Literal["voucher", "journal_entry"]
    subject_id: Annotated[Text, Field(min_length=1, max_length=40)]
    title: Annotated[Text, Field(min_length=1, max_length=200)]
    text: Annotated[MultilineText, Field(min_length=1, max_length=10000)]
    attachments: Annotated[list[AttachmentKey], Field(max_length=10)] = []


class Reply(_In):
    version: Integer
    text: Annotated[MultilineText, Field(min_length=1, max_length=10000)]
    attachments: Annotated[list[AttachmentKey], Field(max_length=10)] = []


class Closing(_In):
    version: Integer


class UploadFile(_In):
    filename: Annotated[Text, Field(min_length=1, max_length=200)]
    content_type: Literal["application/pdf", "image/png", "image/jpeg", "text/plain", "application/xml", "text/csv"]
    size: Annotated[Integer, Field(ge=1, le=20 * 1024 * 1024)]


class UploadRequest(_In):
    files: Annotated[list[UploadFile], Field(min_length=1, max_length=10)]


class Attachment(DeferredModel):
    key: str
    filename: str
    content_type: str
    size: int


class Message(DeferredModel):
    at: str
    side: Literal["bureau", "client"]
    author: str
    text: str
    attachments: list[Attachment]


class Question(DeferredModel):
    id: str
    subject_type: Literal["voucher", "journal_entry"]
    subject_id: str
    title: str
    status: Literal["open", "answered", "closed"]
    opened_by_side: Literal["bureau", "client"]
    messages: list[Message]
    version: int
    created_at: str
    updated_at: str


class QuestionPage(DeferredModel):
    items: list[Question]
    next_cursor: str | None = None


class AttachmentLink(DeferredModel):
    url: str
    expires_in: int


def _side(ctx: Context) -> Side:
    membership = ctx.membership
    return "bureau" if membership is not None and membership.role in BUREAU_ROLES else "client"


class _Audience:
    """The people of each side of the client, and the e-mail of a notification (the e-mail adapter)."""

    def __init__(self, ctx: Context) -> None:
        self.ctx, self.client = ctx, ctx.authorized_client

    def people(self, side: Side) -> list[Membership]:
        return notifications.recipients(self.ctx.invocation.tenancy.repo, self.client, side, None)

    def tell(self, notification: Record) -> None:
        from klientportal.invoicing.delivery import adapters

        sender = adapters(settings().delivery_mode).email
        notifications.mail(sender, notification, self.client, settings().invoice_from_address)


def _questions(ctx: Context) -> Questions:
    return Questions(ctx.store, ctx.client_id, ctx.invocation.s3, settings().documents_bucket, _Audience(ctx))


def _out(rec: Record) -> Question:
    return Question.model_validate(
        {**rec.data, "version": rec.version, "created_at": rec.created_at, "updated_at": rec.updated_at}
    )


@router.post(
    Q,
    tags=TAGS,
    summary="Ask a question on a voucher or a journal entry of this client",
    responses={201: created(Question), **COMMON_RESPONSES},
)
def open_question(client_id: str, body: QuestionCreate, ctx: Context) -> Response[Question]:
    rec = _questions(ctx).ask(
        body.subject_type, body.subject_id, body.title, body.text, body.attachments, ctx.actor, _side(ctx)
    )
    return Response(201, "application/json", _out(rec))


@router.get(
    Q, tags=TAGS, summary="The client's questions in one status, last changed first", responses=COMMON_RESPONSES
)
def list_questions(
    client_id: str,
    ctx: Context,
    status: Annotated[Literal["open", "answered", "closed"], Query()] = "open",
    limit: Annotated[int | None, Query(ge=1, le=200)] = None,
    cursor: Annotated[str | None, Query(max_length=2000)] = None,
) -> QuestionPage:
    page = _questions(ctx).in_status(status, limit, cursor)
    return QuestionPage(items=[_out(r) for r in page.items], next_cursor=page.next_cursor)


@router.get(Q + "/<question_id>", tags=TAGS, summary="One question with its messages", responses=COMMON_RESPONSES)
def get_question(client_id: str, question_id: str, ctx: Context) -> Question:
    return _out(_questions(ctx).get(question_id))


@router.post(
    Q + "/<question_id>/messages",
    tags=TAGS,
    summary="Answer (the other side) or follow up (the side that asked)",
    responses=COMMON_RESPONSES,
)
def reply(client_id: str, question_id: str, body: Reply, ctx: Context) -> Question:
    rec = _questions(ctx).reply(question_id, body.version, body.text, body.attachments, ctx.actor, _side(ctx))
    return _out(rec)


@router.post(
    Q + "/<question_id>/close", tags=TAGS, summary="Close the thread (either side)", responses=COMMON_RESPONSES
)
def close(client_id: str, question_id: str, body: Closing, ctx: Context) -> Question:
    return _out(_questions(ctx).close(question_id, body.version, ctx.actor, _side(ctx)))


@router.get(
    Q + "/<question_id>/attachments/<index>",
    tags=TAGS,
    summary="A short-lived download link of an attachment (0-based, in message order)",
    responses=COMMON_RESPONSES,
)
def attachment(client_id: str, question_id: str, index: int, ctx: Context) -> AttachmentLink:
    from klientportal.vouchers.originals import presigned_get

    found = _questions(ctx).attachment(question_id, index)
    url = presigned_get(
        ctx.invocation.s3,
        settings().documents_bucket,
        found["key"],
        content_type=found["content_type"],
        filename=found["filename"],
        expires_in=300,
    )
    return AttachmentLink(url=url, expires_in=300)


@router.post(
    "/clients/<client_id>/question-uploads",
    tags=TAGS,
    summary="Presigned upload forms for attachments (then name their keys in a message)",
    responses={201: created(UploadTargets), **COMMON_RESPONSES},
)
def uploads(client_id: str, body: UploadRequest, ctx: Context) -> Response[UploadTargets]:
    targets = _questions(ctx).upload_targets([(f.filename, f.content_type, f.size) for f in body.files], ctx.actor.sub)
    items = [
        UploadTarget(filename=t.filename, key=t.key, url=t.url, fields=t.fields, expires_in=t.expires_in)
        for t in targets
    ]
    return Response(201, "application/json", UploadTargets(items=items))
