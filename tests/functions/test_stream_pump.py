"""The local pumps behave like Lambda's event source mappings: the stream pump survives a shard
replaced under the same id, retries a failing batch boundedly (bisecting) and then sends its
pointers to the consumer's on-failure queue; the queue pump leaves failures to the redrive policy."""

from __future__ import annotations

import copy
import json
import threading

import pytest
from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.dynamodb.models import dynamodb_backends
from moto.dynamodb.models.dynamo_type import DynamoType, Item

from functions import catalogue
from infra.local import moto_dynamodb
from infra.local.invoker import Invoker
from infra.local.pumps import Pumps, QueuePump
from infra.local.stream_pump import StreamPump
from klientportal import aws, clock
from klientportal.settings import settings
from tests.functions.test_event_stream import CUSTOMERS, U, _bus_events, _created_customers, _customer

PUBLISHER = next(fn for fn in catalogue.FUNCTIONS if fn.table_stream)


def _failures(aws_env: dict, fn: catalogue.Function = PUBLISHER) -> list[dict]:
    sqs = aws.client("sqs")
    url = sqs.get_queue_url(QueueName=aws_env[catalogue.env_var(f"queue:{catalogue.stream_failure_queue(fn)}")])
    msgs = sqs.receive_message(QueueUrl=url["QueueUrl"], MaxNumberOfMessages=10).get("Messages", [])
    return [json.loads(m["Body"]) for m in msgs]


def _replace_shard_like_moto_did(phantom: dict | None = None) -> None:
    """What unpatched moto did on a cancelled transaction: the table (and its stream shard) swapped
    for a deep copy taken before; `phantom` is a record the old shard got meanwhile."""
    with moto_dynamodb.LOCK:
        tables = dynamodb_backends[DEFAULT_ACCOUNT_ID][aws.client("dynamodb").meta.region_name].tables
        name = settings().main_table
        before = copy.deepcopy(tables[name])
        if phantom is not None:
            item = Item(
                DynamoType({"S": phantom["PK"]}),
                DynamoType({"S": phantom["SK"]}),
                {k: {"S": v} for k, v in phantom.items()},
            )
            tables[name].stream_shard.add(None, item)
        tables[name] = before


def test_the_stream_pump_follows_a_shard_replaced_under_the_same_id(api, aws_env):
    pumps = Pumps(Invoker(), aws_env)
    pumps.drain()
    _bus_events()
    _replace_shard_like_moto_did()
    assert api.post(CUSTOMERS, _customer(1), user=U).status == 201
    pumps.drain()
    assert _created_customers(_bus_events()) == ["CUSTOMER#1"]


def test_a_replaced_shard_with_another_history_is_delivered_not_skipped(api, aws_env):
    pumps = Pumps(Invoker(), aws_env)
    pumps.drain()
    _bus_events()
    _replace_shard_like_moto_did(phantom={"PK": "T#nobody", "SK": "NOTHING"})  # seen, then gone
    pumps.drain()
    assert api.post(CUSTOMERS, _customer(2), user=U).status == 201  # takes the phantom's sequence number
    pumps.drain()
    assert _created_customers(_bus_events()) == ["CUSTOMER#2"]


class FlakyInvoker:
    """The real handlers, except that records whose key matches `poison` make the function raise
    (or, with `report`, be reported failed) `times` times; remembers every successful delivery."""

    def __init__(self, poison: str, times: int = 10**6, report: bool = False) -> None:
        self.real, self.poison, self.left, self.report = Invoker(), poison, times, report
        self.delivered: list[str] = []
        self.poison_invocations = 0

    def invoke(self, fn: catalogue.Function, event: dict):
        records = event["Records"]
        bad = [r for r in records if self.poison in json.dumps(r["dynamodb"]["Keys"])]
        if bad and self.left > 0:
            self.left -= 1
            self.poison_invocations += 1
            if not self.report:
                raise RuntimeError("EventBridge is down")
            first = records.index(bad[0])
            self.delivered += [r["dynamodb"]["SequenceNumber"] for r in records[:first]]
            return {"batchItemFailures": [{"itemIdentifier": bad[0]["dynamodb"]["SequenceNumber"]}]}
        result = self.real.invoke(fn, event)
        assert not result.get("batchItemFailures"), result
        self.delivered += [r["dynamodb"]["SequenceNumber"] for r in records]
        return result


