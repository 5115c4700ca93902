"""Event wiring moto does not do: the table stream and the queues are drained here into the same
handlers with the same event shapes and failure handling Lambda's event source mappings have."""

from __future__ import annotations

import threading

from functions import catalogue
from infra.local.invoker import Invoker
from infra.local.stream_pump import StreamPump, pump_logger
from klientportal import aws


class QueuePump:
    """Receives from each catalogue queue and calls its consumer with an SQS event, as Lambda's SQS
    event source mapping does: deletes what succeeded; a reported failure, an invalid report or a
    raising function leaves the message(s) to reappear after the visibility timeout, and the queue's
    redrive policy moves a message to its DLQ after maxReceiveCount receives."""

    def __init__(self, invoker: Invoker, queue_env: dict[str, str]) -> None:
        self.invoker = invoker
        self.bindings = [
            (fn, t, queue_env[catalogue.env_var(f"queue:{t.queue}")]) for fn in catalogue.FUNCTIONS for t in fn.queues
        ]
        self.log = pump_logger()

    def drain(self) -> int:
        """One receive per queue; returns how many messages their consumers took."""
        sqs = aws.client("sqs")
        delivered = 0
        for fn, trigger, name in self.bindings:
            url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
            arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
            msgs = sqs.receive_message(
                QueueUrl=url,
                MaxNumberOfMessages=min(trigger.batch_size, 10),
                AttributeNames=["All"],
                MessageAttributeNames=["All"],
            ).get("Messages", [])
            if not msgs:
                continue
            event = {
                "Records": [
                    {
                        "messageId": m["MessageId"],
                        "receiptHandle": m["ReceiptHandle"],
                        "body": m["Body"],
                        "attributes": m.get("Attributes", {}),
                        "messageAttributes": m.get("MessageAttributes", {}),
                        "md5OfBody": m["MD5OfBody"],
                        "eventSource": "aws:sqs",
                        "eventSourceARN": arn,
                        "awsRegion": sqs.meta.region_name,
                    }
                    for m in msgs
                ]
            }
            failed = self._failed(fn, event, {m["MessageId"] for m in msgs})
            done = [m for m in msgs if m["MessageId"] not in failed]
            for m in done:
                sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
            self.log.info(
                "queue batch delivered",
                extra={
                    "function": fn.name,
                    "queue": name,
                    "count": len(msgs),
                    "succeeded": len(done),
                    "failed": len(failed),
                },
            )
            delivered += len(done)
        return delivered

    def _failed(self, fn: catalogue.Function, event: dict, ids: set[str]) -> set[str]:
        """The message ids to leave on the queue."""
        try:
            result = self.invoker.invoke(fn, event)
        except Exception:
            self.log.exception("queue consumer failed", extra={"function": fn.name, "count": len(ids)})
            return ids
        reported = (result.get("batchItemFailures") or []) if isinstance(result, dict) else []
        failed = {f.get("itemIdentifier") if isinstance(f, dict) else None for f in reported}
        if not failed <= ids:  # Lambda takes an invalid report as the whole batch failing
            self.log.error(
                "queue consumer reported unknown ids",
                extra={"function": fn.name, "ids": sorted(map(str, failed - ids))},
            )
            return ids
        if failed:
            self.log.warning("queue consumer reported failures", extra={"function": fn.name, "count": len(failed)})
        return failed


class Pumps:
    """Runs the stream and queue pumps in one background thread until stopped."""

    def __init__(self, invoker: Invoker, queue_env: dict[str, str], interval_s: float = 0.5) -> None:
        self.stream = StreamPump(invoker, queue_env)
        self.queues = QueuePump(invoker, queue_env)
        self.interval_s = interval_s
        self.log = pump_logger()
        self._draining = threading.Lock()  # the background loop and /_local/events: one drain at a time
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="pumps", daemon=True)

    def drain(self, *, wait: bool = True) -> int:
        """Deliver everything pending now (tests and the runner's on-demand endpoint use this).
        With `wait=False` it returns 0 at once while another drain runs (the background loop is
        delivering already; a request must not wait minutes behind a backlog)."""
        if not self._draining.acquire(blocking=wait):
            return 0
        total = 0
        try:
            while True:
                n = self.stream.drain() + self.queues.drain()
                total += n
                if n == 0:
                    return total
        finally:
            self._draining.release()

    def _loop(self) -> None:
        while not self._stop.wait(self.interval_s):
            try:
                self.drain()
            except Exception:
                self.log.exception("pump failed; retrying")

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
