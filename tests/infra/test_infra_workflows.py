"""Catalogue, ASL files and template agree on the state machines: every placeholder filled, every
task function in the catalogue, every human wait bounded, each role granted exactly its tasks and
resources, and the functions that start executions or answer tokens granted that and no more."""

from __future__ import annotations

import json

import pytest

from functions import catalogue as cat
from infra import workflow_definitions
from infra.workflows import READ_ACTIONS, START_ACTIONS, TASK_RESPONSE_ACTIONS, machine_name
from tests.infra.helpers import actions, policy_statements, ref_target

PROBE = "probe"


def _all_machines(stack) -> tuple[cat.StateMachine, ...]:
    return stack.stack.spec.state_machines


def _definition(synthesised, sm: cat.StateMachine) -> tuple[str, list]:
    machine = synthesised.stack.workflows.machines[sm.name]
    props = synthesised.template["Resources"][synthesised.logical_id(machine)]["Properties"]
    parts = (
        props["DefinitionString"]["Fn::Join"][1]
        if isinstance(props["DefinitionString"], dict)
        else [props["DefinitionString"]]
    )
    text = "".join(p if isinstance(p, str) else "<token>" for p in parts)
    return text, [p for p in parts if not isinstance(p, str)]


@pytest.mark.parametrize("sm", [*cat.STATE_MACHINES], ids=lambda sm: sm.name)
def test_each_catalogue_machine_names_its_tasks_and_resources_exactly(sm):
    assert workflow_definitions.placeholders(sm) == set(sm.tasks) | set(sm.resources)
    names = {fn.name for fn in cat.FUNCTIONS}
    assert set(sm.tasks.values()) <= names, "a task names a function the catalogue does not have"


def test_every_human_wait_is_bounded(any_stack):
    """.waitForTaskToken needs TimeoutSeconds and HeartbeatSeconds (static or from the input, so
    durations are parameters); the machine as a whole has a TimeoutSeconds too: nothing hangs."""
    for sm in _all_machines(any_stack):
        definition = workflow_definitions.parsed(sm)
        assert 0 < definition["TimeoutSeconds"] <= sm.timeout_s, sm.name
        for name, state in workflow_definitions.human_waits(definition):
            assert {"TimeoutSeconds", "TimeoutSecondsPath"} & set(state), (sm.name, name)
            assert {"HeartbeatSeconds", "HeartbeatSecondsPath"} & set(state), (sm.name, name)


def test_the_extended_spec_has_a_human_wait_and_a_resource(extended_stack):
    probe = next(sm for sm in _all_machines(extended_stack) if sm.name == PROBE)
    assert workflow_definitions.human_waits(workflow_definitions.parsed(probe))
    assert probe.resources


def test_one_state_machine_per_entry_from_its_file_with_every_placeholder_filled(any_stack):
    machines = any_stack.resources("AWS::StepFunctions::StateMachine")
    assert len(machines) == len(_all_machines(any_stack))
    for sm in _all_machines(any_stack):
        text, tokens = _definition(any_stack, sm)
        assert "${" not in text, f"{sm.name}: a placeholder is left in the template"
        assert list(json.loads(text)["States"]) == list(workflow_definitions.parsed(sm)["States"])
        fn_ids = {any_stack.logical_id(any_stack.stack.api.functions[f]) for f in sm.tasks.values()}
        assert {ref_target(t) for t in tokens if ref_target(t) in fn_ids} == fn_ids
        props = any_stack.template["Resources"][any_stack.logical_id(any_stack.stack.workflows.machines[sm.name])][
            "Properties"
        ]
        assert props["StateMachineName"] == machine_name(any_stack.stack, sm)
        assert props["TracingConfiguration"] == {"Enabled": True}
        assert props["LoggingConfiguration"]["Level"] == "ALL"
        assert props["LoggingConfiguration"]["IncludeExecutionData"] is False  # tokens stay out of the logs


def test_each_machine_role_may_invoke_exactly_its_task_functions(any_stack):
    for sm in _all_machines(any_stack):
        role_id = any_stack.logical_id(any_stack.stack.workflows.roles[sm.name])
        statements = policy_statements(any_stack.template, role_id)
        invoked = {
            ref_target(r if not isinstance(r, dict) or "Fn::Join" not in r else r["Fn::Join"][1][0])
            for s in statements
            if "lambda:InvokeFunction" in actions([s])
            for r in (s["Resource"] if isinstance(s["Resource"], list) else [s["Resource"]])
        }
        expected = {any_stack.logical_id(any_stack.stack.api.functions[f]) for f in sm.tasks.values()}
        assert invoked == expected, sm.name
        granted = actions(statements)
        if any(r.startswith("queue:") for r in sm.resources.values()):
            assert "sqs:SendMessage" in granted
        assert not {a for a in granted if a.startswith(("dynamodb:", "s3:", "kms:"))}, sm.name


def test_functions_reach_a_machine_only_through_access(any_stack):
    for fn in any_stack.stack.spec.functions:
        role_id = any_stack.logical_id(any_stack.stack.api.functions[fn.name].role)
        granted = actions(policy_statements(any_stack.template, role_id))
        writes = [a for a in fn.access if a.resource.startswith("statemachine:") and a.write]
        if writes:
            assert {*START_ACTIONS, *TASK_RESPONSE_ACTIONS, *READ_ACTIONS} <= granted, fn.name
            env = any_stack.template["Resources"][any_stack.logical_id(any_stack.stack.api.functions[fn.name])]
            variables = env["Properties"]["Environment"]["Variables"]
            assert all(cat.env_var(a.resource) in variables for a in writes)
        elif not any(a.resource.startswith("statemachine:") for a in fn.access):
            assert not {a for a in granted if a.startswith("states:")}, fn.name


def test_the_probe_starter_gets_the_probe_machine(extended_stack):
    starter = next(fn for fn in extended_stack.stack.spec.functions if fn.name == "probe-starter")
    assert any(a.resource == "statemachine:probe" for a in starter.access)


def test_every_asl_file_is_a_catalogue_entry():
    files = {
        str(p.relative_to(workflow_definitions.REPO_ROOT))
        for p in (workflow_definitions.REPO_ROOT / "functions" / "workflows").glob("*.asl.json")
    }
    assert files == {sm.definition for sm in cat.STATE_MACHINES}
