"""Alarms on every function's errors and throttles, every DLQ and the stream consumers' lag."""

from __future__ import annotations


def _alarms(synthesised) -> list[dict]:
    return [a["Properties"] for a in synthesised.resources("AWS::CloudWatch::Alarm").values()]


def _count(alarms: list[dict], metric: str) -> int:
    return sum(a["MetricName"] == metric for a in alarms)


def test_errors_and_throttles_per_function(any_stack):
    alarms = _alarms(any_stack)
    assert _count(alarms, "Errors") == len(any_stack.stack.spec.functions)
    assert _count(alarms, "Throttles") == len(any_stack.stack.spec.functions)


def test_every_dead_letter_queue_alarms_on_its_first_message(any_stack):
    alarms = [a for a in _alarms(any_stack) if a["MetricName"] == "ApproximateNumberOfMessagesVisible"]
    dlq_ids = {any_stack.logical_id(q) for q in any_stack.stack.messaging.dead_letter_queues}
    alarmed = {a["Dimensions"][0]["Value"]["Fn::GetAtt"][0] for a in alarms}
    assert alarmed == dlq_ids
    assert all(a["Threshold"] == 1 and a["ComparisonOperator"] == "GreaterThanOrEqualToThreshold" for a in alarms)


def test_stream_consumers_alarm_on_iterator_age(any_stack):
    consumers = sum(fn.table_stream for fn in any_stack.stack.spec.functions)
    assert _count(_alarms(any_stack), "IteratorAge") == consumers


def test_every_alarm_notifies_the_topic(any_stack):
    topic_id = any_stack.logical_id(any_stack.stack.monitoring.topic)
    assert all(a["AlarmActions"] == [{"Ref": topic_id}] for a in _alarms(any_stack))


def test_dead_letter_queues_of_the_extended_stack(extended_stack):
    # inbound-mail's redrive DLQ, the stream failures, the schedule failures and the catalogue queues' DLQs,
    # plus one target DLQ per event rule
    spec = extended_stack.stack.spec
    assert len(extended_stack.stack.messaging.dead_letter_queues) == 3 + len(spec.queues) - 1 + len(spec.event_rules)
