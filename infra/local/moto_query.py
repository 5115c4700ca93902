"""moto's DynamoDB Query given DynamoDB's cost: a partition read in sort-key order from its key range,
not a sort of the whole table (decision 0811).

moto (pinned, MOTO_VERSION) answers every Query on a table by `Table.all_items()` — every item of
every partition, sorted — then keeps the query's partition, sorts it again and tests the key
condition on each of its items from the first. With 55,000 items (the ledger bench at 100,000
postings) each Query takes seconds; DynamoDB keeps each partition sorted by its sort key and reads
only the key range asked for. `install()` patches moto, once per process:

- a table with a range key keeps each partition in a `SortedPartition`: moto's dict of items by range
  key, with the range keys also kept in DynamoDB's order (a sorted list beside the dict, updated when
  a key is added or removed);
- a Query on the table itself (not an index) with a key condition moto can apply to the range key
  (=, <, <=, >, >=, BETWEEN, begins_with, or none) finds the key range by bisection, starts after the
  ExclusiveStartKey the same way, and reads forward or backward until Limit or moto's 1 MB page, then
  applies the filter and projection as moto does. Results, ScannedCount and LastEvaluatedKey are
  moto's own (tests/functions/test_moto_query.py compares both on random partitions).
- a Query on an index is moto's own, except that the items it filters come unsorted from the
  partitions (`Table.all_items()` sorts the whole table first; moto then sorts the matches by the
  index's and the table's full keys, so the order is the same): still O(table), without the sort;
- anything else (legacy KeyConditions filters, a table without a range key, a partition made before
  the patch) is moto's own query, unchanged.

`problems()` names any patched internal that moved; `install()` refuses to run with one.
"""

from __future__ import annotations

import base64
import bisect
import copy
import functools
import inspect
import itertools
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from typing import Any

import moto
from moto.dynamodb.models.dynamo_type import DynamoType, Item
from moto.dynamodb.models.table import RESULT_SIZE_LIMIT, Table

MOTO_VERSION = "5.2.5"
QUERY_PARAMETERS = [
    "self",
    "hash_key",
    "range_comparison",
    "range_objs",
    "limit",
    "exclusive_start_key",
    "scan_index_forward",
    "projection_expressions",
    "index_name",
    "consistent_read",
    "filter_expression",
    "hash_key_conditions",
    "range_key_conditions",
    "filter_kwargs",
]
# where moto reads and writes a partition's items: the patch relies on these and on nothing else
SOURCES: tuple[tuple[str, str], ...] = (
    ("__init__", "self.items = defaultdict(dict)"),
    ("put_item", "self.items[hash_value][range_value] = item"),
    ("delete_item", "self.items[hash_key].pop(range_key)"),
    ("query", "self.all_items()"),
    ("query", "possible_results.sort(key=lambda item: item.range_key)"),
    ("query", "self._get_last_evaluated_key("),
    ("query", "possible_results = self.sorted_items("),
    ("all_items", "return sorted("),
)
_PATCHED = "__klientportal_sorted_query__"
_UNSORTED = threading.local()  # set while an index query runs: all_items() need not sort


def problems() -> list[str]:
    """What differs from the moto internals this module was written against (empty: all in place)."""
    found = []
    if moto.__version__ != MOTO_VERSION:
        found.append(f"moto {moto.__version__} installed, patch written for {MOTO_VERSION}")
    query = _original_query()
    params = [p for p in inspect.signature(query).parameters]
    if params != QUERY_PARAMETERS:
        found.append(f"Table.query{tuple(params)} changed its signature")
    for name, text in SOURCES:
        if text not in inspect.getsource(_unwrapped(getattr(Table, name))):
            found.append(f"Table.{name} no longer has `{text}`")
    return found


def _unwrapped(function: Callable[..., Any]) -> Callable[..., Any]:
    return getattr(function, "__wrapped__", function) if getattr(function, _PATCHED, False) else function


def _original_query() -> Callable[..., Any]:
    return _unwrapped(Table.query)


def sort_value(key: DynamoType) -> Any:
    """A range key as DynamoDB orders it: numbers by value, strings by code point (= UTF-8 bytes),
    binary by bytes."""
    if key.type == "N":
        return Decimal(key.value)
    if key.type == "B":
        return base64.b64decode(key.value) if isinstance(key.value, str) else bytes(key.value)
    return key.value


