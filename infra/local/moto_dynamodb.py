"""moto's DynamoDB given DynamoDB's transaction semantics, for the local stack and the tests.

moto (pinned, MOTO_VERSION) applies TransactWriteItems op by op to the live table after a deep copy
of it, and when the transaction is cancelled it puts the copy in place of the table. Without a lock
(1) a cancelled transaction can undo one that succeeded meanwhile, and a read can see half a
transaction; (2) the copy carries a copy of the stream shard under the same shard id, so a reader's
iterator stays on the discarded shard — it sees the rolled-back write's records and then nothing
ever again. DynamoDB does neither. `install()` patches moto, once per process:

- one re-entrant lock around every DynamoDB and DynamoDB Streams request (moto's handlers) and
  around the backend's item reads and writes, so a transaction is one indivisible step;
- a cancelled transaction keeps the table's stream shard object, cut back to its length before the
  transaction: same shard, same sequence numbers, no record of the rolled-back write;
- instead of moto's deep copy of every table a transaction touches (one per operation: seconds per
  transaction once a table holds thousands of items, decision 0706), the items the transaction
  names are saved before it runs and put back when it is cancelled (an undo log under the lock).

`problems()` names any patched internal that moved; `install()` refuses to run with one, and
tests/functions/test_moto_dynamodb.py checks the pin, the internals and the behaviour.
"""

from __future__ import annotations

import copy
import functools
import inspect
import threading
from collections.abc import Callable
from typing import Any

import moto
import moto.dynamodb.models as moto_dynamodb_models
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType, Item
from moto.dynamodb.models.table import StreamShard, Table
from moto.dynamodb.responses import DynamoHandler
from moto.dynamodbstreams.models import DynamoDBStreamsBackend
from moto.dynamodbstreams.responses import DynamoDBStreamsHandler

MOTO_VERSION = "5.2.5"
BACKEND_METHODS = (
    "transact_write_items",
    "put_item",
    "update_item",
    "delete_item",
    "get_item",
    "query",
    "scan",
    "execute_statement",
    "execute_transaction",
    "batch_execute_statement",
)
STREAMS_METHODS = ("describe_stream", "get_shard_iterator", "get_records")
SERIALISED: tuple[tuple[type, tuple[str, ...]], ...] = (
    (DynamoDBBackend, BACKEND_METHODS),
    (DynamoDBStreamsBackend, STREAMS_METHODS),
    (DynamoHandler, ("call_action",)),
    (DynamoDBStreamsHandler, ("call_action",)),  # one request = one step
)
_PATCHED = "__klientportal_serialised__"

LOCK = threading.RLock()


def original(owner: type, name: str) -> Callable:
    """moto's own method, patched or not."""
    method = getattr(owner, name)
    return getattr(method, "__wrapped__", method) if getattr(method, _PATCHED, False) else method


def is_patched(owner: type, name: str) -> bool:
    return bool(getattr(getattr(owner, name), _PATCHED, False))


def problems() -> list[str]:
    """What differs from the moto internals this module was written against (empty: all in place)."""
    found = []
    if moto.__version__ != MOTO_VERSION:
        found.append(f"moto {moto.__version__} installed, patch written for {MOTO_VERSION}")
    for owner, names in SERIALISED:
        found += [f"{owner.__name__}.{n} is gone" for n in names if not callable(getattr(owner, n, None))]
    if callable(getattr(DynamoDBBackend, "transact_write_items", None)):
        params = list(inspect.signature(original(DynamoDBBackend, "transact_write_items")).parameters)
        if params != ["self", "transact_items"]:
            found.append(f"DynamoDBBackend.transact_write_items{tuple(params)} changed its signature")
        if "copy.deepcopy(" not in inspect.getsource(original(DynamoDBBackend, "transact_write_items")):
            found.append("DynamoDBBackend.transact_write_items no longer backs tables up with copy.deepcopy")
    if "self.items = defaultdict(dict)" not in inspect.getsource(Table.__init__):
        found.append("Table() no longer keeps its items in self.items by hash (and range) key")
    for holder, attr in (
        (DynamoDBBackend, "self.tables"),
        (Table, "self.stream_shard"),
        (StreamShard, "self.items"),
        (StreamShard, "self.table"),
    ):
        if attr not in inspect.getsource(holder.__init__):
            found.append(f"{holder.__name__}() no longer sets {attr}")
    return found


