"""Empties the emulated AWS of what was written to it while keeping its resources.

Creating the catalogue on moto (tables with indexes and streams, versioned buckets with object
lock, queues with dead-letter queues, rules, keys, secrets, state machines: about 130 calls) costs
a test a second or more; emptying what a test wrote costs milliseconds. The tests create the
resources once per worker, then before each test `inventory()` says whether the resources are
still those created (a test that made, changed or removed one forces a full reset), and `clear()`
empties them: DynamoDB items and stream records (and the Streams iterators), S3 object versions
and uploads, SQS messages (also in flight), Step Functions executions, SES's sent mail, and the
transaction tokens of moto_request_tokens. Both work on moto's internal models, as AWS has no call
that empties an object-locked bucket; `problems()` names the internal that moved, and the tests
use neither then (tests/functions/test_moto_contents.py fails loudly).
"""

from __future__ import annotations

import copy
import datetime
import functools
import inspect
import time
from collections.abc import Callable, Iterator
from typing import Any

import moto
from moto.core.base_backend import BackendDict, BaseBackend
from moto.dynamodb.models.table import StreamShard, Table
from moto.s3.models import FakeBucket
from moto.sqs.models import Queue
from moto.stepfunctions.models import StateMachine
from moto.stepfunctions.parser import utils as parser_utils
from moto.stepfunctions.parser.api import ExecutionStatus
from moto.stepfunctions.parser.backend.execution import Execution
from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker

from infra.local import moto_lambda, moto_request_tokens
from infra.local.moto_dynamodb import MOTO_VERSION

#: Per service: the attributes (of its backend or of the resources it holds) that are contents,
#: which `clear()` empties and `inventory()` leaves out.
CONTENTS: dict[str, frozenset[str]] = {
    "dynamodb": frozenset({"items"}),
    "dynamodbstreams": frozenset({"shard_iterators"}),
    "s3": frozenset({"keys", "multiparts"}),  # and the objects' tags in `tagger` (see _clear_s3)
    "sqs": frozenset({"_messages", "_pending_messages", "deleted_messages", "_messages_lock", "last_purged_at"}),
    "stepfunctions": frozenset({"executions"}),
    "ses": frozenset({"sent_messages", "sent_message_count", "rejected_messages_count"}),
}

_ATTRIBUTES: tuple[tuple[type, tuple[str, ...]], ...] = (
    (Table, ("items", "stream_shard")),
    (StreamShard, ("items",)),
    (FakeBucket, ("keys", "multiparts")),
    (Queue, ("_messages", "_pending_messages", "deleted_messages", "_messages_lock")),
    (StateMachine, ("executions",)),
    (Execution, ("exec_status", "exec_worker")),
    (ExecutionWorker, ("env",)),
)


@functools.cache
def problems() -> tuple[str, ...]:
    """What moved in moto since this module was written (empty when all is as expected)."""
    found = []
    if moto.__version__ != MOTO_VERSION:
        found.append(f"moto {moto.__version__}, written against {MOTO_VERSION}")
    if not isinstance(getattr(BackendDict, "_instances", None), list):
        found.append("BackendDict._instances (the loaded backends) is gone")
    if not isinstance(getattr(parser_utils, "TMP_THREADS", None), list):
        found.append("stepfunctions.parser.utils.TMP_THREADS (the executions' threads) is gone")
    for owner, names in _ATTRIBUTES:
        inits = [vars(cls)["__init__"] for cls in owner.__mro__ if inspect.isfunction(vars(cls).get("__init__"))]
        source = "".join(inspect.getsource(init) for init in inits)
        found += [f"{owner.__name__}.{name} is not set in __init__" for name in names if f"self.{name}" not in source]
    return tuple(found)


def _backends() -> Iterator[tuple[str, str, str, BaseBackend]]:
    """(service, account, region, backend) for every backend moto has created since its reset."""
    for backend_dict in list(BackendDict._instances):
        for account, regions in list(backend_dict.items()):
            for region, backend in list(regions.items()):
                yield backend_dict.service_name, account, region, backend


_DEPTH = 6  # backend → buses → bus → rules → rule → targets


def _value(value: Any, contents: frozenset[str], seen: set[int], depth: int) -> Any:
    """A comparable stand-in: plain values as they are, containers by their items, models by their
    attributes (contents left out; a model met before, or too deep, by its identity)."""
    if value is None or isinstance(value, str | int | float | bool | bytes | datetime.datetime | datetime.date):
        return value
    if isinstance(value, dict):
        return tuple((_value(k, contents, seen, depth), _value(v, contents, seen, depth)) for k, v in value.items())
    if isinstance(value, list | tuple):
        return tuple(_value(v, contents, seen, depth) for v in value)
    if isinstance(value, set | frozenset):
        return frozenset(_value(v, contents, seen, depth) for v in value)
    ref = (type(value).__qualname__, id(value))
    if id(value) in seen or depth >= _DEPTH or isinstance(value, type) or not hasattr(value, "__dict__"):
        return ref
    seen.add(id(value))
    attrs = tuple((k, _value(v, contents, seen, depth + 1)) for k, v in vars(value).items() if k not in contents)
    return (*ref, attrs)