class SortedPartition(dict):  # type: ignore[type-arg]
    """One partition's items by range key (moto's dict), with the keys also in sort-key order."""

    def __init__(self, items: Iterable[tuple[DynamoType, Item]] = ()) -> None:
        super().__init__()
        self.order: list[Any] = []  # sort values, ascending
        self.keys_in_order: list[DynamoType] = []
        for key, value in items:
            self[key] = value

    def __setitem__(self, key: DynamoType, value: Item) -> None:
        if key not in self:
            value_of = sort_value(key)
            at = bisect.bisect_left(self.order, value_of)
            self.order.insert(at, value_of)
            self.keys_in_order.insert(at, key)
        super().__setitem__(key, value)

    def __delitem__(self, key: DynamoType) -> None:
        super().__delitem__(key)
        self._forget(key)

    def pop(self, key: DynamoType, *default: Any) -> Any:
        if key in self:
            value = super().pop(key)
            self._forget(key)
            return value
        if default:
            return default[0]
        raise KeyError(key)

    def popitem(self) -> tuple[DynamoType, Item]:
        key, value = super().popitem()
        self._forget(key)
        return key, value

    def setdefault(self, key: DynamoType, default: Any = None) -> Any:
        if key not in self:
            self[key] = default
        return self[key]

    def update(self, *args: Any, **kwargs: Any) -> None:
        for key, value in dict(*args, **kwargs).items():
            self[key] = value

    def clear(self) -> None:
        super().clear()
        self.order.clear()
        self.keys_in_order.clear()

    def _forget(self, key: DynamoType) -> None:
        at = bisect.bisect_left(self.order, sort_value(key))
        del self.order[at]
        del self.keys_in_order[at]

    def __deepcopy__(self, memo: dict[int, Any]) -> SortedPartition:
        return SortedPartition((copy.deepcopy(k, memo), copy.deepcopy(v, memo)) for k, v in self.items())

    def __copy__(self) -> SortedPartition:
        return SortedPartition(self.items())

    def __reduce__(self) -> tuple[Any, ...]:
        return (SortedPartition, (list(self.items()),))


def _after(text: Any) -> Any:
    """The least value above every value that starts with `text` (str or bytes), or None."""
    if isinstance(text, str) and text and ord(text[-1]) < 0x10FFFF:
        return text[:-1] + chr(ord(text[-1]) + 1)
    if isinstance(text, bytes) and text and text[-1] < 0xFF:
        return text[:-1] + bytes([text[-1] + 1])
    return None


def key_range(order: list[Any], comparison: str | None, values: list[DynamoType]) -> tuple[int, int] | None:
    """The slice of `order` the key condition selects, or None for one this module does not handle."""
    n = len(order)
    if comparison is None:
        return 0, n
    v = [sort_value(x) for x in values]
    left, right = bisect.bisect_left, bisect.bisect_right
    if comparison in ("EQ", "="):
        return left(order, v[0]), right(order, v[0])
    if comparison in ("LT", "<"):
        return 0, left(order, v[0])
    if comparison in ("LE", "<="):
        return 0, right(order, v[0])
    if comparison in ("GT", ">"):
        return right(order, v[0]), n
    if comparison in ("GE", ">="):
        return left(order, v[0]), n
    if comparison == "BETWEEN":
        lo = left(order, v[0])
        return lo, max(lo, right(order, v[1]))
    if comparison == "BEGINS_WITH" and isinstance(v[0], str | bytes):
        lo = left(order, v[0])
        upper = _after(v[0])
        if upper is not None:
            return lo, left(order, upper)
        hi = lo
        while hi < n and order[hi].startswith(v[0]):
            hi += 1
        return lo, hi
    return None


