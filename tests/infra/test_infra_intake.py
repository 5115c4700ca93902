"""Voucher intake in the template: S3 → SQS notifications, the SES receipt rule, the xslt layer
and the OCR grant, all built from the catalogue (Bucket.notifications, MAIL_RECEIPTS,
Function.extra_layers, Access("ocr:textract"))."""

from __future__ import annotations

import json

from aws_cdk.assertions import Match

from functions import catalogue as cat
from infra.intake import TEXTRACT_ACTIONS
from tests.infra.helpers import functions_by_handler, policy_statements, ref_target


def test_inbound_bucket_notifies_the_ingest_queue_per_prefix(catalogue_stack):
    [notifications] = catalogue_stack.resources("Custom::S3BucketNotifications").values()
    props = notifications["Properties"]
    bucket_id = catalogue_stack.logical_id(catalogue_stack.stack.data.buckets["inbound"])
    assert ref_target(props["BucketName"]) == bucket_id
    configs = props["NotificationConfiguration"]["QueueConfigurations"]
    inbound = next(b for b in cat.BUCKETS if b.name == "inbound")
    assert sorted(c["Filter"]["Key"]["FilterRules"][0]["Value"] for c in configs) == sorted(
        n.prefix for n in inbound.notifications
    )
    queue_of = {n.prefix: n.queue for n in inbound.notifications}  # voucher intake → ingest, bank files → bank-imports
    for c in configs:
        queue = queue_of[c["Filter"]["Key"]["FilterRules"][0]["Value"]]
        assert ref_target(c["QueueArn"]) == catalogue_stack.logical_id(catalogue_stack.stack.messaging.queues[queue])
        assert c["Events"] == ["s3:ObjectCreated:*"]


def test_ingest_queue_accepts_messages_from_s3_only_for_the_bucket(catalogue_stack):
    catalogue_stack.assertions.has_resource_properties(
        "AWS::SQS::QueuePolicy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Action": Match.array_with(["sqs:SendMessage"]),
                                "Principal": {"Service": "s3.amazonaws.com"},
                                "Condition": {"ArnLike": {"aws:SourceArn": Match.any_value()}},
                            }
                        )
                    ]
                )
            }
        },
    )


def test_ses_receipt_rule_writes_raw_mail_to_inbound_mail(catalogue_stack):
    bucket_id = catalogue_stack.logical_id(catalogue_stack.stack.data.buckets["inbound"])
    [rule] = catalogue_stack.resources("AWS::SES::ReceiptRule").values()
    props = rule["Properties"]["Rule"]
    assert props["Recipients"] == ["bilag.example.no"]
    assert props["ScanEnabled"] is True and props["TlsPolicy"] == "Require" and props["Enabled"] is True
    [action] = props["Actions"]
    assert ref_target(action["S3Action"]["BucketName"]) == bucket_id
    assert action["S3Action"]["ObjectKeyPrefix"] == "mail/"
    catalogue_stack.assertions.has_resource_properties(
        "AWS::S3::BucketPolicy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [Match.object_like({"Action": "s3:PutObject", "Principal": {"Service": "ses.amazonaws.com"}})]
                )
            }
        },
    )


def test_ingest_has_the_xslt_layer_ocr_grant_and_its_queue(catalogue_stack):
    by_handler = functions_by_handler(catalogue_stack.template)
    ingest = cat.function("ingest")
    function_id, props = by_handler[ingest.handler]
    xslt = catalogue_stack.logical_id(catalogue_stack.stack.api.extra_layers["xslt"])
    assert {"Ref": xslt} in props["Layers"]
    env = props["Environment"]["Variables"]
    assert env["KLIENTPORTAL_CONFORMANCE_DIR"] == "/opt/conformance"
    assert env["KP_MAIL_VOUCHERS"] == "bilag.example.no" and env["KP_OCR_TEXTRACT"] == "textract"
    role_id = catalogue_stack.logical_id(catalogue_stack.stack.api.functions["ingest"].role)
    granted = [s for s in policy_statements(catalogue_stack.template, role_id) if s["Resource"] == "*"]
    assert set(TEXTRACT_ACTIONS) <= {
        a for s in granted for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    }
    vouchers_id = by_handler[cat.function("vouchers").handler][1]
    assert {"Ref": xslt} not in vouchers_id["Layers"]  # only functions that name the layer carry it
    queue_id = catalogue_stack.logical_id(catalogue_stack.stack.messaging.queues["ingest"])
    mappings = [
        m["Properties"]
        for m in catalogue_stack.resources("AWS::Lambda::EventSourceMapping").values()
        if ref_target(m["Properties"]["FunctionName"]) == function_id
    ]
    assert [ref_target(m["EventSourceArn"]) for m in mappings] == [queue_id]


def test_invoice_senders_may_send_raw_email_from_the_sender_domain_only(catalogue_stack):
    from tests.infra.helpers import policy_statements

    for name in ("invoicing", "invoicing-reminders"):
        function = catalogue_stack.stack.api.functions[name]
        role_id = catalogue_stack.logical_id(function.role)
        sends = [
            st
            for st in policy_statements(catalogue_stack.template, role_id)
            if "ses:SendRawEmail" in ([st["Action"]] if isinstance(st["Action"], str) else st["Action"])
        ]
        assert len(sends) == 1, name
        resource = json.dumps(sends[0]["Resource"])
        assert ":identity/example.no" in resource and resource != '"*"', (name, resource)
    tenancy = catalogue_stack.stack.api.functions["tenancy"]
    role_id = catalogue_stack.logical_id(tenancy.role)
    assert not any(
        "ses:SendRawEmail" in json.dumps(st["Action"]) for st in policy_statements(catalogue_stack.template, role_id)
    )
