"""Inbound wiring of the catalogue: S3 → SQS notifications (`Bucket.notifications`), SES receipt
rules writing raw mail to a bucket (`MAIL_RECEIPTS`), and the bindings functions use to reach them
("mail:<name>": the recipient domain; "ocr:textract": the OCR service; "email:outbound": the
sender address of outgoing e-mail, with SendRawEmail on its SES domain identity).

S3 notifications go through CDK's BucketNotifications custom resource (S3 checks the destination
when the configuration is written, so the queue policy must exist first; plain CloudFormation would
make a cycle). The SES receipt rule set is created but SES allows one ACTIVE rule set per region and
CloudFormation cannot activate it: activate it once per account (docs/vouchers.md, "Deploying").
"""

from __future__ import annotations

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_notifications as s3n
from aws_cdk import aws_ses as ses
from aws_cdk import aws_ses_actions as ses_actions
from constructs import Construct

from functions import catalogue as cat
from infra.bindings import Binding, Bindings
from infra.config import Config
from infra.data import Data
from infra.messaging import Messaging
from infra.spec import Spec, pascal

TEXTRACT_ACTIONS = ("textract:AnalyzeExpense", "textract:StartExpenseAnalysis", "textract:GetExpenseAnalysis")
OCR_ENGINE = "textract"


class Intake(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        spec: Spec,
        config: Config,
        data: Data,
        messaging: Messaging,
        bindings: Bindings,
    ):
        super().__init__(scope, construct_id)
        for bucket in spec.buckets:
            for notification in bucket.notifications:
                data.buckets[bucket.name].add_event_notification(
                    s3.EventType.OBJECT_CREATED,
                    s3n.SqsDestination(messaging.queues[notification.queue]),
                    s3.NotificationKeyFilter(prefix=notification.prefix),
                )
        self.rule_sets: dict[str, ses.ReceiptRuleSet] = {}
        for receipt in spec.mail_receipts:
            domain = f"{receipt.subdomain}.{config.mail_domain}"
            self.rule_sets[receipt.name] = self._receipt(receipt, domain, data)
            bindings[f"mail:{receipt.name}"] = Binding(domain, _no_grant)
        bindings["ocr:textract"] = Binding(OCR_ENGINE, _textract_grant)
        sender_domain = config.invoice_from.split("@", 1)[1]
        identity_arn = Stack.of(self).format_arn(service="ses", resource="identity", resource_name=sender_domain)
        bindings["email:outbound"] = Binding(config.invoice_from, _ses_send_grant(identity_arn))

    def _receipt(self, receipt: cat.MailReceipt, domain: str, data: Data) -> ses.ReceiptRuleSet:
        return ses.ReceiptRuleSet(
            self,
            f"{pascal(receipt.name)}MailRuleSet",
            rules=[
                ses.ReceiptRuleOptions(
                    recipients=[domain],
                    actions=[ses_actions.S3(bucket=data.buckets[receipt.bucket], object_key_prefix=receipt.prefix)],
                    scan_enabled=True,
                    tls_policy=ses.TlsPolicy.REQUIRE,
                )
            ],
        )


def _no_grant(grantee: iam.IGrantable, write: bool) -> None:
    """A value only (the recipient domain): nothing to grant."""


def _ses_send_grant(identity_arn: str):
    """SendRawEmail from the sender's verified domain identity only."""

    def grant(grantee: iam.IGrantable, write: bool) -> None:
        iam.Grant.add_to_principal(grantee=grantee, actions=["ses:SendRawEmail"], resource_arns=[identity_arn])

    return grant


def _textract_grant(grantee: iam.IGrantable, write: bool) -> None:
    """AnalyzeExpense and the async expense job; Textract supports no resource-level permissions."""
    iam.Grant.add_to_principal(grantee=grantee, actions=list(TEXTRACT_ACTIONS), resource_arns=["*"])
