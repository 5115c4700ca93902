"""Event rules: each catalogue EventRule is one rule on the domain bus with the catalogue's pattern,
targeting its queue with a DLQ, and the queue's policy lets that rule (only) send to it."""

from __future__ import annotations

import json

from functions import catalogue as cat
from infra.spec import pascal
from tests.infra.helpers import ref_target


def _rules(synthesised) -> dict[str, dict]:
    return {
        lid: r["Properties"]
        for lid, r in synthesised.resources("AWS::Events::Rule").items()
        if "EventPattern" in r["Properties"] and "ScheduleExpression" not in r["Properties"]
    }


def test_one_rule_per_catalogue_entry_with_its_pattern_bus_queue_and_dlq(any_stack):
    spec = any_stack.stack.spec
    rules = _rules(any_stack)
    assert len(rules) == len(spec.event_rules)
    bus_id = any_stack.logical_id(any_stack.stack.data.bus)
    for entry in spec.event_rules:
        construct = any_stack.stack.triggers.event_rules[entry.name]
        props = rules[any_stack.logical_id(construct)]
        assert props["EventPattern"] == entry.event_pattern
        assert ref_target(props["EventBusName"]) == bus_id
        [target] = props["Targets"]
        assert ref_target(target["Arn"]) == any_stack.logical_id(any_stack.stack.messaging.queues[entry.queue])
        failures = any_stack.stack.messaging.failure_destinations
        [dlq] = [q for q in failures if q.node.id == f"{pascal(entry.name)}RuleFailures"]
        assert ref_target(target["DeadLetterConfig"]["Arn"]) == any_stack.logical_id(dlq)
        assert dlq in any_stack.stack.messaging.dead_letter_queues  # alarmed like every DLQ
        assert target["RetryPolicy"]["MaximumRetryAttempts"] > 0


def test_the_extended_rule_filters_by_detail_type(extended_stack):
    extended_stack.assertions.has_resource_properties(
        "AWS::Events::Rule",
        {"EventPattern": {"source": [cat.DOMAIN_EVENT_SOURCE], "detail-type": ["voucher.booked"]}},
    )


def test_the_target_queue_policy_admits_the_rule(any_stack):
    spec = any_stack.stack.spec
    policies = list(any_stack.resources("AWS::SQS::QueuePolicy").values())
    for entry in spec.event_rules:
        queue_id = any_stack.logical_id(any_stack.stack.messaging.queues[entry.queue])
        rule_id = any_stack.logical_id(any_stack.stack.triggers.event_rules[entry.name])
        statements = [
            s
            for p in policies
            if any(ref_target(q) == queue_id for q in p["Properties"]["Queues"])
            for s in p["Properties"]["PolicyDocument"]["Statement"]
        ]
        sends = [s for s in statements if s.get("Principal") == {"Service": "events.amazonaws.com"}]
        assert sends, f"no events.amazonaws.com statement on {entry.queue}"
        assert any(json.dumps(s.get("Condition", {})).count(rule_id) for s in sends), (
            "the send is limited to the rule's ARN"
        )


def test_catalogue_rules_name_catalogue_queues_with_a_consumer():
    queues = {q.name for q in cat.QUEUES}
    consumed = {t.queue for fn in cat.FUNCTIONS for t in fn.queues}
    for rule in cat.EVENT_RULES:
        assert rule.queue in queues, rule
        assert rule.queue in consumed, f"{rule.name}: nobody consumes {rule.queue}"
    assert len({r.name for r in cat.EVENT_RULES}) == len(cat.EVENT_RULES)


def test_domain_event_source_is_the_publishers():
    from klientportal.events import SOURCE

    assert cat.DOMAIN_EVENT_SOURCE == SOURCE
