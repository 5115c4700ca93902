"""What invokes the functions besides HTTP: queues, the table stream, schedules and domain event rules.

Each trigger kind of the catalogue is one method here, called for every function; a new kind
(an SES receipt rule, an S3 notification, a state machine task) is one more method and nothing else.
"""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from functions import catalogue as cat
from infra.api import Api
from infra.data import Data
from infra.messaging import Messaging
from infra.spec import Spec, pascal

SCHEDULE_RETRY_ATTEMPTS = 2
SCHEDULE_MAX_EVENT_AGE = Duration.hours(2)
EVENT_RULE_RETRY_ATTEMPTS = 8  # EventBridge → SQS: retries with backoff before the target's DLQ
EVENT_RULE_MAX_EVENT_AGE = Duration.hours(24)


class Triggers(Construct):
    """Event sources and rules for every catalogue function; `stream_consumers` for the alarms."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        spec: Spec,
        api: Api,
        data: Data,
        messaging: Messaging,
    ):
        super().__init__(scope, construct_id)
        self._spec = spec
        self._data = data
        self._messaging = messaging
        self._schedule_dlq: sqs.Queue | None = None
        self.stream_consumers: list[lambda_.Function] = []
        for fn in spec.functions:
            function = api.functions[fn.name]
            self._queue_triggers(fn, function)
            self._table_stream(fn, function)
            self._schedules(fn, function)
        self.event_rules: dict[str, events.Rule] = {}
        for rule in spec.event_rules:
            self.event_rules[rule.name] = self._event_rule(rule)

    def _queue_triggers(self, fn: cat.Function, function: lambda_.Function) -> None:
        for trigger in fn.queues:
            queue = self._messaging.queues[trigger.queue]
            entry = next(q for q in self._spec.queues if q.name == trigger.queue)
            if entry.visibility_timeout_s < fn.timeout_s:
                raise ValueError(f"queue {entry.name}: visibility timeout below {fn.name}'s timeout")
            function.add_event_source(
                sources.SqsEventSource(queue, batch_size=trigger.batch_size, report_batch_item_failures=True)
            )

    def _table_stream(self, fn: cat.Function, function: lambda_.Function) -> None:
        if not fn.table_stream:
            return
        table = self._data.tables[self._spec.stream_table.name]
        failures = self._messaging.failure_destination(pascal(cat.stream_failure_queue(fn)))
        mapping = cat.STREAM_MAPPING
        function.add_event_source(
            sources.DynamoEventSource(
                table,
                starting_position=lambda_.StartingPosition.TRIM_HORIZON,
                batch_size=mapping.batch_size,
                bisect_batch_on_error=mapping.bisect_on_error,
                retry_attempts=mapping.retry_attempts,
                max_record_age=Duration.seconds(mapping.max_record_age_s),
                report_batch_item_failures=True,
                on_failure=sources.SqsDlq(failures),
            )
        )
        self.stream_consumers.append(function)

    def _schedules(self, fn: cat.Function, function: lambda_.Function) -> None:
        for schedule in fn.schedules:
            events.Rule(
                self,
                f"{pascal(fn.name)}{pascal(schedule.name)}Schedule",
                description=f"{fn.name}: {schedule.name}",
                schedule=events.Schedule.expression(schedule.expression),
                targets=[
                    targets.LambdaFunction(
                        function,
                        event=events.RuleTargetInput.from_object(dict(schedule.payload)),
                        dead_letter_queue=self._schedule_failures(),
                        retry_attempts=SCHEDULE_RETRY_ATTEMPTS,
                        max_event_age=SCHEDULE_MAX_EVENT_AGE,
                    )
                ],
            )

    def _event_rule(self, rule: cat.EventRule) -> events.Rule:
        """Domain bus → the rule's catalogue queue; the SqsQueue target adds the queue policy
        (events.amazonaws.com may send, from this rule only) and the DLQ's policy."""
        if rule.queue not in self._messaging.queues:
            raise ValueError(f"event rule {rule.name}: no catalogue queue {rule.queue!r}")
        pattern = rule.event_pattern
        return events.Rule(
            self,
            f"{pascal(rule.name)}EventRule",
            description=f"domain events → queue {rule.queue}",
            event_bus=self._data.bus,
            event_pattern=events.EventPattern(source=pattern["source"], detail_type=pattern.get("detail-type")),
            targets=[
                targets.SqsQueue(
                    self._messaging.queues[rule.queue],
                    dead_letter_queue=self._messaging.failure_destination(f"{pascal(rule.name)}RuleFailures"),
                    retry_attempts=EVENT_RULE_RETRY_ATTEMPTS,
                    max_event_age=EVENT_RULE_MAX_EVENT_AGE,
                )
            ],
        )

    def _schedule_failures(self) -> sqs.Queue:
        """One DLQ for every schedule target, created with the first schedule."""
        if self._schedule_dlq is None:
            self._schedule_dlq = self._messaging.failure_destination("ScheduleFailures")
        return self._schedule_dlq