def _sorted_query(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def query(
        self: Table,
        hash_key: DynamoType | None,
        range_comparison: str | None,
        range_objs: list[DynamoType],
        limit: int,
        exclusive_start_key: dict[str, Any],
        scan_index_forward: bool,
        projection_expressions: list[list[str]] | None,
        index_name: str | None = None,
        consistent_read: bool = False,
        filter_expression: Any = None,
        hash_key_conditions: list[tuple[str, DynamoType]] | None = None,
        range_key_conditions: list[tuple[str, str, list[DynamoType]]] | None = None,
        **filter_kwargs: Any,
    ) -> tuple[list[Item], int, dict[str, Any] | None]:
        def moto_own() -> tuple[list[Item], int, dict[str, Any] | None]:
            return original(  # type: ignore[no-any-return]
                self,
                hash_key,
                range_comparison,
                range_objs,
                limit,
                exclusive_start_key,
                scan_index_forward,
                projection_expressions,
                index_name,
                consistent_read,
                filter_expression,
                hash_key_conditions=hash_key_conditions,
                range_key_conditions=range_key_conditions,
                **filter_kwargs,
            )

        if index_name and not filter_kwargs:
            _UNSORTED.on = True  # moto sorts the index's matches by their full keys itself
            try:
                return moto_own()
            finally:
                _UNSORTED.on = False
        if index_name or filter_kwargs or hash_key is None or self.range_key_attr is None:
            return moto_own()
        if range_key_conditions and len(range_key_conditions) > 1:
            return moto_own()
        partition = self.items.get(hash_key)
        if partition is None:
            return [], 0, None
        if not isinstance(partition, SortedPartition):
            return moto_own()
        try:
            found = key_range(partition.order, range_comparison, range_objs)
            start = exclusive_start_key and exclusive_start_key.get(self.range_key_attr)
            if found is not None and start:
                after = sort_value(DynamoType(start))
                lo, hi = found
                if scan_index_forward is False:
                    found = lo, max(lo, min(hi, bisect.bisect_left(partition.order, after, lo, hi)))
                else:
                    found = min(hi, max(lo, bisect.bisect_right(partition.order, after, lo, hi))), hi
        except TypeError:  # a value of another type than the key's: moto says what is wrong
            return moto_own()
        if found is None:
            return moto_own()
        lo, hi = found
        backward = scan_index_forward is False
        # moto stops at the first item of the partition past a full page, in the key range or not: the
        # next item beyond the range counts too, so LastEvaluatedKey is moto's own
        beyond = lo - 1 if backward else hi
        indexes: Iterator[int] = iter(range(hi - 1, lo - 1, -1) if backward else range(lo, hi))
        if 0 <= beyond < len(partition.order):
            indexes = itertools.chain(indexes, (beyond,))
        results: list[Item] = []
        size = 0
        last_evaluated_key = None
        for i in indexes:
            item = partition[partition.keys_in_order[i]]
            if len(results) == limit or size + item.size() > RESULT_SIZE_LIMIT:
                last_evaluated_key = self._get_last_evaluated_key(results[-1], None)
                break
            if i == beyond:
                break
            results.append(item)
            size += item.size()
        scanned = len(results)
        results = copy.deepcopy(results)
        if filter_expression is not None:
            results = [item for item in results if filter_expression.expr(item)]
        if projection_expressions:
            results = [r.project(projection_expressions) for r in results]
        return results, scanned, last_evaluated_key

    setattr(query, _PATCHED, True)
    return query


def _sorted_partitions(init: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(init)
    def table_init(self: Table, *args: Any, **kwargs: Any) -> None:
        init(self, *args, **kwargs)
        if self.range_key_attr is not None and not self.items:
            self.items = defaultdict(SortedPartition)

    setattr(table_init, _PATCHED, True)
    return table_init


def _unsorted_when_asked(all_items: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(all_items)
    def every_item(self: Table) -> list[Item]:
        if not getattr(_UNSORTED, "on", False):
            return all_items(self)  # type: ignore[no-any-return]
        if self.range_key_attr is None:
            return list(self.items.values())
        return [item for partition in self.items.values() for item in partition.values()]

    setattr(every_item, _PATCHED, True)
    return every_item


def is_installed() -> bool:
    return all(getattr(getattr(Table, name), _PATCHED, False) for name in ("query", "__init__", "all_items"))


def install() -> None:
    """Patch moto in this process (idempotent); raises if a patched internal has moved."""
    found = problems()
    if found:
        raise RuntimeError("infra/local/moto_query.py no longer fits moto: " + "; ".join(found))
    if not getattr(Table.query, _PATCHED, False):
        Table.query = _sorted_query(Table.query)  # type: ignore[method-assign]
    if not getattr(Table.__init__, _PATCHED, False):
        Table.__init__ = _sorted_partitions(Table.__init__)  # type: ignore[method-assign]
    if not getattr(Table.all_items, _PATCHED, False):
        Table.all_items = _unsorted_when_asked(Table.all_items)  # type: ignore[method-assign]
