"""moto's Query with DynamoDB's cost (infra/local/moto_query.py): the pinned internals are where the
patch expects them, and on random partitions every Query answers exactly what moto's own query
answers (items, ScannedCount, LastEvaluatedKey), without reading the whole table."""

from __future__ import annotations

import random
from decimal import Decimal

import moto
import pytest
from botocore.exceptions import ClientError
from moto.dynamodb.models.table import Table

from infra.local import moto_query
from klientportal import aws

TABLE = "kp-moto-query"


def test_the_patch_fits_the_pinned_moto(moto_endpoint):
    assert moto.__version__ == moto_query.MOTO_VERSION
    assert moto_query.problems() == []
    assert moto_query.is_installed()


def test_install_refuses_a_moto_whose_internals_moved(moto_endpoint, monkeypatch):
    monkeypatch.setattr(moto, "__version__", "5.3.0")
    original = moto_query._original_query()

    def query(self, hash_key, range_comparison, range_objs, limit):  # a changed signature
        return original(self, hash_key, range_comparison, range_objs, limit, None, True, None)

    monkeypatch.setattr(Table, "query", query)
    found = moto_query.problems()
    assert found[0] == "moto 5.3.0 installed, patch written for 5.2.5"
    assert any("changed its signature" in p for p in found)
    assert any("no longer has `self.all_items()`" in p for p in found)
    with pytest.raises(RuntimeError, match="no longer fits moto"):
        moto_query.install()


@pytest.fixture
def ddb(aws_env):
    client = aws.client("dynamodb")
    for name, kind in ((TABLE, "S"), (TABLE + "-n", "N")):
        client.create_table(
            TableName=name,
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": kind},
            ],
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        )
    return client


WORDS = ("A", "AB", "ABC", "B", "BA", "Bb", "b", "LEDGERACCT#4300#2026-06", "LEDGERACCT#4300#2026-07", "Ø", "ø#1", "~")


def _fill(ddb, rng: random.Random) -> dict[str, dict[str, list[dict]]]:
    """Three partitions in each table; returns the sort keys written, by table kind ("S", "N") and
    partition."""
    written: dict[str, dict[str, list[dict]]] = {"S": {}, "N": {}}
    for p in ("p1", "p2", "p3"):
        for i in range(80):
            sk = rng.choice(WORDS) + f"#{rng.randint(0, 60):02d}"
            ddb.put_item(
                TableName=TABLE, Item={"pk": {"S": p}, "sk": {"S": sk}, "i": {"N": str(i)}, "p": {"S": "x" * i}}
            )
            n = str(Decimal(rng.randint(-500, 500)) / 10)
            ddb.put_item(TableName=TABLE + "-n", Item={"pk": {"S": p}, "sk": {"N": n}, "i": {"N": str(i)}})
            written["S"].setdefault(p, []).append({"S": sk})
            written["N"].setdefault(p, []).append({"N": n})
    for p in ("p1", "p2"):  # removed keys leave the order as DynamoDB's
        kept = ddb.scan(TableName=TABLE, FilterExpression="pk = :p", ExpressionAttributeValues={":p": {"S": p}})
        for item in kept["Items"][::5]:
            ddb.delete_item(TableName=TABLE, Key={"pk": item["pk"], "sk": item["sk"]})
    return written


def _conditions(rng: random.Random, numeric: bool, written: dict[str, dict[str, list[dict]]]) -> tuple[str, dict]:
    partition = rng.choice(("p1", "p2", "p3", "none"))

    def value() -> dict:
        if partition != "none" and rng.random() < 0.6:  # a key that is there: the bounds' edges
            return rng.choice(written["N" if numeric else "S"][partition])
        if numeric:
            return {"N": str(Decimal(rng.randint(-600, 600)) / 10)}
        return {"S": rng.choice(WORDS) + rng.choice(("", "#", f"#{rng.randint(0, 60):02d}"))}

    pk = {":p": {"S": partition}}
    op = rng.choice(
        ("", "=", "<", "<=", ">", ">=", "between", "begins")
        if not numeric
        else ("", "=", "<", "<=", ">", ">=", "between")
    )
    if op == "":
        return "pk = :p", pk
    if op == "between":
        a, b = sorted((value(), value()), key=lambda v: Decimal(v["N"]) if numeric else v["S"])
        return "pk = :p AND sk BETWEEN :a AND :b", {**pk, ":a": a, ":b": b}
    if op == "begins":
        return "pk = :p AND begins_with(sk, :a)", {**pk, ":a": {"S": rng.choice(WORDS)[: rng.randint(1, 3)]}}
    return f"pk = :p AND sk {op} :a", {**pk, ":a": value()}


def _pages(ddb, table: str, request: dict) -> list[dict]:
    pages, start = [], None
    while True:
        page = ddb.query(TableName=table, **request, **({"ExclusiveStartKey": start} if start else {}))
        page.pop("ResponseMetadata")
        pages.append(page)
        start = page.get("LastEvaluatedKey")
        if not start or len(pages) > 400:
            return pages


