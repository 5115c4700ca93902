"""Small readers of a synthesised template shared by the infra tests."""

from __future__ import annotations


def ref_target(value) -> str | None:
    """The logical id behind {"Ref": id} or {"Fn::GetAtt": [id, attr]}; None for anything else."""
    if isinstance(value, dict):
        if "Ref" in value:
            return value["Ref"]
        if "Fn::GetAtt" in value:
            return value["Fn::GetAtt"][0]
    return None


CDK_SINGLETONS = ("BucketNotificationsHandler",)  # CDK's own functions (S3 notification custom resource)


def functions_by_handler(template: dict) -> dict[str, tuple[str, dict]]:
    """Handler string → (logical id, properties) of every Lambda function of the catalogue."""
    return {
        r["Properties"]["Handler"]: (lid, r["Properties"])
        for lid, r in template["Resources"].items()
        if r["Type"] == "AWS::Lambda::Function" and not lid.startswith(CDK_SINGLETONS)
    }


def route_targets(template: dict) -> dict[str, tuple[dict, str]]:
    """Route key → (route properties, logical id of the Lambda function the route invokes)."""
    resources = template["Resources"]
    result = {}
    for route in (r for r in resources.values() if r["Type"] == "AWS::ApiGatewayV2::Route"):
        props = route["Properties"]
        integration_id = props["Target"]["Fn::Join"][1][1]["Ref"]
        uri = resources[integration_id]["Properties"]["IntegrationUri"]
        result[props["RouteKey"]] = (props, ref_target(uri))
    return result


def policy_statements(template: dict, role_id: str) -> list[dict]:
    """Every statement of the IAM policies attached to the role `role_id`."""
    statements = []
    for policy in template["Resources"].values():
        if policy["Type"] != "AWS::IAM::Policy":
            continue
        if {"Ref": role_id} in policy["Properties"]["Roles"]:
            statements += policy["Properties"]["PolicyDocument"]["Statement"]
    return statements


def actions(statements: list[dict]) -> set[str]:
    found: set[str] = set()
    for statement in statements:
        action = statement["Action"]
        found |= {action} if isinstance(action, str) else set(action)
    return found