def _stream_sequences() -> list[str]:
    streams = aws.client("dynamodbstreams")
    arn = aws.client("dynamodb").describe_table(TableName=settings().main_table)["Table"]["LatestStreamArn"]
    [shard] = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
    it = streams.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON")[
        "ShardIterator"
    ]
    seqs = []
    while (resp := streams.get_records(ShardIterator=it, Limit=1000))["Records"]:
        seqs += [r["dynamodb"]["SequenceNumber"] for r in resp["Records"]]
        it = resp["NextShardIterator"]
    return seqs


def test_a_failing_record_is_retried_boundedly_then_goes_to_the_failure_queue(api, aws_env):
    assert api.post(CUSTOMERS, _customer(13), user=U).status == 201
    assert api.post(CUSTOMERS, _customer(14), user=U).status == 201
    flaky = FlakyInvoker("CUSTOMER#13")
    pump = StreamPump(flaky, aws_env)
    pump.drain()
    everything = _stream_sequences()
    [poison] = [s for s in everything if s not in flaky.delivered]
    assert sorted(flaky.delivered) == sorted(s for s in everything if s != poison)  # each once, none skipped
    [failure] = _failures(aws_env)
    info = failure["DDBStreamBatchInfo"]
    assert (info["startSequenceNumber"], info["endSequenceNumber"], info["batchSize"]) == (poison, poison, 1)
    assert failure["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert failure["requestContext"]["approximateInvokeCount"] == catalogue.STREAM_MAPPING.retry_attempts + 1
    assert api.post(CUSTOMERS, _customer(15), user=U).status == 201  # the mapping moved on
    assert pump.drain() > 0 and flaky.delivered[-1] == _stream_sequences()[-1]
    assert len(flaky.delivered) == len(set(flaky.delivered))


def test_a_reported_failure_is_retried_from_that_record_and_then_succeeds(api, aws_env):
    assert api.post(CUSTOMERS, _customer(21), user=U).status == 201
    assert api.post(CUSTOMERS, _customer(22), user=U).status == 201
    flaky = FlakyInvoker("CUSTOMER#21", times=2, report=True)
    StreamPump(flaky, aws_env).drain()
    assert flaky.poison_invocations == 2
    assert sorted(set(flaky.delivered)) == sorted(_stream_sequences()) and _failures(aws_env) == []
    events = _bus_events()
    assert _created_customers(events).count("CUSTOMER#21") == 1  # the failed record published once


def test_records_older_than_the_maximum_age_go_to_the_failure_queue_unprocessed(api, aws_env):
    flaky = FlakyInvoker("nothing")
    pump = StreamPump(flaky, aws_env)
    for consumer in pump.consumers:  # every record is "too old" when the maximum age is in the future
        consumer.mapping = catalogue.STREAM_MAPPING._replace(max_record_age_s=-60)
    pump.drain()
    assert flaky.delivered == []
    failures = _failures(aws_env)
    assert failures and {f["requestContext"]["condition"] for f in failures} == {"RecordAgeExceeded"}
    assert sum(f["DDBStreamBatchInfo"]["batchSize"] for f in failures) == len(_stream_sequences())


class FailingQueueConsumer:
    def __init__(self, raises: bool) -> None:
        self.raises, self.seen = raises, []

    def invoke(self, fn: catalogue.Function, event: dict):
        self.seen += [json.loads(r["body"])["n"] for r in event["Records"]]
        if self.raises:
            raise RuntimeError("consumer down")
        return {
            "batchItemFailures": [
                {"itemIdentifier": r["messageId"]} for r in event["Records"] if json.loads(r["body"])["n"] == 1
            ]
        }


def _queue(aws_env: dict, name: str) -> str:
    return aws.client("sqs").get_queue_url(QueueName=aws_env[catalogue.env_var(f"queue:{name}")])["QueueUrl"]


@pytest.mark.parametrize("raises", [False, True])
def test_the_queue_pump_leaves_failures_to_the_redrive_policy(aws_env, raises):
    fn, trigger = next((fn, t) for fn in catalogue.FUNCTIONS for t in fn.queues)
    entry = next(q for q in catalogue.QUEUES if q.name == trigger.queue)
    sqs, url = aws.client("sqs"), _queue(aws_env, trigger.queue)
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "0"})  # no waiting here
    for n in (1, 2):
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"n": n}))
    consumer = FailingQueueConsumer(raises)
    pump = QueuePump(consumer, aws_env)
    pump.bindings = [b for b in pump.bindings if b[0] is fn and b[1] is trigger]
    for _ in range(entry.max_receive_count + 2):
        pump.drain()  # a raising consumer does not stop the pump
    failing = [1, 2] if raises else [1]
    assert all(consumer.seen.count(n) == entry.max_receive_count for n in failing), consumer.seen
    assert raises or consumer.seen.count(2) == 1
    dlq = sqs.get_queue_url(QueueName=aws_env[catalogue.env_var(f"queue:{trigger.queue}")] + "-dlq")["QueueUrl"]
    moved = sqs.receive_message(QueueUrl=dlq, MaxNumberOfMessages=10).get("Messages", [])
    assert sorted(json.loads(m["Body"])["n"] for m in moved) == failing


