"""moto with DynamoDB's transaction idempotency tokens (infra/local/moto_request_tokens.py): botocore
sends the same ClientRequestToken on its retries, and a repeat of a committed transaction succeeds
without writing again, as on AWS."""

from __future__ import annotations

import uuid

import moto
import pytest
from botocore.exceptions import ClientError
from moto.dynamodb.responses import DynamoHandler

from infra.local import moto_request_tokens
from klientportal import aws

TABLE = "kp-moto-tokens"


@pytest.fixture
def ddb(aws_env):
    client = aws.client("dynamodb")
    client.create_table(
        TableName=TABLE,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "PK", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}],
    )
    return client


def _claim(name: str) -> list[dict]:
    return [
        {"Put": {"TableName": TABLE, "Item": {"PK": {"S": name}}, "ConditionExpression": "attribute_not_exists(PK)"}},
        {
            "Update": {
                "TableName": TABLE,
                "Key": {"PK": {"S": "counter"}},
                "UpdateExpression": "ADD n :one",
                "ExpressionAttributeValues": {":one": {"N": "1"}},
            }
        },
    ]


def _count(ddb) -> int:
    return int(ddb.get_item(TableName=TABLE, Key={"PK": {"S": "counter"}})["Item"]["n"]["N"])


def test_the_patch_is_installed_on_the_pinned_moto(moto_endpoint):
    assert moto_request_tokens.problems() == []
    assert getattr(DynamoHandler.transact_write_items, "__wrapped__", None) is not None


def test_install_refuses_a_moto_that_moved(moto_endpoint, monkeypatch):
    monkeypatch.setattr(moto, "__version__", "5.3.0")
    assert moto_request_tokens.problems() == ["moto 5.3.0 installed, patch written for 5.2.5"]
    monkeypatch.setattr(moto_request_tokens, "_installed", False)
    with pytest.raises(RuntimeError, match="cannot patch moto"):
        moto_request_tokens.install()


def test_botocore_fills_the_token_itself(ddb):
    sent: list[dict] = []
    ddb.meta.events.register("before-call.dynamodb.TransactWriteItems", lambda params, **_: sent.append(params))
    ddb.transact_write_items(TransactItems=_claim("auto"))
    assert sent and sent[0]["body"] and "ClientRequestToken" in sent[0]["body"].decode()


def test_a_repeat_of_a_committed_transaction_succeeds_and_writes_nothing(ddb):
    token = str(uuid.uuid4())
    ddb.transact_write_items(TransactItems=_claim("once"), ClientRequestToken=token)
    ddb.transact_write_items(TransactItems=_claim("once"), ClientRequestToken=token)  # botocore's retry
    assert _count(ddb) == 1
    with pytest.raises(ClientError) as refused:  # without the token it is a new transaction
        ddb.transact_write_items(TransactItems=_claim("once"))
    assert refused.value.response["Error"]["Code"] == "TransactionCanceledException"
    assert _count(ddb) == 1


def test_the_same_token_with_other_items_is_a_mismatch(ddb):
    token = str(uuid.uuid4())
    ddb.transact_write_items(TransactItems=_claim("first"), ClientRequestToken=token)
    with pytest.raises(ClientError) as refused:
        ddb.transact_write_items(TransactItems=_claim("second"), ClientRequestToken=token)
    assert refused.value.response["Error"]["Code"] == "IdempotentParameterMismatchException"
    assert _count(ddb) == 1


def test_a_cancelled_transaction_leaves_its_token_free(ddb):
    ddb.transact_write_items(TransactItems=_claim("taken"))
    token = str(uuid.uuid4())
    with pytest.raises(ClientError):
        ddb.transact_write_items(TransactItems=_claim("taken"), ClientRequestToken=token)
    ddb.delete_item(TableName=TABLE, Key={"PK": {"S": "taken"}})
    ddb.transact_write_items(TransactItems=_claim("taken"), ClientRequestToken=token)
    assert _count(ddb) == 2
