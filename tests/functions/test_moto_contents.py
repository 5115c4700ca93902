"""Emptying the emulated AWS between tests (infra/local/moto_contents.py): what a test wrote is gone
as seen through the AWS API, the resources stay, and a test that changed a resource is noticed."""

from __future__ import annotations

import json
import uuid

import moto
import pytest

from infra.local import moto_contents, moto_request_tokens
from klientportal import aws


def test_the_internals_relied_on_are_where_they_were(moto_endpoint):
    assert moto_contents.problems() == ()


def test_a_moved_moto_is_named(moto_endpoint, monkeypatch):
    monkeypatch.setattr(moto, "__version__", "5.3.0")
    moto_contents.problems.cache_clear()
    try:
        assert moto_contents.problems() == ("moto 5.3.0, written against 5.2.5",)
    finally:
        monkeypatch.undo()
        moto_contents.problems.cache_clear()


def _write_everything(env: dict[str, str]) -> None:
    ddb, s3, sqs, ses = aws.client("dynamodb"), aws.client("s3"), aws.client("sqs"), aws.client("ses")
    table = env["KP_TABLE_MAIN"]
    for n in range(3):
        ddb.put_item(TableName=table, Item={"PK": {"S": "CLIENT#x"}, "SK": {"S": f"R#{n}"}})
    ddb.transact_write_items(
        TransactItems=[{"Put": {"TableName": table, "Item": {"PK": {"S": "CLIENT#y"}, "SK": {"S": "R#0"}}}}],
        ClientRequestToken=str(uuid.uuid4()),
    )
    bucket = env["KP_BUCKET_VOUCHERS"]  # object lock: no API call deletes these versions
    for n in range(2):
        s3.put_object(Bucket=bucket, Key="c/voucher.pdf", Body=b"%PDF-" + bytes([n]))
    s3.create_multipart_upload(Bucket=bucket, Key="c/big.pdf")
    url = sqs.get_queue_url(QueueName="klientportal-ingest")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="waiting")
    sqs.send_message(QueueUrl=url, MessageBody="in flight")
    sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1, VisibilityTimeout=600)
    dlq = sqs.get_queue_url(QueueName="klientportal-ingest-dlq")["QueueUrl"]
    sqs.send_message(QueueUrl=dlq, MessageBody="dead")
    ses.send_email(
        Source=env["KP_EMAIL_OUTBOUND"],
        Destination={"ToAddresses": ["kunde@example.org"]},
        Message={"Subject": {"Data": "Faktura"}, "Body": {"Text": {"Data": "Vedlagt"}}},
    )


def _stream_records(table: str) -> list[dict]:
    streams = aws.client("dynamodbstreams")
    arn = aws.client("dynamodb").describe_table(TableName=table)["Table"]["LatestStreamArn"]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    it = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    records: list[dict] = streams.get_records(ShardIterator=it)["Records"]
    return records


def _queue_counts(name: str) -> tuple[int, int]:
    sqs = aws.client("sqs")
    url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
    return int(attrs[names[0]]), int(attrs[names[1]])


def test_clear_empties_what_was_written_and_keeps_the_resources(aws_env):
    before = moto_contents.inventory()
    _write_everything(aws_env)
    table, bucket = aws_env["KP_TABLE_MAIN"], aws_env["KP_BUCKET_VOUCHERS"]
    assert _stream_records(table) and _queue_counts("klientportal-ingest")[1] == 1 and moto_request_tokens._seen
    assert moto_contents.inventory() == before  # data only: the same resources

    moto_contents.clear()

    ddb, s3 = aws.client("dynamodb"), aws.client("s3")
    assert ddb.scan(TableName=table)["Items"] == []
    assert _stream_records(table) == []
    assert "Versions" not in s3.list_object_versions(Bucket=bucket)
    assert "Uploads" not in s3.list_multipart_uploads(Bucket=bucket)
    assert _queue_counts("klientportal-ingest") == (0, 0)
    assert _queue_counts("klientportal-ingest-dlq") == (0, 0)
    assert aws.client("ses").get_send_quota()["SentLast24Hours"] == 0
    assert not moto_request_tokens._seen
    assert moto_contents.inventory() == before

    # the emptied resources work as new ones do: the stream, the lock, the queue's redrive
    ddb.put_item(TableName=table, Item={"PK": {"S": "CLIENT#z"}, "SK": {"S": "R#0"}})
    assert [r["eventName"] for r in _stream_records(table)] == ["INSERT"]
    s3.put_object(Bucket=bucket, Key="c/after.pdf", Body=b"%PDF-after")
    head = s3.head_object(Bucket=bucket, Key="c/after.pdf")
    assert head["ObjectLockMode"] == "COMPLIANCE"
    redrive = aws.client("sqs").get_queue_attributes(
        QueueUrl=aws.client("sqs").get_queue_url(QueueName="klientportal-ingest")["QueueUrl"],
        AttributeNames=["RedrivePolicy"],
    )["Attributes"]["RedrivePolicy"]
    assert json.loads(redrive)["deadLetterTargetArn"].endswith(":klientportal-ingest-dlq")


