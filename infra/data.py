"""Data at rest and in flight: DynamoDB tables, KMS keys, S3 buckets and the EventBridge bus."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from functions import catalogue as cat
from infra.bindings import Binding, Bindings
from infra.spec import Spec, pascal

ACCESS_LOG_RETENTION = Duration.days(400)
EVENT_ARCHIVE_RETENTION = Duration.days(365)


class Data(Construct):
    """Every table, key, bucket and the bus of the catalogue, registered in `bindings`."""

    def __init__(self, scope: Construct, construct_id: str, *, spec: Spec, bindings: Bindings):
        super().__init__(scope, construct_id)
        self.tables = {t.name: self._table(t) for t in spec.tables}
        self.keys = {k.name: self._key(k) for k in spec.keys}
        self.key_usage = {k.name: k.usage for k in spec.keys}
        self.log_bucket = self._log_bucket()
        self.buckets = {b.name: self._bucket(b) for b in spec.buckets}
        self.bus = self._bus(spec.event_bus)
        self.secrets = {s.name: self._secret(s) for s in spec.secrets}
        for name, table in self.tables.items():
            bindings[f"table:{name}"] = Binding(table.table_name, _table_grant(table))
        for name, key in self.keys.items():
            bindings[f"key:{name}"] = Binding(key.key_arn, _key_grant(key, self.key_usage[name]))
        for name, secret in self.secrets.items():
            bindings[f"secret:{name}"] = Binding(secret.secret_arn, _secret_grant(secret))
        for name, bucket in self.buckets.items():
            bindings[f"bucket:{name}"] = Binding(bucket.bucket_name, _bucket_grant(bucket))
        bindings[f"bus:{spec.event_bus}"] = Binding(self.bus.event_bus_name, _bus_grant(self.bus))

    def _table(self, table: cat.Table) -> dynamodb.Table:
        construct = dynamodb.Table(
            self,
            f"{pascal(table.name)}Table",
            partition_key=_attribute(table.pk),
            sort_key=_attribute(table.sk) if table.sk else None,
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            stream=dynamodb.StreamViewType.NEW_AND_OLD_IMAGES if table.stream else None,
            time_to_live_attribute=table.ttl_attribute,
            deletion_protection=True,
            removal_policy=RemovalPolicy.RETAIN,
        )
        for index in table.indexes:
            construct.add_global_secondary_index(
                index_name=index.name,
                partition_key=_attribute(index.pk),
                sort_key=_attribute(index.sk),
                projection_type=dynamodb.ProjectionType.ALL,
            )
        return construct

    def _key(self, key: cat.EncryptionKey) -> kms.Key:
        if key.usage == "hmac":
            # HMAC keys cannot be rotated by KMS; rotating would change every stored hash anyway
            return kms.Key(
                self,
                f"{pascal(key.name)}Key",
                description=f"Klientportal {key.name}: {key.purpose}",
                alias=f"alias/{Stack.of(self).stack_name}/{key.name}",
                key_spec=kms.KeySpec.HMAC_256,
                key_usage=kms.KeyUsage.GENERATE_VERIFY_MAC,
                removal_policy=RemovalPolicy.RETAIN,
            )
        return kms.Key(
            self,
            f"{pascal(key.name)}Key",
            description=f"Klientportal {key.name}: {key.purpose}",
            alias=f"alias/{Stack.of(self).stack_name}/{key.name}",
            enable_key_rotation=True,
            removal_policy=RemovalPolicy.RETAIN,
        )

    def _secret(self, secret: cat.Secret) -> secretsmanager.Secret:
        return secretsmanager.Secret(
            self,
            f"{pascal(secret.name)}Secret",
            description=f"Klientportal {secret.name}: {secret.purpose}",
            generate_secret_string=secretsmanager.SecretStringGenerator(password_length=64, exclude_punctuation=True),
            removal_policy=RemovalPolicy.RETAIN,
        )

    def _log_bucket(self) -> s3.Bucket:
        """Target of the buckets' server access logs (which S3 can deliver only with SSE-S3)."""
        return s3.Bucket(
            self,
            "AccessLogBucket",
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            lifecycle_rules=[s3.LifecycleRule(expiration=ACCESS_LOG_RETENTION)],
            removal_policy=RemovalPolicy.RETAIN,
        )

    def _bucket(self, bucket: cat.Bucket) -> s3.Bucket:
        years = bucket.object_lock_years
        construct = s3.Bucket(
            self,
            f"{pascal(bucket.name)}Bucket",
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            versioned=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            server_access_logs_bucket=self.log_bucket,
            server_access_logs_prefix=f"{bucket.name}/",
            object_lock_enabled=bool(years),
            removal_policy=RemovalPolicy.RETAIN,
        )
        if years:
            _lock_in_compliance_mode(construct, years)
        return construct

    def _bus(self, name: str) -> events.EventBus:
        bus = events.EventBus(self, f"{pascal(name)}Bus", description=f"Klientportal {name} events")
        bus.archive(
            "Archive",
            description=f"Every {name} event, for replay",
            event_pattern=events.EventPattern(account=[Stack.of(self).account]),
            retention=EVENT_ARCHIVE_RETENTION,
        )
        return bus


def _attribute(name: str) -> dynamodb.Attribute:
    return dynamodb.Attribute(name=name, type=dynamodb.AttributeType.STRING)


def _lock_in_compliance_mode(bucket: s3.Bucket, years: int) -> None:
    """Default retention in whole years (CDK's ObjectLockRetention speaks only days)."""
    cfn = bucket.node.default_child
    cfn.add_property_override(
        "ObjectLockConfiguration",
        {
            "ObjectLockEnabled": "Enabled",
            "Rule": {"DefaultRetention": {"Mode": "COMPLIANCE", "Years": years}},
        },
    )


def _table_grant(table: dynamodb.Table):
    def grant(grantee: iam.IGrantable, write: bool) -> None:
        (table.grant_read_write_data if write else table.grant_read_data)(grantee)

    return grant


def _key_grant(key: kms.Key, usage: str):
    def grant(grantee: iam.IGrantable, write: bool) -> None:
        if usage == "hmac":
            key.grant(grantee, "kms:GenerateMac")
            return
        (key.grant_encrypt_decrypt if write else key.grant_decrypt)(grantee)

    return grant


def _secret_grant(secret: secretsmanager.Secret):
    """Read only: GetSecretValue/DescribeSecret on this one secret."""

    def grant(grantee: iam.IGrantable, write: bool) -> None:
        secret.grant_read(grantee)

    return grant


def _bucket_grant(bucket: s3.Bucket):
    """Write is read + put: no function may delete an object (versions kept, originals locked)."""

    def grant(grantee: iam.IGrantable, write: bool) -> None:
        bucket.grant_read(grantee)
        if write:
            bucket.grant_put(grantee)

    return grant


def _bus_grant(bus: events.EventBus):
    """Write is PutEvents; reading a bus is a rule's business, so read grants nothing."""

    def grant(grantee: iam.IGrantable, write: bool) -> None:
        if write:
            bus.grant_put_events_to(grantee)

    return grant