def _serialised(method: Callable) -> Callable:
    @functools.wraps(method)
    def locked(*args: Any, **kwargs: Any) -> Any:
        with LOCK:
            return method(*args, **kwargs)

    setattr(locked, _PATCHED, True)
    return locked


def _transact_write_items(method: Callable) -> Callable:
    @functools.wraps(method)
    def transact(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
        with LOCK:
            shards = {
                name: (t.stream_shard, len(t.stream_shard.items))
                for name, t in self.tables.items()
                if t.stream_shard is not None
            }
            saved = _items_before(self, transact_items)
            try:
                return method(self, transact_items)
            except BaseException:
                _undo(saved)
                _keep_streams(self, shards)
                raise

    setattr(transact, _PATCHED, True)
    return transact


class _TablesNotCopied:
    """moto's `copy` module as its transact_write_items sees it: the backup of a table is the table
    itself (`_undo` puts back what the transaction changed); everything else is deep-copied as before."""

    @staticmethod
    def deepcopy(value: Any, memo: dict[int, Any] | None = None) -> Any:
        return value if isinstance(value, Table) else copy.deepcopy(value, memo)


Saved = list[tuple[Table, DynamoType, DynamoType | None, Item | None]]


def _items_before(backend: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> Saved:
    """Each item the transaction names, as it is now (None: absent)."""
    saved: Saved = []
    for entry in transact_items:
        op = next(iter(entry.values()), None)
        table = backend.tables.get(op.get("TableName")) if isinstance(op, dict) else None
        if table is None or not isinstance(op, dict):
            continue
        attrs = op.get("Item") or op.get("Key") or {}
        if table.hash_key_attr not in attrs or (table.range_key_attr and table.range_key_attr not in attrs):
            continue  # moto refuses it before writing anything
        hash_key = DynamoType(attrs[table.hash_key_attr])
        range_key = DynamoType(attrs[table.range_key_attr]) if table.range_key_attr else None
        saved.append((table, hash_key, range_key, copy.deepcopy(table.get_item(hash_key, range_key))))
    return saved


def _undo(saved: Saved) -> None:
    """Put every item a cancelled transaction named back as it was (latest first)."""
    for table, hash_key, range_key, before in reversed(saved):
        if range_key is None:
            if before is None:
                table.items.pop(hash_key, None)
            else:
                table.items[hash_key] = before
        elif before is None:
            table.items[hash_key].pop(range_key, None)
            if not table.items[hash_key]:
                del table.items[hash_key]
        else:
            table.items[hash_key][range_key] = before


def _keep_streams(backend: DynamoDBBackend, shards: dict[str, tuple[StreamShard, int]]) -> None:
    """After a cancelled transaction: each table keeps its own stream shard, without the records
    the rolled-back writes added (moto's restored copy would bring a copy of the shard)."""
    for name, (shard, length) in shards.items():
        table = backend.tables.get(name)
        if table is None:
            continue
        del shard.items[length:]
        shard.table = table
        table.stream_shard = shard


def install() -> None:
    """Patch moto in this process (idempotent); raises if a patched internal has moved."""
    with LOCK:
        found = problems()
        if found:
            raise RuntimeError("infra/local/moto_dynamodb.py no longer fits moto: " + "; ".join(found))
        for owner, names in SERIALISED:
            for name in names:
                if is_patched(owner, name):
                    continue
                wrap = _transact_write_items if name == "transact_write_items" else _serialised
                setattr(owner, name, wrap(getattr(owner, name)))
        vars(moto_dynamodb_models)["copy"] = _TablesNotCopied  # the module global its transactions use
