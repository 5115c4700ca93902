"""The template and the catalogue agree both ways: nothing missing, nothing extra."""

from __future__ import annotations

from functions import catalogue as cat
from tests.infra.helpers import functions_by_handler, route_targets


def test_functions(catalogue_stack):
    assert set(functions_by_handler(catalogue_stack.template)) == {fn.handler for fn in cat.FUNCTIONS}


def test_routes(catalogue_stack):
    assert set(route_targets(catalogue_stack.template)) == {r.route_key for _, r in cat.routes()}


def test_tables_keys_buckets_bus(catalogue_stack):
    count = lambda type_: len(catalogue_stack.resources(type_))  # noqa: E731
    assert count("AWS::DynamoDB::Table") == len(cat.TABLES)
    assert count("AWS::KMS::Key") == len(cat.KEYS)
    assert count("AWS::SecretsManager::Secret") == len(cat.SECRETS)
    assert count("AWS::S3::Bucket") == len(cat.BUCKETS) + 1  # + the access log bucket
    assert count("AWS::Events::EventBus") == 1


def test_queues(any_stack):
    spec = any_stack.stack.spec
    dlqs = len(any_stack.stack.messaging.dead_letter_queues)
    assert len(any_stack.resources("AWS::SQS::Queue")) == len(spec.queues) + dlqs


def test_every_access_names_a_resource_of_the_stack(catalogue_stack):
    kinds = {
        "table": cat.TABLES,
        "bucket": cat.BUCKETS,
        "key": cat.KEYS,
        "queue": cat.QUEUES,
        "secret": cat.SECRETS,
        "statemachine": cat.STATE_MACHINES,
    }
    for fn in cat.FUNCTIONS:
        for access in fn.access:
            kind, name = access.resource.split(":", 1)
            if kind in kinds:
                assert name in {entry.name for entry in kinds[kind]}, access.resource
            else:
                assert access.resource in {
                    f"bus:{cat.EVENT_BUS}",
                    "userpool:users",
                    "ocr:textract",
                    "email:outbound",
                    *(f"mail:{m.name}" for m in cat.MAIL_RECEIPTS),
                }, access.resource
