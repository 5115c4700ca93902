"""The catalogue's state machines (functions/catalogue.py STATE_MACHINES) and their grants.

Two steps, because functions and state machines name each other: `register` (before the functions
exist) binds "statemachine:<name>" to the machine's ARN, formatted from its fixed name, so a
function's environment and grants carry no reference to the machine (no dependency cycle when a
task function also answers tokens); `build` (after the functions) creates each machine from its
ASL (`DefinitionBody.from_string`, visible to cfn-lint) with its task ARNs and resources filled
in, and a role that may invoke exactly its task functions and use exactly its resources.
"""

from __future__ import annotations

from aws_cdk import ArnFormat, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from functions import catalogue as cat
from infra import workflow_definitions
from infra.bindings import Binding, Bindings
from infra.spec import Spec, pascal

LOG_RETENTION = logs.RetentionDays.THREE_MONTHS
START_ACTIONS = ("states:StartExecution",)
TASK_RESPONSE_ACTIONS = ("states:SendTaskSuccess", "states:SendTaskFailure", "states:SendTaskHeartbeat")
READ_ACTIONS = ("states:DescribeExecution", "states:GetExecutionHistory")


def machine_name(scope: Construct, sm: cat.StateMachine) -> str:
    return f"{Stack.of(scope).stack_name}-{sm.name}"


class Workflows(Construct):
    """`machines` by catalogue name, `roles` by catalogue name (for the nag acknowledgements)."""

    def __init__(self, scope: Construct, construct_id: str, *, spec: Spec, bindings: Bindings):
        super().__init__(scope, construct_id)
        self._spec = spec
        self._bindings = bindings
        self.machines: dict[str, sfn.StateMachine] = {}
        self.roles: dict[str, iam.Role] = {}
        stack = Stack.of(self)
        for sm in spec.state_machines:
            arn = stack.format_arn(
                service="states",
                resource="stateMachine",
                resource_name=machine_name(self, sm),
                arn_format=ArnFormat.COLON_RESOURCE_NAME,
            )
            bindings[f"statemachine:{sm.name}"] = Binding(arn, _grant(stack, arn, machine_name(self, sm)))

    def build(self, functions: dict[str, lambda_.Function]) -> None:
        """Create every state machine; `functions` are the catalogue's Lambda functions by name."""
        for sm in self._spec.state_machines:
            self._machine(sm, functions)

    def _machine(self, sm: cat.StateMachine, functions: dict[str, lambda_.Function]) -> None:
        base = pascal(sm.name)
        role = iam.Role(
            self,
            f"{base}Role",
            assumed_by=iam.ServicePrincipal("states.amazonaws.com"),
            description=f"Klientportal {sm.name} state machine",
        )
        for fn_name in sm.tasks.values():
            functions[fn_name].grant_invoke(role)
        for resource in sm.resources.values():
            self._bindings.require(resource).grant(role, True)
        log_group = logs.LogGroup(self, f"{base}Logs", retention=LOG_RETENTION, removal_policy=RemovalPolicy.RETAIN)
        definition = workflow_definitions.render(
            sm,
            task_arn=lambda name: functions[name].function_arn,
            resource_value=lambda r: self._bindings.require(r).value,
        )
        machine = sfn.StateMachine(
            self,
            f"{base}StateMachine",
            state_machine_name=machine_name(self, sm),
            comment=sm.description,
            definition_body=sfn.DefinitionBody.from_string(definition),
            role=role,
            tracing_enabled=True,
            logs=sfn.LogOptions(
                destination=log_group,
                level=sfn.LogLevel.ALL,
                include_execution_data=False,  # task parameters carry task tokens and decision comments
            ),
        )
        self.machines[sm.name] = machine
        self.roles[sm.name] = role


def _grant(stack: Stack, arn: str, name: str):
    executions = stack.format_arn(
        service="states", resource="execution", resource_name=f"{name}:*", arn_format=ArnFormat.COLON_RESOURCE_NAME
    )

    def grant(grantee: iam.IGrantable, write: bool) -> None:
        iam.Grant.add_to_principal(grantee=grantee, actions=list(READ_ACTIONS), resource_arns=[executions])
        if write:
            iam.Grant.add_to_principal(
                grantee=grantee, actions=[*START_ACTIONS, *TASK_RESPONSE_ACTIONS], resource_arns=[arn]
            )

    return grant
