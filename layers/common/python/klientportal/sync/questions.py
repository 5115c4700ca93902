"""Questions on postings and vouchers: a thread either side opens, the other answers (decision 0824).

A question belongs to one subject of its client: a voucher (`voucher`, its id) or a journal entry
(`journal_entry`, the number a person reads: `2026-17`, `F2026-3`, `B2026-2`, `L2026-1`). The
subject must exist in the same client's partition, so a question on another client's posting is
refused (422) before anything is written. Status: `open` (waiting for the other side), `answered`
(the other side replied), `closed` (either side closed it; no more messages). Attachments are
uploaded first with a presigned POST (like vouchers) under `questions/<client>/` in the documents
bucket and then named by key in a message; each is checked to exist with its declared size. The
other side is notified: a notification written with the change (decision 0830), then e-mailed (a
failed e-mail does not undo the write).
"""

from __future__ import annotations

import json
import re
import secrets
import uuid
from dataclasses import dataclass, replace
from typing import Any, Literal, Protocol

from klientportal.errors import FieldError, InvalidInput, NotFound, RuleViolation, StaleVersion
from klientportal.observability import logger
from klientportal.repository import keys
from klientportal.repository.records import Record
from klientportal.repository.store import Actor, Change, Page, Store
from klientportal.sync.notifications import notification_change
from klientportal.tenancy.models import Membership
from klientportal.vouchers.filenames import sanitise_filename
from klientportal.vouchers.records import valid_voucher_id
from klientportal.vouchers.uploads import DECLARED_SIZE, UPLOADED_BY, size_mismatch

Side = Literal["bureau", "client"]
SubjectType = Literal["voucher", "journal_entry"]
Status = Literal["open", "answered", "closed"]
ENTITY = "question"
ATTACHMENT_PREFIX = "questions/"
UPLOAD_SECONDS = 900
MAX_MESSAGES = 200
# a thread is one item and its audit event holds it twice (before and after): its messages stay
# within 150 KB of UTF-8 JSON so both fit in DynamoDB's 400 KB
MAX_THREAD_BYTES = 150_000
_ENTRY = re.compile(r"^(F|B|L)?(\d{4})-(\d{1,8})$")
_SERIES = {None: "bilag", "F": "faktura", "B": "bank", "L": "lonn"}
_QUESTION_ID = re.compile(r"^q_[0-9a-f]{16}$")

_TOLD = {
    "question.opened": "Nytt spørsmål",
    "question.answered": "Spørsmål besvart",
    "question.followed_up": "Spørsmål fulgt opp",
    "question.closed": "Spørsmål lukket",
}


class Audience(Protocol):
    """Who is told on each side, and how (klientportal/sync/notifications.py)."""

    def people(self, side: Side) -> list[Membership]: ...

    def tell(self, notification: Record) -> None: ...


def subject_key(subject_type: str, subject_id: str) -> str | None:
    """The sort key of the subject in its client's partition, None if the id has no such form."""
    if subject_type == "voucher":
        return keys.voucher_sk(subject_id) if valid_voucher_id(subject_id) else None
    m = _ENTRY.match(subject_id)
    if subject_type == "journal_entry" and m:
        series = _SERIES[m.group(1)]
        return keys.journal_entry_sk(series, int(m.group(2)), int(m.group(3)))
    return None


def attachment_prefix(client_id: str) -> str:
    return f"{ATTACHMENT_PREFIX}{client_id}/"


@dataclass(frozen=True)
class UploadTarget:
    filename: str
    key: str
    url: str
    fields: dict[str, str]
    expires_in: int