def test_every_query_answers_as_moto_does(ddb, monkeypatch):
    rng = random.Random(12)
    written = _fill(ddb, rng)
    requests = []
    for _ in range(200):
        numeric = rng.random() < 0.3
        condition, values = _conditions(rng, numeric, written)
        request: dict = {"KeyConditionExpression": condition, "ExpressionAttributeValues": values}
        if rng.random() < 0.5:
            request["Limit"] = rng.randint(1, 30)
        if rng.random() < 0.4:
            request["ScanIndexForward"] = False
        if rng.random() < 0.2:
            request["FilterExpression"] = "i > :i"
            request["ExpressionAttributeValues"] = {**values, ":i": {"N": str(rng.randint(0, 120))}}
        if rng.random() < 0.2:
            request["ProjectionExpression"] = "sk, i"
        requests.append((TABLE + "-n" if numeric else TABLE, request))

    def never(self):
        raise AssertionError("the sorted query read the whole table")

    monkeypatch.setattr(Table, "all_items", never)
    ours = [_pages(ddb, table, request) for table, request in requests]
    monkeypatch.undo()
    monkeypatch.setattr(Table, "query", moto_query._original_query())
    theirs = [_pages(ddb, table, request) for table, request in requests]
    assert sum(len(p["Items"]) for pages in ours for p in pages) > 1000
    assert sum(len(pages) > 1 for pages in ours) > 20
    for request, a, b in zip(requests, ours, theirs, strict=True):
        assert a == b, request


def test_a_value_of_another_type_than_the_key_is_left_to_moto(ddb, monkeypatch):
    ddb.put_item(TableName=TABLE + "-n", Item={"pk": {"S": "p1"}, "sk": {"N": "1"}})
    request = {
        "TableName": TABLE + "-n",
        "KeyConditionExpression": "pk = :p AND sk > :a",
        "ExpressionAttributeValues": {":p": {"S": "p1"}, ":a": {"S": "x"}},
    }

    def answer() -> object:
        try:
            return ddb.query(**request)["Items"]
        except ClientError as exc:
            return exc.response["Error"]["Code"]

    ours = answer()
    monkeypatch.setattr(Table, "query", moto_query._original_query())
    assert ours == answer()


def test_a_cancelled_transaction_leaves_the_partition_order_as_it_was(ddb):
    ddb.put_item(TableName=TABLE, Item={"pk": {"S": "t"}, "sk": {"S": "b"}})
    with pytest.raises(ClientError):
        ddb.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": TABLE, "Item": {"pk": {"S": "t"}, "sk": {"S": "a"}}}},
                {
                    "ConditionCheck": {
                        "TableName": TABLE,
                        "Key": {"pk": {"S": "t"}, "sk": {"S": "missing"}},
                        "ConditionExpression": "attribute_exists(pk)",
                    }
                },
            ]
        )
    ddb.put_item(TableName=TABLE, Item={"pk": {"S": "t"}, "sk": {"S": "c"}})
    found = ddb.query(TableName=TABLE, KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "t"}})
    assert [i["sk"]["S"] for i in found["Items"]] == ["b", "c"]


def test_index_queries_answer_as_moto_does_without_sorting_the_table(aws_env, monkeypatch):
    ddb = aws.client("dynamodb")
    name = TABLE + "-gsi"
    ddb.create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": a, "AttributeType": "S"} for a in ("pk", "sk", "gpk", "gsk")],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "GSI1",
                "KeySchema": [
                    {"AttributeName": "gpk", "KeyType": "HASH"},
                    {"AttributeName": "gsk", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    )
    rng = random.Random(3)
    for i in range(240):  # index keys repeat: the table's keys order the ties
        item = {"pk": {"S": f"p{rng.randint(0, 5)}"}, "sk": {"S": f"s{rng.randint(0, 99):02d}"}, "i": {"N": str(i)}}
        if rng.random() < 0.85:
            item |= {
                "gpk": {"S": f"g{rng.randint(0, 2)}"},
                "gsk": {"S": f"2026-0{rng.randint(1, 4)}-{rng.randint(1, 3)}"},
            }
        ddb.put_item(TableName=name, Item=item)
    requests = []
    for _ in range(60):
        request: dict = {
            "IndexName": "GSI1",
            "KeyConditionExpression": "gpk = :g",
            "ExpressionAttributeValues": {":g": {"S": f"g{rng.randint(0, 3)}"}},
        }
        if rng.random() < 0.6:
            request["KeyConditionExpression"] += " AND begins_with(gsk, :m)"
            request["ExpressionAttributeValues"][":m"] = {"S": f"2026-0{rng.randint(1, 4)}"}
        if rng.random() < 0.6:
            request["Limit"] = rng.randint(1, 25)
        if rng.random() < 0.4:
            request["ScanIndexForward"] = False
        requests.append(request)
    sorted_calls = []
    original_all_items = moto_query._unwrapped(Table.all_items)
    patched_all_items = Table.all_items

    def counting(self):
        items = patched_all_items(self)
        sorted_calls.append(items == original_all_items(self))
        return items

    monkeypatch.setattr(Table, "all_items", counting)
    ours = [_pages(ddb, name, request) for request in requests]
    assert sorted_calls and not all(sorted_calls)  # the index queries read the partitions unsorted
    monkeypatch.setattr(Table, "query", moto_query._original_query())
    monkeypatch.setattr(Table, "all_items", original_all_items)
    theirs = [_pages(ddb, name, request) for request in requests]
    assert sum(len(p["Items"]) for pages in ours for p in pages) > 500
    for request, a, b in zip(requests, ours, theirs, strict=True):
        assert a == b, request
