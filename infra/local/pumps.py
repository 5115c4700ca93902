"""Event wiring moto does not do: the table stream and the queues are drained here into the same
handlers with the same event shapes and failure handling Lambda's event source mappings have."""

from __future__ import annotations

import threading
from typing import Any

from functions import catalogue
from infra.local.invoker import Invoker
from infra.local.stream_pump import StreamPump, pump_logger
from klientportal import aws


class QueuePump:
    """Receives from each catalogue queue and calls its consumer with an SQS event, as Lambda's SQS
    event source mapping does: deletes what succeeded; a reported failure, an invalid report or a
    raising function leaves the message(s) to reappear after the visibility timeout, and the queue's
    redrive policy moves a message to its DLQ after maxReceiveCount receives. A set `stopping` event
    ends a drain before the next receive: what was not received stays on its queue."""

    def __init__(self, invoker: Invoker, queue_env: dict[str, str], stopping: threading.Event | None = None) -> None:
        self.invoker = invoker
        self.bindings = [
            (fn, t, queue_env[catalogue.env_var(f"queue:{t.queue}")]) for fn in catalogue.FUNCTIONS for t in fn.queues
        ]
        self.stopping = stopping or threading.Event()
        self.log = pump_logger()
        self._addresses: dict[str, tuple[str, str]] = {}  # queue name → (url, arn); a queue never moves

    def _address(self, sqs: Any, name: str) -> tuple[str, str]:
        if name not in self._addresses:
            url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
            arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
            self._addresses[name] = (url, arn)
        return self._addresses[name]

    def drain(self) -> int:
        """One receive per queue; returns how many messages their consumers took."""
        sqs = aws.client("sqs")
        delivered = 0
        for fn, trigger, name in self.bindings:
            if self.stopping.is_set():
                break
            url, arn = self._address(sqs, name)
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
    """Runs the stream and queue pumps in one background thread until stopped. Stopping ends the
    loop after the invocation in flight (a backlog is not drained first): the rest stays in the
    stream after its checkpoints and on its queues."""

    def __init__(self, invoker: Invoker, queue_env: dict[str, str], interval_s: float = 0.5) -> None:
        self._stop = threading.Event()
        self.stream = StreamPump(invoker, queue_env, self._stop)
        self.queues = QueuePump(invoker, queue_env, self._stop)
        self.interval_s = interval_s
        self.log = pump_logger()
        self._draining = threading.Lock()  # the background loop and /_local/events: one drain at a time
        self._thread = threading.Thread(target=self._loop, name="pumps", daemon=True)

    def drain(self, *, wait: bool = True) -> int:
        """Deliver everything pending now (tests and the runner's on-demand endpoint use this).
        With `wait=False` it returns 0 at once while another drain runs (the background loop is
        delivering already; a request must not wait minutes behind a backlog)."""
        if not self._draining.acquire(blocking=wait):
            return 0
        total = 0
        try:
            while not self._stop.is_set():
                n = self.stream.drain() + self.queues.drain()
                total += n
                if n == 0:
                    break
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

    def request_stop(self) -> None:
        """Let the loop end after the invocation in flight; returns at once."""
        self._stop.set()

    def stop(self, timeout_s: float = 5.0) -> bool:
        """Stop the loop and wait for it up to `timeout_s`; False if an invocation still runs then
        (the thread is a daemon: it does not hold up the process's exit)."""
        self.request_stop()
        if self._thread.is_alive():
            self._thread.join(timeout=timeout_s)
        if self._thread.is_alive():
            self.log.warning("pump still in an invocation at stop; leaving it", extra={"waited_s": timeout_s})
            return False
        return True