def test_clear_forgets_state_machine_executions(aws_env):
    sfn = aws.client("stepfunctions")
    arn = sfn.create_state_machine(
        name="kp-moto-contents-pass",
        definition=json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Pass", "End": True}}}),
        roleArn="arn:aws:iam::123456789012:role/kp-moto-contents",
    )["stateMachineArn"]
    sfn.start_execution(stateMachineArn=arn, input="{}")
    assert sfn.list_executions(stateMachineArn=arn)["executions"]
    moto_contents.clear()
    assert sfn.list_executions(stateMachineArn=arn)["executions"] == []


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(
            lambda env: aws.client("dynamodb").create_table(
                TableName="kp-moto-contents-extra",
                BillingMode="PAY_PER_REQUEST",
                AttributeDefinitions=[{"AttributeName": "PK", "AttributeType": "S"}],
                KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}],
            ),
            id="a new table",
        ),
        pytest.param(
            lambda env: aws.client("sqs").set_queue_attributes(
                QueueUrl=aws.client("sqs").get_queue_url(QueueName="klientportal-ingest")["QueueUrl"],
                Attributes={"VisibilityTimeout": "1"},
            ),
            id="a queue's attribute",
        ),
        pytest.param(
            lambda env: aws.client("events").disable_rule(
                Name="local-all-domain-events", EventBusName=env["KP_BUS_DOMAIN"]
            ),
            id="a disabled rule",
        ),
        pytest.param(
            lambda env: aws.client("s3").put_bucket_versioning(
                Bucket=env["KP_BUCKET_DOCUMENTS"], VersioningConfiguration={"Status": "Suspended"}
            ),
            id="a bucket's versioning",
        ),
        pytest.param(
            lambda env: aws.client("cognito-idp").create_user_pool(PoolName="kp-moto-contents"),
            id="another service",
        ),
    ],
)
def test_a_changed_resource_changes_the_inventory(aws_env, change):
    before = moto_contents.inventory()
    change(aws_env)
    assert moto_contents.inventory() != before


def test_a_snapshot_restores_items_and_stream_records_and_refuses_other_contents(aws_env):
    ddb, table = aws.client("dynamodb"), aws_env["KP_TABLE_MAIN"]
    moto_contents.clear()
    for n in range(3):
        ddb.put_item(TableName=table, Item={"PK": {"S": "CLIENT#s"}, "SK": {"S": f"R#{n}"}})
    saved = moto_contents.snapshot()
    ddb.put_item(TableName=table, Item={"PK": {"S": "CLIENT#s"}, "SK": {"S": "R#9"}})
    ddb.delete_item(TableName=table, Key={"PK": {"S": "CLIENT#s"}, "SK": {"S": "R#0"}})

    moto_contents.restore(saved)

    got = ddb.query(
        TableName=table, KeyConditionExpression="PK = :p", ExpressionAttributeValues={":p": {"S": "CLIENT#s"}}
    )
    assert [i["SK"]["S"] for i in got["Items"]] == ["R#0", "R#1", "R#2"]  # in sort-key order, as DynamoDB
    assert [r["eventName"] for r in _stream_records(table)] == ["INSERT"] * 3
    ddb.put_item(TableName=table, Item={"PK": {"S": "CLIENT#s"}, "SK": {"S": "R#3"}})
    records = _stream_records(table)
    assert len(records) == 4 and len({r["dynamodb"]["SequenceNumber"] for r in records}) == 4
    moto_contents.restore(saved)  # the copy kept is not the one the table now holds
    assert len(ddb.scan(TableName=table)["Items"]) == 3

    aws.client("sqs").send_message(
        QueueUrl=aws.client("sqs").get_queue_url(QueueName="klientportal-ingest")["QueueUrl"], MessageBody="x"
    )
    with pytest.raises(ValueError, match="SQS holds messages"):
        moto_contents.snapshot()
