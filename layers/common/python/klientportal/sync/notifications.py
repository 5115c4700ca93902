"""Notifications: one side of a client is told that the other published a report or opened, answered,
followed up or closed a question (decision 0830).

A notification is an item in the client's partition, written in the same transaction as what it
tells of (so it exists exactly when the report or the message does, and is itself the domain event
`notification.created` that webhooks and the change feeds carry). It names its recipients: the
people of the side told, chosen when it is written. After the write each recipient gets an e-mail
through the e-mail adapter (SES; locally SES on moto plus the outbox); a failed e-mail is logged and
does not undo the write. `GET /clients/{client_id}/notifications` lists a side's notifications, each
only to the roles it was meant for.
"""

from __future__ import annotations

import secrets
from typing import Literal

from klientportal import clock
from klientportal.adapters.email import EmailSender, Mail
from klientportal.observability import logger
from klientportal.repository import keys
from klientportal.repository.records import Record
from klientportal.repository.store import Change, Page, Store
from klientportal.tenancy.models import Client, Membership, Module, Role
from klientportal.tenancy.repository import TenancyRepository

Side = Literal["bureau", "client"]
ENTITY = "notification"
ACTION = "notification.created"


def other(side: Side) -> Side:
    return "client" if side == "bureau" else "bureau"


def recipients(repo: TenancyRepository, client: Client, side: Side, module: Module | None) -> list[Membership]:
    """The active people of `side` to tell: the client's admins (and, for a module-bound subject, its
    users with that module); or the bureau's admins and the accountants assigned to the client."""
    if side == "client":
        people = [
            m
            for m in repo.members("client", client.client_id)
            if m.role == Role.CLIENT_ADMIN
            or (m.role == Role.CLIENT_USER and module is not None and module in m.modules)
        ]
    else:
        people = [
            m
            for m in repo.members("bureau", client.bureau_id)
            if m.role == Role.BUREAU_ADMIN
            or (
                m.role == Role.BUREAU_ACCOUNTANT
                and (m.assigned_clients == "all" or client.client_id in m.assigned_clients)
            )
        ]
    return sorted((m for m in people if m.status == "active"), key=lambda m: m.email)


def notification_change(
    client_id: str,
    side: Side,
    kind: str,
    subject: tuple[str, str],
    title: str,
    text: str,
    people: list[Membership],
) -> Change:
    """The notification to add to the caller's own write (`kind` is the action told of)."""
    at = clock.iso(clock.now())
    notification_id = "n_" + secrets.token_hex(8)
    data = {
        "id": notification_id,
        "side": side,
        "kind": kind,
        "subject_type": subject[0],
        "subject_id": subject[1],
        "title": title,
        "text": text,
        "at": at,
        "recipients": [m.email for m in people],
        "roles": sorted({str(m.role) for m in people}),
    }
    rec = Record(
        keys.client_pk(client_id),
        keys.notification_sk(notification_id),
        ENTITY,
        data,
        gsi1pk=keys.notifications_gsi(client_id, side),
        gsi1sk=f"{at}#{notification_id}",
    )
    return Change(None, rec, ACTION)


def mail(sender: EmailSender, notification: Record, client: Client, from_address: str) -> int:
    """E-mail each recipient of `notification`; how many were sent (failures are logged)."""
    d = notification.data
    sent = 0
    where = f"{d['subject_type']} {d['subject_id']}"
    for address in d["recipients"]:
        try:
            sender.send(
                Mail(
                    to=address,
                    subject=f"{d['title']} ({client.name})",
                    body=f"{d['text']}\n\nLogg inn i Klientportalen for å se mer ({where}).",
                    from_address=from_address,
                    from_name="Klientportal",
                    reference=f"notification:{d['id']}:{address}",
                )
            )
            sent += 1
        except Exception:
            logger.exception("notification e-mail failed", extra={"notification": d["id"]})
    return sent


def listing(store: Store, client_id: str, side: Side, role: Role, limit: int | None, cursor: str | None) -> Page:
    """One page of a side's notifications, newest first; only those meant for `role` (bureau staff see
    every notification of the bureau side)."""
    page = store.query(keys.notifications_gsi(client_id, side), index="GSI1", limit=limit, cursor=cursor, forward=False)
    if side == "bureau":
        return page
    return Page([r for r in page.items if str(role) in r.data["roles"]], page.next_cursor)
