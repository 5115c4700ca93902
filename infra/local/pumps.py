"""Event wiring moto does not do: the table stream and the queues are drained here into the same
handlers with the same event shapes Lambda's event source mappings would deliver."""
from __future__ import annotations

import threading
from typing import Any

from functions import catalogue
from infra.local.invoker import Invoker
from klientportal import aws
from klientportal.observability import logger
from klientportal.settings import settings


class StreamPump:
    """Polls the main table's stream (every shard) and calls the stream consumer with batches."""

    def __init__(self, invoker: Invoker) -> None:
        self.invoker = invoker
        self.consumers = [fn for fn in catalogue.FUNCTIONS if fn.table_stream]
        self._iterators: dict[str, str] = {}
        self._arn: str | None = None

    def _stream_arn(self) -> str:
        if self._arn is None:
            self._arn = aws.client("dynamodb").describe_table(TableName=settings().main_table)["Table"]["LatestStreamArn"]
        return self._arn

    def drain(self) -> int:
        streams = aws.client("dynamodbstreams")
        arn = self._stream_arn()
        delivered = 0
        for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"].get("Shards", []):
            sid = shard["ShardId"]
            if sid not in self._iterators:
                self._iterators[sid] = streams.get_shard_iterator(
                    StreamArn=arn, ShardId=sid, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
            while True:
                resp = streams.get_records(ShardIterator=self._iterators[sid], Limit=100)
                self._iterators[sid] = resp.get("NextShardIterator") or self._iterators[sid]
                records = resp.get("Records", [])
                if not records:
                    break
                event = {"Records": [{**r, "eventSourceARN": arn} for r in records]}
                for fn in self.consumers:
                    self._deliver(fn, event)
                delivered += len(records)
        return delivered

    def _deliver(self, fn: catalogue.Function, event: dict) -> None:
        result: Any = self.invoker.invoke(fn, event)
        failures = (result or {}).get("batchItemFailures") or []
        if failures:
            logger.warning("stream consumer reported failures", extra={"function": fn.name, "count": len(failures)})


class QueuePump:
    """Receives from each catalogue queue and calls its consumer with an SQS event; deletes what
    succeeded, leaves failures for redelivery (and, after maxReceiveCount, the DLQ)."""

    def __init__(self, invoker: Invoker, queue_env: dict[str, str]) -> None:
        self.invoker = invoker
        self.bindings = [(fn, t, queue_env[catalogue.env_var(f"queue:{t.queue}")])
                         for fn in catalogue.FUNCTIONS for t in fn.queues]

    def drain(self) -> int:
        sqs = aws.client("sqs")
        delivered = 0
        for fn, trigger, name in self.bindings:
            url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
            arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
            msgs = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=min(trigger.batch_size, 10),
                                       AttributeNames=["All"], MessageAttributeNames=["All"]).get("Messages", [])
            if not msgs:
                continue
            event = {"Records": [{
                "messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"],
                "attributes": m.get("Attributes", {}), "messageAttributes": m.get("MessageAttributes", {}),
                "md5OfBody": m["MD5OfBody"], "eventSource": "aws:sqs", "eventSourceARN": arn,
                "awsRegion": sqs.meta.region_name,
            } for m in msgs]}
            result = self.invoker.invoke(fn, event) or {}
            failed = {f["itemIdentifier"] for f in result.get("batchItemFailures", [])}
            for m in msgs:
                if m["MessageId"] not in failed:
                    sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
            delivered += len(msgs)
        return delivered


class Pumps:
    """Runs the stream and queue pumps in one background thread until stopped."""

    def __init__(self, invoker: Invoker, queue_env: dict[str, str], interval_s: float = 0.5) -> None:
        self.stream = StreamPump(invoker)
        self.queues = QueuePump(invoker, queue_env)
        self.interval_s = interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="pumps", daemon=True)

    def drain(self) -> int:
        """Deliver everything pending now (tests and the runner's on-demand endpoint use this)."""
        total = 0
        while True:
            n = self.stream.drain() + self.queues.drain()
            total += n
            if n == 0:
                return total

    def _loop(self) -> None:
        while not self._stop.wait(self.interval_s):
            try:
                self.drain()
            except Exception:
                logger.exception("pump failed; retrying")

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
