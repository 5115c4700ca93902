"""The catalogue as one value, so the stack (and tests) can be built from any set of entries."""

from __future__ import annotations

from dataclasses import dataclass

from functions import catalogue as cat


@dataclass(frozen=True)
class Spec:
    """Everything the stack builds; the defaults are functions/catalogue.py."""

    functions: tuple[cat.Function, ...] = cat.FUNCTIONS
    tables: tuple[cat.Table, ...] = cat.TABLES
    buckets: tuple[cat.Bucket, ...] = cat.BUCKETS
    queues: tuple[cat.Queue, ...] = cat.QUEUES
    keys: tuple[cat.EncryptionKey, ...] = cat.KEYS
    secrets: tuple[cat.Secret, ...] = cat.SECRETS
    mail_receipts: tuple[cat.MailReceipt, ...] = cat.MAIL_RECEIPTS
    state_machines: tuple[cat.StateMachine, ...] = cat.STATE_MACHINES
    event_bus: str = cat.EVENT_BUS
    event_rules: tuple[cat.EventRule, ...] = cat.EVENT_RULES
    main_table: str = cat.MAIN_TABLE.name
    idempotency_table: str = cat.IDEMPOTENCY_TABLE.name

    @property
    def shared_resources(self) -> tuple[str, ...]:
        """Resources whose names every function gets in its environment, whatever its access."""
        return (
            f"table:{self.main_table}",
            f"table:{self.idempotency_table}",
            f"bus:{self.event_bus}",
        )

    @property
    def stream_table(self) -> cat.Table:
        """The one table with a stream: the source for functions with `table_stream=True`."""
        streamed = [t for t in self.tables if t.stream]
        if len(streamed) != 1:
            raise ValueError(f"expected exactly one streamed table, found {len(streamed)}")
        return streamed[0]


def pascal(name: str) -> str:
    """A catalogue name as a construct id part: "events-publisher" → "EventsPublisher"."""
    return "".join(part.capitalize() for part in name.replace("_", "-").split("-"))
