"""The table stream → its consumer functions, as Lambda's DynamoDB event source mapping does it
(functions/catalogue.py: StreamMapping): per consumer a checkpoint per shard, batches in stream
order, bounded retries with bisection, then the failed batch's pointers to the consumer's on-failure
queue. Nothing is skipped without a trace, nothing delivered is delivered again by the pump.

A set `stopping` event ends a drain between two invocations: what is not yet delivered stays after
the checkpoint, as a stopped event source mapping leaves it in the stream."""

from __future__ import annotations

import json
import os
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from aws_lambda_powertools import Logger

from functions import catalogue
from infra.local.invoker import Invoker
from klientportal import aws
from klientportal.clock import iso, now
from klientportal.settings import settings


def pump_logger() -> Logger:
    """The pumps' own logger, at this run's level (the handlers' logger carries the Lambda context
    keys of their last invocation, which would stick to the pumps' lines)."""
    log = Logger(service="klientportal-local-pumps")
    log.setLevel(os.environ.get("POWERTOOLS_LOG_LEVEL", "WARNING"))
    return log


@dataclass(frozen=True)
class Checkpoint:
    """The last record of a shard that is done (delivered, or sent to the on-failure queue)."""

    sequence: str
    event_id: str


@dataclass(frozen=True)
class _Outcome:
    failed_at: int | None  # index of the first record to process again; None: the batch is done
    raised: str | None = None  # the function's error, if it raised (only then is a batch bisected)
    reported: str | None = None  # what was wrong otherwise


def _seq(record: dict) -> str:
    return record["dynamodb"]["SequenceNumber"]


class StreamConsumer:
    """One function's event source mapping on the table stream."""

    def __init__(
        self,
        invoker: Invoker,
        fn: catalogue.Function,
        failure_queue_url: str,
        mapping: catalogue.StreamMapping = catalogue.STREAM_MAPPING,
        stopping: threading.Event | None = None,
    ) -> None:
        self.invoker, self.fn, self.failure_queue_url, self.mapping = invoker, fn, failure_queue_url, mapping
        self.stopping = stopping or threading.Event()
        self.checkpoints: dict[str, Checkpoint] = {}
        self.finished: set[str] = set()  # closed shards read to their end
        self.log = pump_logger()
        self.function_arn = (
            f"arn:aws:lambda:{aws.client('sqs').meta.region_name}:000000000000:function:klientportal-{fn.name}"
        )

    def drain(self, arn: str, shards: list[dict]) -> int:
        """Process every shard from its checkpoint (a child only after its parent); returns how
        many records the function took."""
        listed = {s["ShardId"] for s in shards}
        taken = 0
        for shard in shards:
            if self.stopping.is_set():
                break
            sid, parent = shard["ShardId"], shard.get("ParentShardId")
            if sid in self.finished or (parent in listed and parent not in self.finished):
                continue
            taken += self._drain_shard(arn, sid)
        return taken

    def _drain_shard(self, arn: str, sid: str) -> int:
        streams = aws.client("dynamodbstreams")
        iterator, expected = self._resume(streams, arn, sid)
        taken = 0
        while iterator and not self.stopping.is_set():
            resp = streams.get_records(ShardIterator=iterator, Limit=self.mapping.batch_size)
            got = resp.get("Records", [])
            records = self._after_checkpoint(sid, got, expected)
            expected = None
            if records:
                taken += self._process(arn, sid, records)
            iterator = resp.get("NextShardIterator")
            if not got:
                if iterator is None:
                    self.finished.add(sid)
                break
        return taken

    def _resume(self, streams: Any, arn: str, sid: str) -> tuple[str, Checkpoint | None]:
        """A fresh iterator at the checkpoint (iterators expire; a shard can be replaced)."""
        done = self.checkpoints.get(sid)
        if done is not None:
            try:
                return streams.get_shard_iterator(
                    StreamArn=arn, ShardId=sid, ShardIteratorType="AT_SEQUENCE_NUMBER", SequenceNumber=done.sequence
                )["ShardIterator"], done
            except streams.exceptions.TrimmedDataAccessException:
                self.log.error(
                    "stream checkpoint trimmed: resuming at the oldest record",
                    extra={"function": self.fn.name, "shard": sid, "checkpoint": done.sequence},
                )
        return streams.get_shard_iterator(StreamArn=arn, ShardId=sid, ShardIteratorType="TRIM_HORIZON")[
            "ShardIterator"
        ], None

    def _after_checkpoint(self, sid: str, records: list[dict], expected: Checkpoint | None) -> list[dict]:
        """Drop the checkpoint record itself; if another record sits at its sequence number the
        shard was replaced under the same id: say so and deliver from there (never skip)."""
        if expected is None or not records:
            return records
        if records[0]["eventID"] == expected.event_id:
            return records[1:]
        self.log.error(
            "stream shard replaced under the same id: delivering its records from the checkpoint",
            extra={"function": self.fn.name, "shard": sid, "checkpoint": expected.sequence},
        )
        return records

    def _batch_fields(self, sid: str, batch: list[dict], **more: object) -> dict[str, object]:
        """What a log line about one batch of a shard says."""
        return {
            "function": self.fn.name,
            "shard": sid,
            "first": _seq(batch[0]),
            "last": _seq(batch[-1]),
            "count": len(batch),
            **more,
        }

    def _process(self, arn: str, sid: str, records: list[dict]) -> int:
        # a record's age is real time, as Lambda's mapping measures it: the local clock override
        # (KP_CLOCK, /_local/clock) moves the business date, not moto's record timestamps
        cutoff = datetime.now(UTC) - timedelta(seconds=self.mapping.max_record_age_s)
        expired = 0
        while expired < len(records) and _created(records[expired]) < cutoff:
            expired += 1
        if expired:
            self._to_failure_queue(arn, sid, records[:expired], "RecordAgeExceeded", 0, "older than the maximum age")
        return self._deliver(arn, sid, records[expired:])

    def _deliver(self, arn: str, sid: str, batch: list[dict]) -> int:
        """Invoke until the batch is done: a raising batch is bisected, a reported failure retried
        from that record, at most `retry_attempts` times; then the rest goes to the failure queue."""
        taken, invocations = 0, 0
        while batch and not self.stopping.is_set():  # stopping: the rest stays after the checkpoint
            outcome = self._invoke(arn, batch)
            invocations += 1
            if outcome.failed_at is None:
                self._done(sid, batch[-1])
                self.log.info(
                    "stream batch delivered",
                    extra=self._batch_fields(sid, batch, invocations=invocations),
                )
                return taken + len(batch)
            if outcome.failed_at:
                self._done(sid, batch[outcome.failed_at - 1])
                taken += outcome.failed_at
                batch = batch[outcome.failed_at :]
            if outcome.raised and self.mapping.bisect_on_error and len(batch) > 1:
                half = len(batch) // 2
                self.log.warning(
                    "stream batch failed: bisecting",
                    extra={"function": self.fn.name, "shard": sid, "count": len(batch), "error": outcome.raised},
                )
                return taken + self._deliver(arn, sid, batch[:half]) + self._deliver(arn, sid, batch[half:])
            reason = outcome.raised or outcome.reported or "failed"
            if invocations > self.mapping.retry_attempts:
                self._to_failure_queue(arn, sid, batch, "RetryAttemptsExhausted", invocations, reason)
                return taken
            self.log.warning(
                "stream batch failed: retrying",
                extra=self._batch_fields(sid, batch, attempt=invocations, error=reason),
            )
        return taken

    def _invoke(self, arn: str, batch: list[dict]) -> _Outcome:
        event = {"Records": [{**r, "eventSourceARN": arn} for r in batch]}
        try:
            result = self.invoker.invoke(self.fn, event)
        except Exception as exc:
            return _Outcome(0, raised=f"{type(exc).__name__}: {exc}")
        failures = (result.get("batchItemFailures") or []) if isinstance(result, dict) else []
        if not failures:
            return _Outcome(None)
        sequences = [_seq(r) for r in batch]
        ids = [f.get("itemIdentifier") if isinstance(f, dict) else None for f in failures]
        if not all(i in sequences for i in ids):  # Lambda takes an invalid report as the whole batch failing
            return _Outcome(0, reported=f"invalid batchItemFailures {ids[:3]}")
        return _Outcome(min(sequences.index(i) for i in ids), reported=f"{len(ids)} record(s) reported failed")

    def _done(self, sid: str, record: dict) -> None:
        self.checkpoints[sid] = Checkpoint(_seq(record), record["eventID"])

    def _to_failure_queue(
        self, arn: str, sid: str, batch: list[dict], condition: str, invocations: int, reason: str
    ) -> None:
        """Lambda's on-failure record for a stream batch: where the records are, not the records."""
        body = {
            "requestContext": {
                "requestId": str(uuid.uuid4()),
                "functionArn": self.function_arn,
                "condition": condition,
                "approximateInvokeCount": invocations,
            },
            "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
            "version": "1.0",
            "timestamp": iso(now()),
            "DDBStreamBatchInfo": {
                "shardId": sid,
                "startSequenceNumber": _seq(batch[0]),
                "endSequenceNumber": _seq(batch[-1]),
                "approximateArrivalOfFirstRecord": iso(_created(batch[0])),
                "approximateArrivalOfLastRecord": iso(_created(batch[-1])),
                "batchSize": len(batch),
                "streamArn": arn,
            },
        }
        aws.client("sqs").send_message(QueueUrl=self.failure_queue_url, MessageBody=json.dumps(body))
        self._done(sid, batch[-1])
        self.log.error(
            "stream records sent to the on-failure queue",
            extra=self._batch_fields(sid, batch, condition=condition, error=reason),
        )


