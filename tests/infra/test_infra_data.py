"""Tables, keys, buckets and the bus, as the catalogue declares them."""

from __future__ import annotations

from aws_cdk.assertions import Match

from functions import catalogue as cat


def test_main_table_keys_index_stream_recovery(catalogue_stack):
    table = catalogue_stack.stack.data.tables[cat.MAIN_TABLE.name]
    resource = catalogue_stack.template["Resources"][catalogue_stack.logical_id(table)]
    props = resource["Properties"]
    assert props["KeySchema"] == [
        {"AttributeName": "PK", "KeyType": "HASH"},
        {"AttributeName": "SK", "KeyType": "RANGE"},
    ]
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert props["StreamSpecification"] == {"StreamViewType": "NEW_AND_OLD_IMAGES"}
    assert props["DeletionProtectionEnabled"] is True
    assert resource["DeletionPolicy"] == "Retain"
    [gsi] = props["GlobalSecondaryIndexes"]
    index = cat.MAIN_TABLE.indexes[0]
    assert gsi["IndexName"] == index.name
    assert gsi["KeySchema"] == [
        {"AttributeName": index.pk, "KeyType": "HASH"},
        {"AttributeName": index.sk, "KeyType": "RANGE"},
    ]


def test_idempotency_table_expires_records(catalogue_stack):
    table = catalogue_stack.stack.data.tables[cat.IDEMPOTENCY_TABLE.name]
    props = catalogue_stack.template["Resources"][catalogue_stack.logical_id(table)]["Properties"]
    assert props["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]
    assert props["TimeToLiveSpecification"] == {"AttributeName": "expiration", "Enabled": True}
    assert "StreamSpecification" not in props


def test_every_encryption_key_rotates_and_hmac_keys_only_mac(catalogue_stack):
    keys = catalogue_stack.resources("AWS::KMS::Key")
    assert len(keys) == len(cat.KEYS)
    encrypt = [k["Properties"] for k in keys.values() if k["Properties"].get("KeyUsage") != "GENERATE_VERIFY_MAC"]
    hmac = [k["Properties"] for k in keys.values() if k["Properties"].get("KeyUsage") == "GENERATE_VERIFY_MAC"]
    assert len(encrypt) == sum(k.usage == "encrypt" for k in cat.KEYS) and len(hmac) == 1
    assert all(k["EnableKeyRotation"] for k in encrypt)
    assert all(k["KeySpec"] == "HMAC_256" and not k.get("EnableKeyRotation") for k in hmac)


def test_secrets_are_generated_and_only_read(catalogue_stack):
    secrets = catalogue_stack.resources("AWS::SecretsManager::Secret")
    assert len(secrets) == len(cat.SECRETS)
    assert all("GenerateSecretString" in s["Properties"] for s in secrets.values())


def test_buckets_encrypted_private_versioned_logged(catalogue_stack):
    data = catalogue_stack.stack.data
    log_bucket_id = catalogue_stack.logical_id(data.log_bucket)
    for bucket in cat.BUCKETS:
        props = catalogue_stack.template["Resources"][catalogue_stack.logical_id(data.buckets[bucket.name])][
            "Properties"
        ]
        assert props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
        assert props["PublicAccessBlockConfiguration"] == {
            "BlockPublicAcls": True,
            "BlockPublicPolicy": True,
            "IgnorePublicAcls": True,
            "RestrictPublicBuckets": True,
        }
        assert props["VersioningConfiguration"] == {"Status": "Enabled"}
        assert props["LoggingConfiguration"]["DestinationBucketName"] == {"Ref": log_bucket_id}


def test_object_lock_in_compliance_mode_where_the_catalogue_asks(catalogue_stack):
    data = catalogue_stack.stack.data
    for bucket in cat.BUCKETS:
        props = catalogue_stack.template["Resources"][catalogue_stack.logical_id(data.buckets[bucket.name])][
            "Properties"
        ]
        if bucket.object_lock_years:
            assert props["ObjectLockEnabled"] is True
            assert props["ObjectLockConfiguration"]["Rule"]["DefaultRetention"] == {
                "Mode": "COMPLIANCE",
                "Years": bucket.object_lock_years,
            }
        else:
            assert "ObjectLockConfiguration" not in props


def test_every_bucket_denies_plain_http(catalogue_stack):
    policies = catalogue_stack.resources("AWS::S3::BucketPolicy")
    assert len(policies) == len(cat.BUCKETS) + 1
    for policy in policies.values():
        statements = policy["Properties"]["PolicyDocument"]["Statement"]
        assert any(
            s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}} for s in statements
        )


def test_bus_with_archive(catalogue_stack):
    catalogue_stack.assertions.resource_count_is("AWS::Events::EventBus", 1)
    catalogue_stack.assertions.has_resource_properties(
        "AWS::Events::Archive",
        {"RetentionDays": Match.any_value(), "EventPattern": Match.any_value()},
    )
