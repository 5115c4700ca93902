"""Creates every catalogue resource on the emulated AWS and returns the env vars that name them."""

from __future__ import annotations

import json

from functions import catalogue
from infra import workflow_definitions
from klientportal import aws

PREFIX = "klientportal"
LOCAL_EVENTS_QUEUE = "klientportal-local-domain-events"
LOCAL_MAIL_DOMAIN = "example.no"  # local voucher inbox: <client-slug>@bilag.example.no


def resource_name(kind: str, name: str) -> str:
    return f"{PREFIX}-{name}"


def _create_table(table: catalogue.Table) -> None:
    ddb = aws.client("dynamodb")
    attrs = {table.pk, *([table.sk] if table.sk else [])}
    for gsi in table.indexes:
        attrs |= {gsi.pk, gsi.sk}
    key_schema = [{"AttributeName": table.pk, "KeyType": "HASH"}]
    if table.sk:
        key_schema.append({"AttributeName": table.sk, "KeyType": "RANGE"})
    args: dict = {
        "TableName": resource_name("table", table.name),
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [{"AttributeName": a, "AttributeType": "S"} for a in sorted(attrs)],
        "KeySchema": key_schema,
    }
    if table.indexes:
        args["GlobalSecondaryIndexes"] = [
            {
                "IndexName": g.name,
                "KeySchema": [
                    {"AttributeName": g.pk, "KeyType": "HASH"},
                    {"AttributeName": g.sk, "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
            for g in table.indexes
        ]
    if table.stream:
        args["StreamSpecification"] = {
            "StreamEnabled": True,
            "StreamViewType": "NEW_AND_OLD_IMAGES",
        }
    ddb.create_table(**args)
    if table.ttl_attribute:
        ddb.update_time_to_live(
            TableName=args["TableName"],
            TimeToLiveSpecification={"Enabled": True, "AttributeName": table.ttl_attribute},
        )


def _create_bucket(bucket: catalogue.Bucket) -> None:
    s3 = aws.client("s3")
    name = resource_name("bucket", bucket.name)
    region = s3.meta.region_name
    args: dict = {"Bucket": name}
    if region != "us-east-1":
        args["CreateBucketConfiguration"] = {"LocationConstraint": region}
    if bucket.object_lock_years:
        args["ObjectLockEnabledForBucket"] = True
    s3.create_bucket(**args)
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    if bucket.object_lock_years:
        s3.put_object_lock_configuration(
            Bucket=name,
            ObjectLockConfiguration={
                "ObjectLockEnabled": "Enabled",
                "Rule": {"DefaultRetention": {"Mode": "COMPLIANCE", "Years": bucket.object_lock_years}},
            },
        )


def _create_queue(queue: catalogue.Queue) -> None:
    sqs = aws.client("sqs")
    dlq = sqs.create_queue(QueueName=resource_name("queue", queue.name) + "-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sqs.create_queue(
        QueueName=resource_name("queue", queue.name),
        Attributes={
            "VisibilityTimeout": str(queue.visibility_timeout_s),
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": queue.max_receive_count}),
        },
    )


def _create_stream_failure_queue(fn: catalogue.Function) -> str:
    """A stream consumer's on-failure destination (Lambda sends failed batches' pointers there)."""
    name = resource_name("queue", catalogue.stream_failure_queue(fn))
    aws.client("sqs").create_queue(QueueName=name)
    return name


def _create_notifications() -> None:
    """S3 → SQS notifications of the catalogue (moto delivers them; the pumps drain the queues)."""
    s3, sqs = aws.client("s3"), aws.client("sqs")
    for bucket in catalogue.BUCKETS:
        if not bucket.notifications:
            continue
        configs = []
        for n in bucket.notifications:
            url = sqs.get_queue_url(QueueName=resource_name("queue", n.queue))["QueueUrl"]
            arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
            configs.append(
                {
                    "QueueArn": arn,
                    "Events": ["s3:ObjectCreated:*"],
                    "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": n.prefix}]}},
                }
            )
        s3.put_bucket_notification_configuration(
            Bucket=resource_name("bucket", bucket.name), NotificationConfiguration={"QueueConfigurations": configs}
        )


def _create_bus() -> None:
    """The domain bus, plus a local-only rule copying every event to a queue the runner can show."""
    events, sqs = aws.client("events"), aws.client("sqs")
    bus = resource_name("bus", catalogue.EVENT_BUS)
    events.create_event_bus(Name=bus)
    url = sqs.create_queue(QueueName=LOCAL_EVENTS_QUEUE)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(
        Name="local-all-domain-events",
        EventBusName=bus,
        EventPattern='{"source": ["klientportal"]}',
    )
    events.put_targets(
        Rule="local-all-domain-events",
        EventBusName=bus,
        Targets=[{"Id": "local-queue", "Arn": arn}],
    )


