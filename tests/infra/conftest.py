"""One synth per test session: the catalogue's stack and an extended one with every trigger kind.

Each stack's routes and alarms live in nested stacks (decision 0030). `Synthesised.template` is the
parent with its nested templates folded in (parameters replaced by what the parent passes), so the
tests read routes, integrations, permissions and alarms as if there were one template;
`Synthesised.templates` are the files CloudFormation gets, for cfn-lint and the resource budget.

The extended spec adds a queue with a QueueTrigger, a Schedule, an EventRule and bucket access, which the
catalogue does not have yet, to prove the CDK code is generic over catalogue entries. The
dependency layer is the placeholder (no network, no 100 MB asset copy).
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from functions import catalogue as cat
from infra.app import build_app
from infra.spec import Spec
from infra.stack import KlientportalStack

if TYPE_CHECKING:
    from aws_cdk.assertions import Template
    from constructs import IConstruct

CATALOGUE_STACK = "Klientportal-test"
CORS_ORIGINS = "https://portal.example.no,https://app.example.no"  # as `-c klientportal:corsOrigins=…` gives it
EXTENDED_STACK = "Klientportal-extended"

EXTENDED_SPEC = dataclasses.replace(
    Spec(),
    queues=(*cat.QUEUES, cat.Queue("inbound-mail", visibility_timeout_s=180, max_receive_count=3)),
    event_rules=(*cat.EVENT_RULES, cat.EventRule("extended-bookings", "inbound-mail", ("voucher.booked",))),
    functions=(
        *cat.FUNCTIONS,
        cat.Function(
            name="extended-intake",
            handler="functions.extended.queue.lambda_handler",
            description="test: queue-triggered function writing vouchers",
            queues=(cat.QueueTrigger("inbound-mail", batch_size=5),),
            access=(
                cat.Access("table:main", write=True),
                cat.Access("bucket:vouchers", write=True),
            ),
            timeout_s=60,
        ),
        cat.Function(
            name="extended-schedule",  # not the catalogue's billing functions
            handler="functions.extended.schedule.lambda_handler",
            description="test: scheduled function",
            schedules=(cat.Schedule("monthly-run", "cron(0 3 1 * ? *)", {"run": "monthly"}),),
            access=(cat.Access("bucket:documents"), cat.Access("queue:inbound-mail", write=True)),
        ),
        cat.Function(
            name="probe-starter",
            handler="functions.probe.api.lambda_handler",
            description="test: starts the probe workflow and answers its task tokens",
            access=(cat.Access("table:main", write=True), cat.Access("statemachine:probe", write=True)),
        ),
    ),
    state_machines=(
        *cat.STATE_MACHINES,
        cat.StateMachine(
            name="probe",
            definition="tests/infra/probe.asl.json",
            description="test: a Lambda task, a human wait, an SQS hand-over",
            tasks={"Probe": "extended-intake"},
            resources={"Outgoing": "queue:inbound-mail"},
        ),
    ),
)


@dataclass(frozen=True)
class Synthesised:
    """A synthesised stack: its construct tree, its templates and the folded template (dict and
    assertions Template)."""

    stack: KlientportalStack
    templates: dict[str, dict]  # file name in cdk.out → template: the parent and each nested stack
    template: dict  # the parent with every nested stack's resources folded in
    assertions: Template

    def logical_id(self, construct: IConstruct) -> str:
        """The construct's logical id in its own (parent or nested) template, thus in `template`."""
        from aws_cdk import Stack

        stack = Stack.of(construct)
        return stack.resolve(stack.get_logical_id(construct.node.default_child))

    def resources(self, type_: str) -> dict[str, dict]:
        return {k: v for k, v in self.template["Resources"].items() if v["Type"] == type_}


@dataclass(frozen=True)
class Synth:
    outdir: Path
    catalogue: Synthesised
    extended: Synthesised


NESTED_STACK = "AWS::CloudFormation::Stack"


def nested_template_files(stack: KlientportalStack) -> dict[str, str]:
    """Logical id of each nested stack resource (in its parent's template) → its template's file."""
    from aws_cdk import NestedStack, Stack

    files = {}
    for construct in stack.node.find_all():
        if isinstance(construct, NestedStack):
            resource = construct.nested_stack_resource
            assert resource is not None
            parent = Stack.of(resource)
            files[parent.resolve(parent.get_logical_id(resource))] = construct.template_file
    return files


def fold_nested(parent: dict, outdir: Path, files: dict[str, str], templates: dict[str, dict]) -> dict:
    """`parent` with the resources of its nested stacks (files from `nested_template_files`, read
    from `outdir`, recorded in `templates`) in place of the AWS::CloudFormation::Stack resources,
    each {"Ref": parameter} replaced by the value the parent passes; logical ids must not clash."""
    resources = {k: v for k, v in parent["Resources"].items() if v["Type"] != NESTED_STACK}
    for logical_id, nested in parent["Resources"].items():
        if nested["Type"] != NESTED_STACK:
            continue
        file_name = files[logical_id]
        template = json.loads((outdir / file_name).read_text())
        templates[file_name] = template
        passed = nested["Properties"].get("Parameters", {})
        inner = fold_nested(_substitute(template, passed), outdir, files, templates)["Resources"]
        clashes = resources.keys() & inner.keys()
        assert not clashes, f"logical ids in both {file_name} and its parent: {clashes}"
        resources |= inner
    return {**parent, "Resources": resources}


def _substitute(value, parameters: dict):
    if isinstance(value, dict):
        if set(value) == {"Ref"} and value["Ref"] in parameters:
            return parameters[value["Ref"]]
        return {k: _substitute(v, parameters) for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute(v, parameters) for v in value]
    return value


@pytest.fixture(scope="session")
def synth(tmp_path_factory) -> Synth:
    tmp = tmp_path_factory.mktemp("cdk")
    app, stacks = build_app(
        outdir=tmp / "cdk.out",
        context={"klientportal:depsLayerDir": str(tmp / "no-deps-layer"), "klientportal:corsOrigins": CORS_ORIGINS},
        specs={CATALOGUE_STACK: Spec(), EXTENDED_STACK: EXTENDED_SPEC},
    )
    assembly = app.synth()
    from aws_cdk.assertions import Template  # after infra: it starts jsii, which needs node

    def synthesised(name: str) -> Synthesised:
        artifact = assembly.get_stack_by_name(name)
        templates = {artifact.template_file: artifact.template}
        files = nested_template_files(stacks[name])
        folded = fold_nested(artifact.template, Path(artifact.assembly.directory), files, templates)
        return Synthesised(stacks[name], templates, folded, Template.from_json(folded))

    return Synth(tmp / "cdk.out", synthesised(CATALOGUE_STACK), synthesised(EXTENDED_STACK))


@pytest.fixture(scope="session")
def catalogue_stack(synth: Synth) -> Synthesised:
    return synth.catalogue


@pytest.fixture(scope="session")
def extended_stack(synth: Synth) -> Synthesised:
    return synth.extended


@pytest.fixture(params=[CATALOGUE_STACK, EXTENDED_STACK], scope="session")
def any_stack(request, synth: Synth) -> Synthesised:
    return synth.catalogue if request.param == CATALOGUE_STACK else synth.extended
