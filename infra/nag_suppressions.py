"""Every cdk-nag (AwsSolutions) finding that Klientportal accepts, each with its reason.

The one place for acknowledgements. They are attached to the narrowest construct that carries the
finding and derived from the catalogue (a function's `access` decides which grant findings its role
may have), so a new catalogue entry needs no edit here unless it brings a new kind of finding.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_cdk import Acknowledgment, CfnElement, Stack, Validations
from constructs import IConstruct

if TYPE_CHECKING:
    from infra.stack import KlientportalStack

PACK = "AwsSolutions::AwsSolutions"

RUNTIME_PINNED = (
    "python3.13 is pinned on purpose: the dependency layer is built for cp313 arm64 wheels "
    "(pydantic-core, lxml, cryptography, saxonche) and the local stack and CI test on 3.13-"
    "compatible code; moving to a newer runtime is a deliberate change of RUNTIME and the layer."
)
XRAY_ANY_RESOURCE = (
    "Tracing ACTIVE: xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level "
    "permissions, so Resource is '*'; the statement holds only these two X-Ray actions."
)
STREAM_LIST_ANY_RESOURCE = (
    "The DynamoDB stream event source needs dynamodb:ListStreams, which supports no resource-level "
    "permissions; reading records (GetRecords, GetShardIterator, DescribeStream) is scoped to the "
    "table's stream ARN."
)
TABLE_INDEXES = (
    "Grants on the table include its global secondary indexes (<table ARN>/index/*) so that "
    "queries on GSIs (e.g. KID → invoice, status queues) work; the wildcard stays inside this "
    "one table."
)
KEY_DATA_KEYS = (
    "Envelope encryption with this one customer key: kms:GenerateDataKey* (GenerateDataKey and "
    "...WithoutPlaintext) and kms:ReEncrypt* (ReEncryptFrom/To, for key rotation of stored "
    "ciphertexts) are action families of CDK's grantEncryptDecrypt, limited to this key's ARN."
)
BUCKET_READ = (
    "CDK's grantRead on this one bucket: s3:GetObject*/GetBucket*/List* are read-only action "
    "families (object versions, tags, retention) and <bucket ARN>/* is every object of this bucket."
)
BUCKET_WRITE = (
    "CDK's grantPut on this one bucket: s3:Abort* lets a function abort its own multipart uploads; "
    "no delete action is granted."
)
PUBLIC_ROUTE = (
    "The API description (/openapi.json, /docs) is public on purpose: it lists routes and schemas, "
    "no tenant data; the catalogue marks it with action None and every other route uses the JWT "
    "authorizer."
)
MFA_OPTIONAL = (
    "MFA (TOTP) is optional in the pool because client users sign in occasionally to read and "
    "upload; money-moving actions (payment approval) require a BankID step-up claim of recent age, "
    "checked by the policy module, and threat protection (Plus plan) is enforced on every sign-in."
)
TEXTRACT_ANY_RESOURCE = (
    "OCR of voucher scans: textract:AnalyzeExpense, StartExpenseAnalysis and GetExpenseAnalysis "
    "support no resource-level permissions, so Resource is '*' for these three actions only."
)
BUCKET_NOTIFICATIONS_HANDLER = (
    "CDK's own BucketNotifications custom resource (S3 → SQS for the inbound bucket): it runs once per "
    "deployment, logs with the basic execution role, and s3:PutBucketNotification is granted on '*' by "
    "CDK; it has no access to any data."
)
FAILURE_DESTINATION = (
    "This queue is itself a dead-letter queue: the on-failure destination of a stream event source "
    "or the DLQ of rule targets (not an SQS redrive target, which cdk-nag does not recognise); it "
    "has its own alarm on ApproximateNumberOfMessagesVisible > 0."
)

SECRET_MANUAL_ROTATION = (
    "The cursor signing secret is a random HMAC key that nothing outside the functions depends on; it "
    "is rotated by putting a new value (open pagination cursors then get 422, nothing else changes), so "
    "a rotation Lambda would add code without adding safety."
)

STATE_MACHINE_EXECUTIONS = (
    "Reading executions (DescribeExecution, GetExecutionHistory) of this one state machine: execution "
    "ARNs end in the execution's name, so <state machine>:* is the narrowest resource that covers them."
)
STATE_MACHINE_INVOKE = (
    "CDK's grantInvoke on a task function of this state machine: <function ARN>:* covers its versions "
    "and aliases; only lambda:InvokeFunction, only this function."
)
STATE_MACHINE_LOGS_TRACES = (
    "Execution logging (level ALL) and X-Ray tracing: logs:CreateLogDelivery/GetLogDelivery/"
    "UpdateLogDelivery/DeleteLogDelivery/ListLogDeliveries/PutResourcePolicy/DescribeResourcePolicies/"
    "DescribeLogGroups and xray:PutTraceSegments/PutTelemetryRecords/GetSamplingRules/"
    "GetSamplingTargets support no resource-level permissions, so Resource is '*' for these only."
)


def acknowledge_findings(stack: KlientportalStack) -> None:
    """Acknowledge the accepted findings of `stack`."""
    for fn in stack.spec.functions:
        function = stack.api.functions[fn.name]
        _ack(function, "L1", RUNTIME_PINNED)
        any_resource = (
            XRAY_ANY_RESOURCE
            + (f" {STREAM_LIST_ANY_RESOURCE}" if fn.table_stream else "")
            + (f" {TEXTRACT_ANY_RESOURCE}" if any(a.resource.startswith("ocr:") for a in fn.access) else "")
        )
        _ack(function.role, "IAM5[Resource::*]", any_resource)
        for access in fn.access:
            _acknowledge_grant(stack, function.role, access.resource, access.write)
    for route in stack.api.public_routes:
        _ack(route, "APIG4", PUBLIC_ROUTE)
    _ack(stack.identity.user_pool, "COG2", MFA_OPTIONAL)
    for queue in stack.messaging.failure_destinations:
        _ack(queue, "SQS3", FAILURE_DESTINATION)
    for secret in stack.data.secrets.values():
        _ack(secret, "SMG4", SECRET_MANUAL_ROTATION)
    _acknowledge_bucket_notifications(stack)
    _acknowledge_state_machines(stack)


def _acknowledge_state_machines(stack: KlientportalStack) -> None:
    """Each state machine role: its task functions' invoke grants and its logs/X-Ray statements."""
    for sm in stack.spec.state_machines:
        role = stack.workflows.roles[sm.name]
        _ack(role, "IAM5[Resource::*]", STATE_MACHINE_LOGS_TRACES)
        for fn_name in sorted(set(sm.tasks.values())):
            arn = _arn(stack, stack.api.functions[fn_name])
            _ack(role, f"IAM5[Resource::<{arn}>:*]", STATE_MACHINE_INVOKE)


