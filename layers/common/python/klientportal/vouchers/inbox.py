"""Each client's voucher inbox address: <slug>@bilag.<domain>, the slug unique across the platform.

The slug is claimed with an item keyed by the slug itself (INBOX#<slug>), written conditionally in the
same transaction as the client's INBOX item, so two clients can never hold the same address and the
intake finds a client from a recipient with one consistent read.

A slug the client gives up is never reassigned: its claim stays with the client, marked `released`,
so mail to the old address keeps reaching that client (suppliers still using it) and no other
client can take it over. The client may take it back.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from klientportal import clock
from klientportal.errors import AlreadyExists, FieldError, InvalidInput, StaleVersion
from klientportal.repository import keys
from klientportal.repository.records import Record
from klientportal.repository.store import Actor, Change, Store
from klientportal.tenancy.models import Client

SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{1,38}[a-z0-9])$")
_LEGAL_FORMS = ("as", "asa", "ans", "da", "sa", "enk", "nuf", "ba")
_FOLD = str.maketrans({"æ": "ae", "ø": "o", "å": "a", "&": "-"})
_RESERVED = frozenset({"postmaster", "abuse", "admin", "noreply", "no-reply", "bilag", "root", "mailer-daemon"})


def slug_from_name(name: str) -> str:
    """ "Fjordkaffe AS" → "fjordkaffe", "Lakk & Lim AS" → "lakk-lim"."""
    text = unicodedata.normalize("NFKD", name.lower().translate(_FOLD))
    text = "".join(c for c in text if not unicodedata.combining(c))
    words = re.findall(r"[a-z0-9]+", text)
    while len(words) > 1 and words[-1] in _LEGAL_FORMS:
        words.pop()
    slug = "-".join(words)[:40].strip("-")
    return slug if len(slug) >= 3 else f"klient-{slug or 'x'}"


def address(slug: str, domain: str) -> str:
    return f"{slug}@{domain}"


def inbox_of(store: Store, client_id: str) -> dict[str, Any] | None:
    rec = store.get(keys.client_pk(client_id), keys.INBOX_SK)
    return rec.data if rec else None


def client_for_slug(store: Store, slug: str) -> dict[str, Any] | None:
    """{"client_id", "bureau_id", …} of the client owning `slug` (also a slug it released), or None."""
    if not SLUG.match(slug or ""):
        return None
    rec = store.get(keys.inbox_claim_pk(slug), keys.INBOX_SK)
    return rec.data if rec else None


def check_slug(slug: str) -> str:
    if not SLUG.match(slug) or slug in _RESERVED or "--" in slug:
        raise InvalidInput(
            "not a usable inbox name",
            [
                FieldError(
                    "slug", "3–40 of a-z, 0-9 and single hyphens, not starting or ending with a hyphen; not reserved"
                )
            ],
        )
    return slug


def inbox_changes_for_new_client(store: Store, client: Client) -> list[Change]:
    """The changes that give a client being created its inbox address, for the tenancy module to write in
    the same transaction as the client record (0261): the first free slug from the client's name. A slug
    taken between this read and the write cancels the transaction (AlreadyExists); the caller retries."""
    wanted = slug_from_name(client.name)
    for candidate in [wanted] + [f"{wanted}-{n}" for n in range(2, 50)]:
        if candidate in _RESERVED or store.get(keys.inbox_claim_pk(candidate), keys.INBOX_SK) is not None:
            continue
        data = {"slug": candidate, "client_id": client.client_id, "bureau_id": client.bureau_id}
        return [
            Change(
                None,
                Record(keys.inbox_claim_pk(candidate), keys.INBOX_SK, "inbox_claim", data),
                "voucher_inbox.claimed",
            ),
            Change(
                None,
                Record(keys.client_pk(client.client_id), keys.INBOX_SK, "voucher_inbox", data),
                "voucher_inbox.assigned",
            ),
        ]
    return []  # every numbered name taken: the lazy claim (GET voucher-inbox) reports it


def assign_inbox(store: Store, client: Client, actor: Actor, slug: str | None = None) -> dict[str, Any]:
    """The client's inbox, created (from the name, or `slug`) if it has none; a taken name from the
    client's name gets a number (-2, -3, …), a taken explicit `slug` is refused."""
    current = store.get(keys.client_pk(client.client_id), keys.INBOX_SK)
    if current is not None and slug is None:
        return current.data
    wanted = check_slug(slug) if slug is not None else slug_from_name(client.name)
    candidates = [wanted] if slug is not None else [wanted] + [f"{wanted}-{n}" for n in range(2, 50)]
    for candidate in candidates:
        data = {"slug": candidate, "client_id": client.client_id, "bureau_id": client.bureau_id}
        if current is not None and current.data["slug"] == candidate:
            return current.data
        held = store.get(keys.inbox_claim_pk(candidate), keys.INBOX_SK)
        if held is not None and held.data.get("client_id") != client.client_id:
            continue  # another client's address, in use or released: never reassigned
        if held is None:
            changes = [
                Change(
                    None,
                    Record(keys.inbox_claim_pk(candidate), keys.INBOX_SK, "inbox_claim", data),
                    "voucher_inbox.claimed",
                )
            ]
        else:
            changes = [Change(held, held.with_data(data), "voucher_inbox.reclaimed")]
        if current is None:
            changes.append(
                Change(
                    None,
                    Record(keys.client_pk(client.client_id), keys.INBOX_SK, "voucher_inbox", data),
                    "voucher_inbox.assigned",
                )
            )
        else:
            changes.append(Change(current, current.with_data(data), "voucher_inbox.changed"))
            old_claim = store.get(keys.inbox_claim_pk(current.data["slug"]), keys.INBOX_SK)
            if old_claim is not None and old_claim.data.get("client_id") == client.client_id:
                released = {**old_claim.data, "released": True, "released_at": clock.iso(clock.now())}
                changes.append(Change(old_claim, old_claim.with_data(released), "voucher_inbox.released"))
        try:
            store.write(keys.client_pk(client.client_id), changes, actor)
            return data
        except (AlreadyExists, StaleVersion):
            continue
    raise AlreadyExists(f"the inbox name {wanted} is taken", [FieldError("slug", "taken")])