def _created(record: dict) -> datetime:
    at = record["dynamodb"]["ApproximateCreationDateTime"]
    if not isinstance(at, datetime):
        at = datetime.fromtimestamp(float(at), UTC)
    return at if at.tzinfo else at.replace(tzinfo=UTC)


class StreamPump:
    """Re-describes the main table's stream on every drain and lets each stream consumer of the
    catalogue process every shard from its own checkpoint."""

    def __init__(self, invoker: Invoker, queue_env: dict[str, str], stopping: threading.Event | None = None) -> None:
        sqs = aws.client("sqs")
        self.stopping = stopping or threading.Event()
        self.consumers = [
            StreamConsumer(
                invoker,
                fn,
                sqs.get_queue_url(
                    QueueName=queue_env[catalogue.env_var(f"queue:{catalogue.stream_failure_queue(fn)}")]
                )["QueueUrl"],
                stopping=self.stopping,
            )
            for fn in catalogue.FUNCTIONS
            if fn.table_stream
        ]

    def drain(self) -> int:
        streams = aws.client("dynamodbstreams")
        arn = aws.client("dynamodb").describe_table(TableName=settings().main_table)["Table"]["LatestStreamArn"]
        shards, start = [], None
        while True:
            page = streams.describe_stream(StreamArn=arn, **({"ExclusiveStartShardId": start} if start else {}))
            shards += page["StreamDescription"].get("Shards", [])
            start = page["StreamDescription"].get("LastEvaluatedShardId")
            if not start:
                break
        return sum(consumer.drain(arn, shards) for consumer in self.consumers if not self.stopping.is_set())