def _acknowledge_bucket_notifications(stack: Stack) -> None:
    """CDK's singleton Lambda that writes S3 → SQS notification configurations (infra/intake.py)."""
    for child in stack.node.children:
        if child.node.id.startswith("BucketNotificationsHandler"):
            _ack(
                child,
                "IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
                BUCKET_NOTIFICATIONS_HANDLER,
            )
            _ack(child, "IAM5[Resource::*]", BUCKET_NOTIFICATIONS_HANDLER)


def _acknowledge_grant(stack: KlientportalStack, role: IConstruct, resource: str, write: bool) -> None:
    """The wildcard findings that the grant of `resource` (see infra/bindings.py) brings."""
    kind, name = resource.split(":", 1)
    if kind == "table":
        arn = _arn(stack, stack.data.tables[name])
        _ack(role, f"IAM5[Resource::<{arn}>/index/*]", TABLE_INDEXES)
    elif kind == "key" and write and stack.data.key_usage[name] != "hmac":
        for action in ("kms:GenerateDataKey*", "kms:ReEncrypt*"):
            _ack(role, f"IAM5[Action::{action}]", KEY_DATA_KEYS)
    elif kind == "statemachine":
        from infra.workflows import machine_name

        sm = next(m for m in stack.spec.state_machines if m.name == name)
        executions = f"arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:{machine_name(stack, sm)}:*"
        _ack(role, f"IAM5[Resource::{executions}]", STATE_MACHINE_EXECUTIONS)
    elif kind == "bucket":
        arn = _arn(stack, stack.data.buckets[name])
        for finding in (
            "Action::s3:GetObject*",
            "Action::s3:GetBucket*",
            "Action::s3:List*",
            f"Resource::<{arn}>/*",
        ):
            _ack(role, f"IAM5[{finding}]", BUCKET_READ)
        if write:
            _ack(role, "IAM5[Action::s3:Abort*]", BUCKET_WRITE)


def _arn(stack: Stack, construct: IConstruct) -> str:
    """How cdk-nag names a resource's ARN in a finding: "<LogicalId.Arn>" without the brackets."""
    cfn = construct.node.default_child
    assert isinstance(cfn, CfnElement)
    return f"{stack.resolve(stack.get_logical_id(cfn))}.Arn"


def _ack(construct: IConstruct, finding: str, reason: str) -> None:
    Validations.of(construct).acknowledge(Acknowledgment(id=f"{PACK}-{finding}", reason=reason))