def inventory() -> tuple[Any, ...]:
    """The emulated resources and their configuration, contents left out: equal before and after a
    test that only wrote and read data, different after one that created, changed or removed a
    resource (or used a service that had no backend yet)."""
    found = []
    for service, account, region, backend in _backends():
        contents = CONTENTS.get(service, frozenset())
        kept = {k: v for k, v in vars(backend).items() if k not in contents}
        if service == "s3":  # its tagger also holds every object version's tags: contents
            tags = backend.tagger.tags
            kept["tagger"] = {arn: tag for arn, tag in tags.items() if "/" not in arn.split(":::", 1)[-1]}
        if not any(isinstance(v, dict | list | set) and v for v in kept.values()):
            continue  # holds no resource: as if moto had not created it yet (it does so on first use)
        seen = {id(backend)}
        found.append((service, account, region, tuple((k, _value(v, contents, seen, 1)) for k, v in kept.items())))
    return tuple(sorted(found, key=lambda part: part[:3]))


def _clear_dynamodb(backend: Any) -> None:
    for table in backend.tables.values():
        table.items.clear()
        if table.stream_shard is not None:
            table.stream_shard.items.clear()


def _clear_streams(backend: Any) -> None:
    backend.shard_iterators.clear()


def _clear_s3(backend: Any) -> None:
    objects = tuple(f"arn:{backend.partition}:s3:::{name}/" for name in backend.buckets)
    for arn in [arn for arn in backend.tagger.tags if arn.startswith(objects)]:
        del backend.tagger.tags[arn]  # the objects' tags (a bucket's own ARN has no slash)
    for bucket in backend.buckets.values():
        for _, versions in list(bucket.keys.iterlists()):
            for version in versions:
                version.dispose()
        bucket.keys.clear()
        for upload in bucket.multiparts.values():
            upload.dispose()
        bucket.multiparts.clear()


def _clear_sqs(backend: Any) -> None:
    for queue in backend.queues.values():
        with queue._messages_lock:
            queue._messages.clear()
            queue._pending_messages.clear()
            queue.deleted_messages.clear()


def _clear_stepfunctions(backend: Any) -> None:
    for machine in backend.state_machines:
        machine.executions.clear()


def stop_executions(timeout_s: float = 10.0) -> bool:
    """Stop every running state machine execution and wait (up to `timeout_s`) until no Lambda
    task of theirs runs a handler, so that no task of a finished test writes into the next one.
    Returns whether none runs. (A stopped execution's thread may still wait for a task token or a
    heartbeat; it ends when that wait does, without running another state.)"""
    now = datetime.datetime.now(datetime.UTC)
    running = [
        execution
        for service, _, _, backend in _backends()
        if service == "stepfunctions"
        for machine in backend.state_machines
        for execution in machine.executions
        if isinstance(execution, Execution) and execution.exec_status == ExecutionStatus.RUNNING
    ]
    deadline = time.monotonic() + timeout_s
    while running:
        starting = [e for e in running if getattr(e.exec_worker, "env", None) is None]  # its thread sets it up
        for execution in running:
            if execution not in starting:
                execution.stop(stop_date=now, error="Test.Ended", cause="the test that started it ended")
        if not starting or time.monotonic() > deadline:
            break
        running = starting
        time.sleep(0.01)
    threads = parser_utils.TMP_THREADS
    threads[:] = [t for t in threads if t.is_alive()]
    return moto_lambda.wait_idle(max(0.0, deadline - time.monotonic()))


def _clear_ses(backend: Any) -> None:
    backend.sent_messages.clear()
    backend.sent_message_count = 0
    backend.rejected_messages_count = 0


_CLEAR: dict[str, Callable[[Any], None]] = {
    "dynamodb": _clear_dynamodb,
    "dynamodbstreams": _clear_streams,
    "s3": _clear_s3,
    "sqs": _clear_sqs,
    "stepfunctions": _clear_stepfunctions,
    "ses": _clear_ses,
}


Snapshot = dict[tuple[str, str, str], tuple[Any, list[Any]]]
"""Per (account, region, table): its items and its stream records."""


def snapshot() -> Snapshot:
    """A copy of what DynamoDB holds (items and stream records), for `restore`; refuses (ValueError)
    while another service holds contents, which a restore would not bring back."""
    for service, _, _, backend in _backends():
        if service == "s3" and any(b.keys or b.multiparts for b in backend.buckets.values()):
            raise ValueError("S3 holds objects")
        if service == "sqs" and any(q._messages for q in backend.queues.values()):
            raise ValueError("SQS holds messages")
        if service == "stepfunctions" and any(m.executions for m in backend.state_machines):
            raise ValueError("Step Functions holds executions")
        if service == "ses" and backend.sent_messages:
            raise ValueError("SES holds sent mail")
    return {
        (account, region, name): (
            copy.deepcopy(table.items),
            copy.deepcopy(table.stream_shard.items) if table.stream_shard is not None else [],
        )
        for service, account, region, backend in _backends()
        if service == "dynamodb"
        for name, table in backend.tables.items()
    }


def restore(saved: Snapshot) -> None:
    """Empty everything (`clear`), then put back copies of the items and stream records `saved`."""
    clear()
    for service, account, region, backend in _backends():
        if service != "dynamodb":
            continue
        for name, table in backend.tables.items():
            items, records = saved.get((account, region, name), (None, []))
            if items:
                table.items.update(copy.deepcopy(items))
            if records and table.stream_shard is not None:
                table.stream_shard.items.extend(copy.deepcopy(records))


def clear() -> None:
    """Empty every resource of what was written to it; the resources stay as they are."""
    stop_executions()
    for service, _, _, backend in _backends():
        empty = _CLEAR.get(service)
        if empty is not None:
            empty(backend)
    moto_request_tokens.forget()