class Questions:
    def __init__(self, store: Store, client_id: str, s3: Any, bucket: str, audience: Audience) -> None:
        self.store, self.client_id, self.s3, self.bucket, self.audience = store, client_id, s3, bucket, audience
        self.pk = keys.client_pk(client_id)

    # uploads ---------------------------------------------------------------------------------
    def upload_targets(self, files: list[tuple[str, str, int]], uploader: str) -> list[UploadTarget]:
        batch = uuid.uuid4().hex[:16]
        out = []
        for index, (filename, content_type, size) in enumerate(files, start=1):
            name = sanitise_filename(filename, fallback=f"attachment-{index}")
            key = f"{attachment_prefix(self.client_id)}{batch}-{index}/{name}"
            fields = {
                "Content-Type": content_type,
                f"x-amz-meta-{UPLOADED_BY}": uploader,
                f"x-amz-meta-{DECLARED_SIZE}": str(size),
            }
            conditions: list[Any] = [["content-length-range", size, size], *({k: v} for k, v in fields.items())]
            post = self.s3.generate_presigned_post(
                self.bucket, key, Fields=fields, Conditions=conditions, ExpiresIn=UPLOAD_SECONDS
            )
            out.append(UploadTarget(name, key, post["url"], post["fields"], UPLOAD_SECONDS))
        return out

    def _attachments(self, attachment_keys: list[str]) -> list[dict[str, Any]]:
        out = []
        for i, key in enumerate(attachment_keys):
            where = f"attachments[{i}]"
            if not key.startswith(attachment_prefix(self.client_id)) or ".." in key:
                raise InvalidInput(
                    "an attachment must be uploaded for this client first (question-uploads)",
                    [FieldError(where, "not an upload of this client")],
                )
            try:
                head = self.s3.head_object(Bucket=self.bucket, Key=key)
            except self.s3.exceptions.ClientError:
                raise InvalidInput("the attachment was not uploaded", [FieldError(where, "no such upload")]) from None
            if (problem := size_mismatch(head)) is not None:
                raise InvalidInput("the attachment does not match its upload form", [FieldError(where, problem)])
            out.append(
                {
                    "key": key,
                    "filename": key.rsplit("/", 1)[1],
                    "content_type": head.get("ContentType", "application/octet-stream"),
                    "size": int(head["ContentLength"]),
                }
            )
        return out

    # threads ---------------------------------------------------------------------------------
    def get(self, question_id: str) -> Record:
        rec = self.store.get(self.pk, keys.question_sk(question_id)) if _QUESTION_ID.match(question_id) else None
        if rec is None:
            raise NotFound("no such question")
        return rec

    def in_status(self, status: Status, limit: int | None, cursor: str | None) -> Page:
        return self.store.query(
            keys.questions_gsi(self.client_id, status), index="GSI1", limit=limit, cursor=cursor, forward=False
        )

    def ask(
        self,
        subject_type: SubjectType,
        subject_id: str,
        title: str,
        text: str,
        attachment_keys: list[str],
        actor: Actor,
        side: Side,
    ) -> Record:
        sk = subject_key(subject_type, subject_id)
        if sk is None or self.store.get(self.pk, sk) is None:
            raise InvalidInput(
                f"no {subject_type.replace('_', ' ')} {subject_id} in this client",
                [FieldError("subject_id", f"no such {subject_type} in this client")],
            )
        attachments = self._attachments(attachment_keys)
        question_id = "q_" + secrets.token_hex(8)
        data = {
            "id": question_id,
            "subject_type": subject_type,
            "subject_id": subject_id,
            "title": title,
            "status": "open",
            "opened_by_side": side,
            "opened_by": actor.sub,
            "messages": [_message(actor, side, text, attachments)],
        }
        index = _status_index(self.client_id, "open", question_id)
        rec = Record(
            self.pk, keys.question_sk(question_id), ENTITY, data, gsi1pk=index["gsi1pk"], gsi1sk=index["gsi1sk"]
        )
        return self._write(None, rec, "question.opened", side, actor)

    def reply(
        self, question_id: str, version: int, text: str, attachment_keys: list[str], actor: Actor, side: Side
    ) -> Record:
        rec = self._current(question_id, version)
        if rec.data["status"] == "closed":
            raise RuleViolation("the question is closed; open a new one")
        if len(rec.data["messages"]) >= MAX_MESSAGES:
            raise RuleViolation(f"a thread holds at most {MAX_MESSAGES} messages; open a new question")
        attachments = self._attachments(attachment_keys)
        status = "open" if side == rec.data["opened_by_side"] else "answered"
        messages = [*rec.data["messages"], _message(actor, side, text, attachments)]
        if len(json.dumps(messages, ensure_ascii=False).encode()) > MAX_THREAD_BYTES:
            raise RuleViolation(
                f"the thread would exceed {MAX_THREAD_BYTES // 1000} KB of text; open a new question",
                extra={"max_thread_bytes": MAX_THREAD_BYTES},
            )
        data = {**rec.data, "status": status, "messages": messages}
        action = "question.answered" if status == "answered" else "question.followed_up"
        index = _status_index(self.client_id, status, question_id)
        after = replace(rec, data=data, gsi1pk=index["gsi1pk"], gsi1sk=index["gsi1sk"])
        return self._write(rec, after, action, side, actor)

    def close(self, question_id: str, version: int, actor: Actor, side: Side) -> Record:
        rec = self._current(question_id, version)
        if rec.data["status"] == "closed":
            raise RuleViolation("the question is closed already")
        data = {**rec.data, "status": "closed", "closed_by": actor.sub, "closed_by_side": side}
        index = _status_index(self.client_id, "closed", question_id)
        after = replace(rec, data=data, gsi1pk=index["gsi1pk"], gsi1sk=index["gsi1sk"])
        return self._write(rec, after, "question.closed", side, actor)

    def attachment(self, question_id: str, index: int) -> dict[str, Any]:
        rec = self.get(question_id)
        files = [a for m in rec.data["messages"] for a in m["attachments"]]
        if not 0 <= index < len(files):
            raise NotFound("no such attachment")
        found: dict[str, Any] = files[index]
        return found

    def _current(self, question_id: str, version: int) -> Record:
        rec = self.get(question_id)
        if rec.version != version:
            raise StaleVersion(
                f"the question is at version {rec.version}, you sent {version}; reload and try again",
                extra={"your_version": version, "current_version": rec.version},
            )
        return rec

    def _write(self, before: Record | None, after: Record, action: str, side: Side, actor: Actor) -> Record:
        """The question's change and the other side's notification in one transaction; then the e-mail."""
        d = after.data
        subject = f"{d['subject_type'].replace('_', ' ')} {d['subject_id']}"
        note = notification_change(
            self.client_id,
            _other(side),
            action,
            ("question", d["id"]),
            f"{_TOLD[action]}: {d['title']}",
            f"{_TOLD[action]} om {subject}: «{d['title']}».",
            self.audience.people(_other(side)),
        )
        written, notification = self.store.write(self.pk, [Change(before, after, action), note], actor)
        try:
            self.audience.tell(notification)
        except Exception:
            logger.exception("question notification failed", extra={"question": d["id"]})
        return written


def _other(side: Side) -> Side:
    return "client" if side == "bureau" else "bureau"


def _message(actor: Actor, side: Side, text: str, attachments: list[dict[str, Any]]) -> dict[str, Any]:
    from klientportal import clock

    return {"at": clock.iso(clock.now()), "side": side, "author": actor.sub, "text": text, "attachments": attachments}


def _status_index(client_id: str, status: str, question_id: str) -> dict[str, str]:
    """The question in its status list, newest change first (GSI1SK = when it moved there)."""
    from klientportal import clock

    return {"gsi1pk": keys.questions_gsi(client_id, status), "gsi1sk": f"{clock.iso(clock.now())}#{question_id}"}