def test_the_runner_wiring_has_a_failure_queue_per_stream_consumer(aws_env):
    consumers = [fn for fn in catalogue.FUNCTIONS if fn.table_stream]
    assert consumers and all(
        catalogue.env_var(f"queue:{catalogue.stream_failure_queue(fn)}") in aws_env for fn in consumers
    )


def test_a_moved_local_clock_does_not_age_the_records(api, aws_env):
    """The record age is real time (as Lambda's mapping has it): moving the business clock ten days
    on (`/_local/clock/+10d`) must not send every record written before to the failure queue."""
    flaky = FlakyInvoker("nothing")
    clock.set_clock("+10d")
    try:
        StreamPump(flaky, aws_env).drain()
    finally:
        clock.set_clock(None)
    assert _stream_sequences(), "the test needs records in the stream"
    assert sorted(set(flaky.delivered)) == sorted(_stream_sequences()) and _failures(aws_env) == []


class StoppingInvoker(Invoker):
    """Asks the pumps to stop during its first invocation, as a SIGTERM mid-backlog does."""

    def __init__(self) -> None:
        super().__init__()
        self.pumps: Pumps | None = None
        self.calls = 0

    def invoke(self, fn: catalogue.Function, event: dict):
        self.calls += 1
        if self.pumps is not None:
            self.pumps.request_stop()
        return super().invoke(fn, event)


def test_a_stopped_pump_ends_after_the_invocation_in_flight_and_leaves_the_rest_in_the_stream(api, aws_env):
    Pumps(Invoker(), aws_env).drain()
    _bus_events()
    for n in (11, 12, 13):
        assert api.post(CUSTOMERS, _customer(n), user=U).status == 201
    invoker = StoppingInvoker()
    pumps = Pumps(invoker, aws_env)
    for consumer in pumps.stream.consumers:
        consumer.mapping = catalogue.STREAM_MAPPING._replace(batch_size=1)
    pumps.drain()  # catches up to the three customers' records first
    _bus_events()
    for n in (14, 15, 16):
        assert api.post(CUSTOMERS, _customer(n), user=U).status == 201
    invoker.pumps, invoker.calls = pumps, 0
    assert pumps.drain() == 1 and invoker.calls == 1  # the record in flight finished, no other began
    before_stop = _created_customers(_bus_events())
    assert len(before_stop) <= 1
    invoker.pumps = None
    pumps._stop.clear()
    assert pumps.drain() > 0  # the rest was left after the checkpoint: delivered once, in order
    assert before_stop + _created_customers(_bus_events()) == ["CUSTOMER#14", "CUSTOMER#15", "CUSTOMER#16"]


def test_a_stopped_queue_pump_leaves_what_it_did_not_receive_on_the_queue(aws_env):
    bindings = [(fn, t) for fn in catalogue.FUNCTIONS for t in fn.queues][:2]
    sqs = aws.client("sqs")
    for _, trigger in bindings:
        sqs.send_message(QueueUrl=_queue(aws_env, trigger.queue), MessageBody=json.dumps({"n": 1}))
    stopping = threading.Event()

    class Consumer:
        def invoke(self, fn: catalogue.Function, event: dict):
            stopping.set()
            return {}

    pump = QueuePump(Consumer(), aws_env, stopping)
    pump.bindings = [b for b in pump.bindings if (b[0], b[1]) in bindings]
    assert pump.drain() == 1
    first, second = (_queue(aws_env, t.queue) for _, t in bindings)
    assert sqs.receive_message(QueueUrl=first).get("Messages") is None  # delivered, deleted
    assert len(sqs.receive_message(QueueUrl=second)["Messages"]) == 1  # never received: still there
