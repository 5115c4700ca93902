"""SQS queues of the catalogue, each with its dead-letter queue."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from functions import catalogue as cat
from infra.bindings import Binding, Bindings
from infra.spec import Spec, pascal

DLQ_RETENTION = Duration.days(14)


def secure_queue(scope: Construct, construct_id: str, **props) -> sqs.Queue:
    """An SQS queue with SQS-managed encryption and TLS-only access: every queue of the stack."""
    return sqs.Queue(
        scope,
        construct_id,
        encryption=sqs.QueueEncryption.SQS_MANAGED,
        enforce_ssl=True,
        **props,
    )


class Messaging(Construct):
    """The catalogue's queues; `dead_letter_queues` collects every DLQ for the alarms.

    `failure_destinations` are the DLQs that receive failed events directly (stream on-failure,
    rule target DLQ) rather than through an SQS redrive policy.
    """

    def __init__(self, scope: Construct, construct_id: str, *, spec: Spec, bindings: Bindings):
        super().__init__(scope, construct_id)
        self.dead_letter_queues: list[sqs.Queue] = []
        self.failure_destinations: list[sqs.Queue] = []
        self.queues = {q.name: self._queue(q) for q in spec.queues}
        for name, queue in self.queues.items():
            bindings[f"queue:{name}"] = Binding(queue.queue_url, _queue_grant(queue))

    def failure_destination(self, construct_id: str) -> sqs.Queue:
        """A new DLQ for failed stream records or rule targets, registered for the alarms."""
        queue = self._dead_letter_queue(construct_id)
        self.failure_destinations.append(queue)
        return queue

    def _dead_letter_queue(self, construct_id: str) -> sqs.Queue:
        queue = secure_queue(self, construct_id, retention_period=DLQ_RETENTION)
        self.dead_letter_queues.append(queue)
        return queue

    def _queue(self, queue: cat.Queue) -> sqs.Queue:
        base = pascal(queue.name)
        return secure_queue(
            self,
            f"{base}Queue",
            visibility_timeout=Duration.seconds(queue.visibility_timeout_s),
            dead_letter_queue=sqs.DeadLetterQueue(
                queue=self._dead_letter_queue(f"{base}DeadLetterQueue"),
                max_receive_count=queue.max_receive_count,
            ),
        )


def _queue_grant(queue: sqs.Queue):
    def grant(grantee: iam.IGrantable, write: bool) -> None:
        (queue.grant_send_messages if write else queue.grant_consume_messages)(grantee)

    return grant
