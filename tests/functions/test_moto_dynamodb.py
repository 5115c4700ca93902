"""moto's DynamoDB with DynamoDB's transaction semantics (infra/local/moto_dynamodb.py): the pinned
internals are where the patch expects them, concurrent transactions are atomic, and a cancelled
transaction leaves the table's stream as it was."""

from __future__ import annotations

import inspect
import threading
import tomllib

import moto
import pytest
from botocore.exceptions import ClientError
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.responses import DynamoHandler
from moto.dynamodbstreams.models import DynamoDBStreamsBackend
from moto.dynamodbstreams.responses import DynamoDBStreamsHandler

from infra.local import moto_dynamodb
from infra.local.environment import REPO_ROOT
from klientportal import aws

TABLE = "kp-moto-semantics"


def test_the_patched_moto_is_the_pinned_one_with_the_expected_internals(moto_endpoint):
    pins = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]["dev"]
    assert f"moto[server]=={moto_dynamodb.MOTO_VERSION}" in pins
    assert moto.__version__ == moto_dynamodb.MOTO_VERSION
    assert list(inspect.signature(moto_dynamodb.original(DynamoDBBackend, "transact_write_items")).parameters) == [
        "self",
        "transact_items",
    ]
    assert {owner for owner, _ in moto_dynamodb.SERIALISED} == {
        DynamoDBBackend,
        DynamoDBStreamsBackend,
        DynamoHandler,
        DynamoDBStreamsHandler,
    }
    for owner, names in moto_dynamodb.SERIALISED:
        for name in names:
            assert moto_dynamodb.is_patched(owner, name), f"{owner.__name__}.{name} is not serialised"
    assert moto_dynamodb.problems() == []


def test_install_refuses_a_moto_whose_internals_moved(moto_endpoint, monkeypatch):
    monkeypatch.setattr(moto, "__version__", "5.3.0")
    monkeypatch.delattr(DynamoDBStreamsBackend, "get_records")
    assert moto_dynamodb.problems() == [
        "moto 5.3.0 installed, patch written for 5.2.5",
        "DynamoDBStreamsBackend.get_records is gone",
    ]
    with pytest.raises(RuntimeError, match="no longer fits moto"):
        moto_dynamodb.install()


@pytest.fixture
def table(aws_env):
    ddb = aws.client("dynamodb")
    ddb.create_table(
        TableName=TABLE,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "PK", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )
    return ddb


def _good(ddb, name: str) -> None:
    ddb.transact_write_items(
        TransactItems=[
            {
                "Put": {
                    "TableName": TABLE,
                    "Item": {"PK": {"S": name}},
                    "ConditionExpression": "attribute_not_exists(PK)",
                }
            },
            {
                "Update": {
                    "TableName": TABLE,
                    "Key": {"PK": {"S": "counter"}},
                    "UpdateExpression": "ADD n :one",
                    "ExpressionAttributeValues": {":one": {"N": "1"}},
                }
            },
        ]
    )


def _bad(ddb, name: str) -> None:
    with pytest.raises(ClientError) as refused:
        ddb.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": TABLE, "Item": {"PK": {"S": name}}}},
                {
                    "ConditionCheck": {
                        "TableName": TABLE,
                        "Key": {"PK": {"S": "missing"}},
                        "ConditionExpression": "attribute_exists(PK)",
                    }
                },
            ]
        )
    assert refused.value.response["Error"]["Code"] == "TransactionCanceledException"


def test_parallel_transactions_never_undo_each_other(table):
    rounds, workers = 40, 6
    errors: list[BaseException] = []

    def work(w: int) -> None:
        try:
            for i in range(rounds):
                (_good if w % 2 == 0 else _bad)(table, f"{'ok' if w % 2 == 0 else 'no'}#{w}#{i}")
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(w,)) for w in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    items = {i["PK"]["S"]: i for i in table.scan(TableName=TABLE)["Items"]}
    good = rounds * (workers // 2)
    assert sorted(k for k in items if k.startswith("ok#")) == sorted(
        f"ok#{w}#{i}" for w in range(0, workers, 2) for i in range(rounds)
    )
    assert not [k for k in items if k.startswith("no#")]
    assert int(items["counter"]["n"]["N"]) == good


def test_a_cancelled_transaction_leaves_the_stream_as_it_was(table):
    streams = aws.client("dynamodbstreams")
    arn = table.describe_table(TableName=TABLE)["Table"]["LatestStreamArn"]
    table.put_item(TableName=TABLE, Item={"PK": {"S": "first"}})
    [shard] = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
    it = streams.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON")[
        "ShardIterator"
    ]
    read = streams.get_records(ShardIterator=it)
    [first] = read["Records"]

    _bad(table, "rolled-back")

    assert streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"] == [shard]
    table.put_item(TableName=TABLE, Item={"PK": {"S": "second"}})
    [second] = streams.get_records(ShardIterator=read["NextShardIterator"])["Records"]  # the old iterator
    assert second["dynamodb"]["Keys"] == {"PK": {"S": "second"}}
    assert int(second["dynamodb"]["SequenceNumber"]) > int(first["dynamodb"]["SequenceNumber"])
    everything = streams.get_records(
        ShardIterator=streams.get_shard_iterator(
            StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
    )["Records"]
    assert [r["dynamodb"]["Keys"]["PK"]["S"] for r in everything] == ["first", "second"]
