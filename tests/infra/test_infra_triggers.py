"""Queues with DLQs, the table stream consumer and schedules, built generically from the spec."""

from __future__ import annotations

from aws_cdk.assertions import Match

from functions import catalogue as cat
from infra.spec import pascal
from tests.infra.helpers import functions_by_handler, ref_target


def _mappings(synthesised) -> list[dict]:
    return [m["Properties"] for m in synthesised.resources("AWS::Lambda::EventSourceMapping").values()]


def test_every_catalogue_queue_has_a_dead_letter_queue(extended_stack):
    messaging = extended_stack.stack.messaging
    for entry in extended_stack.stack.spec.queues:
        queue = extended_stack.template["Resources"][extended_stack.logical_id(messaging.queues[entry.name])]
        props = queue["Properties"]
        assert props["RedrivePolicy"]["maxReceiveCount"] == entry.max_receive_count
        assert props["VisibilityTimeout"] == entry.visibility_timeout_s
        assert props["SqsManagedSseEnabled"] is True


def test_queue_trigger_reports_batch_item_failures(extended_stack):
    by_handler = functions_by_handler(extended_stack.template)
    ingest_id = by_handler["functions.extended.queue.lambda_handler"][0]
    queue_id = extended_stack.logical_id(extended_stack.stack.messaging.queues["inbound-mail"])
    [mapping] = [m for m in _mappings(extended_stack) if ref_target(m["FunctionName"]) == ingest_id]
    assert ref_target(mapping["EventSourceArn"]) == queue_id
    assert mapping["BatchSize"] == 5
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]


def test_stream_consumer_bisects_retries_boundedly_and_keeps_failures(any_stack):
    consumers = [fn for fn in any_stack.stack.spec.functions if fn.table_stream]
    assert consumers
    by_handler = functions_by_handler(any_stack.template)
    table_id = any_stack.logical_id(any_stack.stack.data.tables["main"])
    for fn in consumers:
        function_id = by_handler[fn.handler][0]
        [mapping] = [m for m in _mappings(any_stack) if ref_target(m["FunctionName"]) == function_id]
        assert mapping["EventSourceArn"] == {"Fn::GetAtt": [table_id, "StreamArn"]}
        assert mapping["BisectBatchOnFunctionError"] is cat.STREAM_MAPPING.bisect_on_error
        assert mapping["MaximumRetryAttempts"] == cat.STREAM_MAPPING.retry_attempts
        assert mapping["MaximumRecordAgeInSeconds"] == cat.STREAM_MAPPING.max_record_age_s
        assert mapping["BatchSize"] == cat.STREAM_MAPPING.batch_size
        assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
        assert mapping["StartingPosition"] == "TRIM_HORIZON"
        [failures] = [
            q
            for q in any_stack.stack.messaging.failure_destinations
            if q.node.id == pascal(cat.stream_failure_queue(fn))
        ]
        failures_id = any_stack.logical_id(failures)
        assert mapping["DestinationConfig"]["OnFailure"]["Destination"] == {"Fn::GetAtt": [failures_id, "Arn"]}
        assert failures in any_stack.stack.messaging.dead_letter_queues  # alarmed like every DLQ


def test_schedule_rule_targets_its_function_with_payload_and_dlq(extended_stack):
    extended_stack.assertions.has_resource_properties(
        "AWS::Events::Rule",
        {
            "ScheduleExpression": "cron(0 3 1 * ? *)",
            "State": "ENABLED",
            "Targets": [
                Match.object_like(
                    {
                        "Input": '{"run":"monthly"}',
                        "DeadLetterConfig": {"Arn": Match.any_value()},
                        "RetryPolicy": Match.any_value(),
                    }
                )
            ],
        },
    )


def test_catalogue_stack_has_one_mapping_per_stream_consumer_and_queue_trigger(catalogue_stack):
    functions = catalogue_stack.stack.spec.functions
    mappings = _mappings(catalogue_stack)
    assert len(mappings) == sum(fn.table_stream for fn in functions) + sum(len(fn.queues) for fn in functions)