def _create_event_rules() -> None:
    """The catalogue's event rules on the domain bus, each targeting its queue (moto delivers
    EventBridge → SQS; the pumps drain the queue into its consumer as for every other queue)."""
    events, sqs = aws.client("events"), aws.client("sqs")
    bus = resource_name("bus", catalogue.EVENT_BUS)
    for rule in catalogue.EVENT_RULES:
        url = sqs.get_queue_url(QueueName=resource_name("queue", rule.queue))["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        name = resource_name("rule", rule.name)
        events.put_rule(Name=name, EventBusName=bus, EventPattern=json.dumps(rule.event_pattern))
        events.put_targets(Rule=name, EventBusName=bus, Targets=[{"Id": rule.queue, "Arn": arn}])


LOCAL_ACCOUNT = "123456789012"  # moto's account


def function_arn(name: str) -> str:
    """The local ARN of a catalogue function (moto routes its invocations to the handler: moto_lambda)."""
    region = aws.client("sqs").meta.region_name
    return f"arn:aws:lambda:{region}:{LOCAL_ACCOUNT}:function:{resource_name('function', name)}"


def _resource_value(resource: str, env: dict[str, str]) -> str:
    """What a state machine's ASL gets for a catalogue resource: a queue's URL, else the env value."""
    kind, name = resource.split(":", 1)
    if kind == "queue":
        url: str = aws.client("sqs").get_queue_url(QueueName=resource_name(kind, name))["QueueUrl"]
        return url
    return env[catalogue.env_var(resource)]


def _create_state_machine(sm: catalogue.StateMachine, env: dict[str, str]) -> str:
    """The state machine from its ASL and catalogue entry, as the CDK app builds it; its ARN."""
    definition = workflow_definitions.render(sm, function_arn, lambda r: _resource_value(r, env))
    resp = aws.client("stepfunctions").create_state_machine(
        name=resource_name("statemachine", sm.name),
        definition=definition,
        roleArn=f"arn:aws:iam::{LOCAL_ACCOUNT}:role/{resource_name('role', sm.name)}",
    )
    arn: str = resp["stateMachineArn"]
    return arn


LOCAL_SECRET_VALUE = "local-only {name}: NOT A SECRET, never used in AWS"


def _create_key(key: catalogue.EncryptionKey) -> str:
    kms = aws.client("kms")
    spec = {"KeySpec": "HMAC_256", "KeyUsage": "GENERATE_VERIFY_MAC"} if key.usage == "hmac" else {}
    key_id = kms.create_key(Description=key.purpose, **spec)["KeyMetadata"]["KeyId"]
    alias = f"alias/{resource_name('key', key.name)}"
    kms.create_alias(AliasName=alias, TargetKeyId=key_id)
    return alias


def _create_secret(secret: catalogue.Secret) -> str:
    """The secret with a fixed, clearly local value (AWS generates a random one)."""
    name = resource_name("secret", secret.name)
    aws.client("secretsmanager").create_secret(Name=name, SecretString=LOCAL_SECRET_VALUE.format(name=secret.name))
    return name


def blueprint() -> str:
    """What `create_all` creates from: the same blueprint creates the same resources (tests that
    add to the catalogue get a catalogue created for them)."""
    c = catalogue
    parts = (c.TABLES, c.BUCKETS, c.QUEUES, c.FUNCTIONS, c.EVENT_BUS, c.EVENT_RULES, c.KEYS, c.SECRETS)
    return repr((*parts, c.MAIL_RECEIPTS, c.STATE_MACHINES))


def create_all() -> dict[str, str]:
    """Create all catalogue resources; return env var → deployed name."""
    env: dict[str, str] = {}
    for table in catalogue.TABLES:
        _create_table(table)
        env[catalogue.env_var(f"table:{table.name}")] = resource_name("table", table.name)
    for bucket in catalogue.BUCKETS:
        _create_bucket(bucket)
        env[catalogue.env_var(f"bucket:{bucket.name}")] = resource_name("bucket", bucket.name)
    for queue in catalogue.QUEUES:
        _create_queue(queue)
        env[catalogue.env_var(f"queue:{queue.name}")] = resource_name("queue", queue.name)
    for fn in catalogue.FUNCTIONS:
        if fn.table_stream:
            env[catalogue.env_var(f"queue:{catalogue.stream_failure_queue(fn)}")] = _create_stream_failure_queue(fn)
    _create_bus()
    _create_event_rules()
    env[catalogue.env_var(f"bus:{catalogue.EVENT_BUS}")] = resource_name("bus", catalogue.EVENT_BUS)
    for key in catalogue.KEYS:
        env[catalogue.env_var(f"key:{key.name}")] = _create_key(key)
    for secret in catalogue.SECRETS:
        env[catalogue.env_var(f"secret:{secret.name}")] = _create_secret(secret)
    _create_notifications()
    for receipt in catalogue.MAIL_RECEIPTS:
        env[catalogue.env_var(f"mail:{receipt.name}")] = f"{receipt.subdomain}.{LOCAL_MAIL_DOMAIN}"
    env[catalogue.env_var("ocr:textract")] = "simulated"  # the SimulatedTextract, never Textract
    env[catalogue.env_var("email:outbound")] = f"faktura@{LOCAL_MAIL_DOMAIN}"
    aws.client("ses").verify_domain_identity(Domain=LOCAL_MAIL_DOMAIN)  # the sender identity, as the CDK app has
    for sm in catalogue.STATE_MACHINES:
        env[catalogue.env_var(f"statemachine:{sm.name}")] = _create_state_machine(sm, env)
    return env
