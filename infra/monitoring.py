"""Alarms: function errors and throttles, messages in any DLQ, and the stream consumers' lag.

A nested stack of its own (decision 0030): two alarms per function would otherwise grow the parent
stack towards CloudFormation's 500 resources. The parent passes the functions' and queues' names as
parameters; nothing in the parent refers to the alarms or the topic.
"""

from __future__ import annotations

from aws_cdk import Duration, NestedStack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.spec import pascal

PERIOD = Duration.minutes(5)
MAX_ITERATOR_AGE = Duration.minutes(5)


class Monitoring(NestedStack):
    """Every alarm notifies the `topic` (e-mail from context klientportal:alarmEmail, if set)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        functions: dict[str, lambda_.Function],
        dead_letter_queues: list[sqs.IQueue],
        stream_consumers: list[lambda_.Function],
        alarm_email: str,
    ):
        super().__init__(scope, construct_id, description="Klientportal: alarms and their topic")
        self.topic = sns.Topic(self, "AlarmTopic", display_name="Klientportal alarms", enforce_ssl=True)
        if alarm_email:
            self.topic.add_subscription(subscriptions.EmailSubscription(alarm_email))
        self.alarms: list[cloudwatch.Alarm] = []
        for name, function in functions.items():
            base = pascal(name)
            self._alarm(f"{base}Errors", f"{name} errors", function.metric_errors(period=PERIOD), 1)
            self._alarm(f"{base}Throttles", f"{name} throttles", function.metric_throttles(period=PERIOD), 1)
        for queue in dead_letter_queues:
            metric = queue.metric_approximate_number_of_messages_visible(period=PERIOD, statistic="Maximum")
            self._alarm(f"{queue.node.id}Messages", f"messages in {queue.node.id}", metric, 1)
        for function in stream_consumers:
            metric = function.metric("IteratorAge", period=PERIOD, statistic="Maximum")
            self._alarm(
                f"{function.node.id}IteratorAge",
                f"{function.node.id} behind its stream",
                metric,
                MAX_ITERATOR_AGE.to_milliseconds(),
            )

    def _alarm(self, construct_id: str, description: str, metric: cloudwatch.IMetric, threshold: float) -> None:
        alarm = metric.create_alarm(
            self,
            construct_id,
            alarm_description=f"Klientportal: {description}",
            threshold=threshold,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        alarm.add_alarm_action(actions.SnsAction(self.topic))
        self.alarms.append(alarm)
