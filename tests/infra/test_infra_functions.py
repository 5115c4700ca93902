"""One Lambda function per catalogue entry, configured and permitted as the catalogue says."""

from __future__ import annotations

from functions import catalogue as cat
from infra.api import EXTRA_LAYERS, USER_POOL_ID_VAR
from infra.intake import TEXTRACT_ACTIONS
from tests.infra.helpers import CDK_SINGLETONS, actions, functions_by_handler, policy_statements, ref_target

ALWAYS = {
    "KP_TABLE_MAIN",
    "KP_TABLE_IDEMPOTENCY",
    "KP_BUS_DOMAIN",
    "KP_IDENTITY_PROVIDER",
    "KP_DELIVERY_MODE",
    USER_POOL_ID_VAR,
    "POWERTOOLS_SERVICE_NAME",
    "POWERTOOLS_METRICS_NAMESPACE",
}


def test_one_function_per_catalogue_entry_and_nothing_else(any_stack):
    lambdas = {
        k: v for k, v in any_stack.resources("AWS::Lambda::Function").items() if not k.startswith(CDK_SINGLETONS)
    }
    spec_functions = any_stack.stack.spec.functions
    assert len(lambdas) == len(spec_functions)
    assert set(functions_by_handler(any_stack.template)) == {fn.handler for fn in spec_functions}


def test_runtime_architecture_memory_timeout_tracing_layers(any_stack):
    by_handler = functions_by_handler(any_stack.template)
    for fn in any_stack.stack.spec.functions:
        _, props = by_handler[fn.handler]
        assert props["Runtime"] == "python3.13"
        assert props["Architectures"] == ["arm64"]
        assert props["MemorySize"] == fn.memory_mb
        assert props["Timeout"] == fn.timeout_s
        assert props["TracingConfig"] == {"Mode": "Active"}
        assert len(props["Layers"]) == 2 + len(fn.extra_layers)
        assert props["Description"] == fn.description


def test_environment_names_every_resource_the_function_may_use(any_stack):
    by_handler = functions_by_handler(any_stack.template)
    data = any_stack.stack.data
    for fn in any_stack.stack.spec.functions:
        env = by_handler[fn.handler][1]["Environment"]["Variables"]
        expected = ALWAYS | {cat.env_var(a.resource) for a in fn.access}
        expected |= {k for layer in fn.extra_layers for k in EXTRA_LAYERS[layer].environment}
        assert set(env) == expected, fn.name
        assert env["POWERTOOLS_SERVICE_NAME"] == f"klientportal-{fn.name}"
        assert env["POWERTOOLS_METRICS_NAMESPACE"] == "Klientportal"
        assert env["KP_IDENTITY_PROVIDER"] == "cognito"
        assert env["KP_DELIVERY_MODE"] == "aws"  # real adapters in AWS, never the simulators
        assert ref_target(env["KP_TABLE_MAIN"]) == any_stack.logical_id(data.tables["main"])
        assert ref_target(env[USER_POOL_ID_VAR]) == any_stack.logical_id(any_stack.stack.identity.user_pool)


def test_log_groups_have_retention(any_stack):
    groups = any_stack.resources("AWS::Logs::LogGroup")
    assert len(groups) == len(any_stack.stack.spec.functions) + 1 + len(any_stack.stack.spec.state_machines)
    assert all("RetentionInDays" in g["Properties"] for g in groups.values())


def _role_actions(synthesised, name: str) -> set[str]:
    function = synthesised.stack.api.functions[name]
    role_id = synthesised.logical_id(function.role)
    return actions(policy_statements(synthesised.template, role_id))


def test_grants_follow_access(catalogue_stack):
    tenancy = _role_actions(catalogue_stack, "tenancy")
    assert {"dynamodb:PutItem", "cognito-idp:AdminCreateUser"} <= tenancy
    audit = _role_actions(catalogue_stack, "audit")
    assert "dynamodb:Query" in audit
    assert not {a for a in audit if a.startswith("dynamodb:") and ("Put" in a or "Update" in a or "Delete" in a)}
    assert {"kms:Encrypt", "kms:Decrypt"} <= _role_actions(catalogue_stack, "registers")
    assert "events:PutEvents" in _role_actions(catalogue_stack, "events-publisher")
    apidocs = _role_actions(catalogue_stack, "apidocs")
    assert not {a for a in apidocs if a.split(":")[0] in {"dynamodb", "s3", "kms", "events", "cognito-idp"}}


def test_bucket_and_queue_grants_never_delete(extended_stack):
    ingest = _role_actions(extended_stack, "ingest")
    assert {"s3:PutObject", "s3:GetObject*"} <= ingest
    assert not {a for a in ingest if a.startswith("s3:Delete")}
    billing = _role_actions(extended_stack, "extended-schedule")
    assert "sqs:SendMessage" in billing
    assert "s3:PutObject" not in billing


def test_wildcard_resources_only_for_actions_without_resource_level_permissions(any_stack):
    allowed = {"xray:PutTraceSegments", "xray:PutTelemetryRecords", "dynamodb:ListStreams", *TEXTRACT_ACTIONS}
    for fn in any_stack.stack.spec.functions:
        role_id = any_stack.logical_id(any_stack.stack.api.functions[fn.name].role)
        for statement in policy_statements(any_stack.template, role_id):
            if statement["Resource"] == "*":
                assert actions([statement]) <= allowed, (fn.name, statement)
