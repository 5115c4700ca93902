"""The HTTP API: one route per catalogue route, the JWT authorizer, the user pool behind it."""

from __future__ import annotations

from aws_cdk.assertions import Match

from functions import catalogue as cat
from tests.infra.helpers import functions_by_handler, route_targets


def test_routes_agree_with_the_catalogue_both_ways(catalogue_stack):
    assert set(route_targets(catalogue_stack.template)) == set(cat.route_actions())
    catalogue_stack.assertions.resource_count_is("AWS::ApiGatewayV2::Route", len(cat.routes()))


def test_each_route_invokes_its_function_with_or_without_the_authorizer(catalogue_stack):
    targets = route_targets(catalogue_stack.template)
    by_handler = functions_by_handler(catalogue_stack.template)
    for fn, route in cat.routes():
        props, function_id = targets[route.route_key]
        assert function_id == by_handler[fn.handler][0], route.route_key
        if route.action is None:
            assert props["AuthorizationType"] == "NONE", route.route_key
            assert "AuthorizerId" not in props
        else:
            assert props["AuthorizationType"] == "JWT", route.route_key
            assert "AuthorizerId" in props


def test_one_invoke_permission_per_routed_function(catalogue_stack):
    routed = sum(bool(fn.routes) for fn in cat.FUNCTIONS)
    api_permissions = [
        p
        for p in catalogue_stack.resources("AWS::Lambda::Permission").values()
        if p["Properties"]["Principal"] == "apigateway.amazonaws.com"
    ]
    assert len(api_permissions) == routed  # schedules add their own events.amazonaws.com permissions
    catalogue_stack.assertions.resource_count_is("AWS::ApiGatewayV2::Integration", routed)


def test_jwt_authorizer_trusts_the_pool_and_the_client(catalogue_stack):
    identity = catalogue_stack.stack.identity
    [authorizer] = catalogue_stack.resources("AWS::ApiGatewayV2::Authorizer").values()
    props = authorizer["Properties"]
    assert props["AuthorizerType"] == "JWT"
    assert props["IdentitySource"] == ["$request.header.Authorization"]
    assert props["JwtConfiguration"]["Audience"] == [{"Ref": catalogue_stack.logical_id(identity.client)}]
    pool_id = catalogue_stack.logical_id(identity.user_pool)
    assert props["JwtConfiguration"]["Issuer"] == {"Fn::GetAtt": [pool_id, "ProviderURL"]}


def test_stage_logs_access_and_throttles(catalogue_stack):
    catalogue_stack.assertions.has_resource_properties(
        "AWS::ApiGatewayV2::Stage",
        {
            "StageName": "$default",
            "AutoDeploy": True,
            "AccessLogSettings": {"DestinationArn": Match.any_value(), "Format": Match.any_value()},
            "DefaultRouteSettings": {
                "ThrottlingRateLimit": Match.any_value(),
                "ThrottlingBurstLimit": Match.any_value(),
            },
        },
    )


def test_user_pool_email_sign_in_optional_totp_strong_passwords(catalogue_stack):
    catalogue_stack.assertions.has_resource_properties(
        "AWS::Cognito::UserPool",
        {
            "UsernameAttributes": ["email"],
            "MfaConfiguration": "OPTIONAL",
            "EnabledMfas": ["SOFTWARE_TOKEN_MFA"],
            "AdminCreateUserConfig": {"AllowAdminCreateUserOnly": True},
            "Policies": {
                "PasswordPolicy": Match.object_like(
                    {"MinimumLength": 12, "RequireSymbols": True, "RequireNumbers": True}
                )
            },
            "UserPoolTier": "PLUS",
            "UserPoolAddOns": {"AdvancedSecurityMode": "ENFORCED"},
        },
    )
    catalogue_stack.assertions.has_resource_properties(
        "AWS::Cognito::UserPoolClient",
        {
            "GenerateSecret": False,
            "PreventUserExistenceErrors": "ENABLED",
            "ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
            "AllowedOAuthFlows": Match.absent(),
            "CallbackURLs": Match.absent(),
        },
    )


def test_cors_configuration_is_the_one_the_local_gateway_applies(catalogue_stack):
    from infra import cors
    from tests.infra.conftest import CORS_ORIGINS

    policy = cors.policy(cors.parse_origins(CORS_ORIGINS))
    [api] = catalogue_stack.resources("AWS::ApiGatewayV2::Api").values()
    assert api["Properties"]["CorsConfiguration"] == {
        "AllowOrigins": list(policy.allow_origins),
        "AllowMethods": list(policy.allow_methods),
        "AllowHeaders": list(policy.allow_headers),
        "ExposeHeaders": list(policy.expose_headers),
        "MaxAge": policy.max_age_s,
    }
    assert set(policy.allow_methods) == {r.method for _, r in cat.routes()}
