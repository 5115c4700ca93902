"""Who may call: the Cognito user pool, its app client, the HTTP API and its JWT authorizer."""

from __future__ import annotations

import json

import jsii
from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra import cors
from infra.bindings import Binding, Bindings
from infra.config import Config

USER_POOL_RESOURCE = "userpool:users"
USER_POOL_READ_ACTIONS = (
    "cognito-idp:AdminGetUser",
    "cognito-idp:AdminListGroupsForUser",
    "cognito-idp:ListUsers",
)
USER_POOL_WRITE_ACTIONS = (
    "cognito-idp:AdminCreateUser",
    "cognito-idp:AdminUpdateUserAttributes",
    "cognito-idp:AdminDisableUser",
    "cognito-idp:AdminEnableUser",
    "cognito-idp:AdminResetUserPassword",
    "cognito-idp:AdminAddUserToGroup",
    "cognito-idp:AdminRemoveUserFromGroup",
    "cognito-idp:AdminUserGlobalSignOut",
)
THROTTLE_RATE_PER_S = 200
THROTTLE_BURST = 400
API_LOG_RETENTION = logs.RetentionDays.ONE_YEAR
ACCESS_LOG_FIELDS = {
    "requestId": "$context.requestId",
    "requestTime": "$context.requestTime",
    "ip": "$context.identity.sourceIp",
    "routeKey": "$context.routeKey",
    "status": "$context.status",
    "protocol": "$context.protocol",
    "responseLength": "$context.responseLength",
    "latencyMs": "$context.responseLatency",
    "integrationError": "$context.integrationErrorMessage",
    "authorizerError": "$context.authorizer.error",
}


@jsii.implements(apigwv2.IAccessLogSettings)
class _AccessLogs:
    """JSON access logs of the HTTP API stage, without request bodies or tokens."""

    def __init__(self, log_group: logs.ILogGroup):
        self._log_group = log_group

    @property
    def destination(self) -> apigwv2.IAccessLogDestination:
        return apigwv2.LogGroupLogDestination(self._log_group)

    @property
    def format(self) -> apigw.AccessLogFormat:
        return apigw.AccessLogFormat.custom(json.dumps(ACCESS_LOG_FIELDS))


class Identity(Construct):
    """The user directory and the HTTP API in front of the functions, with its JWT authorizer (one
    resource here, in the parent stack, that the route stacks refer to by id: infra/api.py)."""

    def __init__(self, scope: Construct, construct_id: str, *, config: Config, bindings: Bindings):
        super().__init__(scope, construct_id)
        self.user_pool = self._user_pool()
        self.client = self.user_pool.add_client(
            "PortalClient",
            auth_flows=cognito.AuthFlow(user_srp=True),
            generate_secret=False,
            disable_o_auth=True,
            prevent_user_existence_errors=True,
            access_token_validity=Duration.hours(1),
            id_token_validity=Duration.hours(1),
            refresh_token_validity=Duration.days(30),
            enable_token_revocation=True,
        )
        self.http_api = apigwv2.HttpApi(
            self,
            "HttpApi",
            description="Klientportal API",
            create_default_stage=False,
            cors_preflight=_cors(config.cors_origins),
        )
        self.authorizer = apigwv2.HttpAuthorizer(
            self,
            "CognitoAuthorizer",
            http_api=self.http_api,
            type=apigwv2.HttpAuthorizerType.JWT,
            identity_source=["$request.header.Authorization"],
            jwt_issuer=self.user_pool.user_pool_provider_url,
            jwt_audience=[self.client.user_pool_client_id],
        )
        self.stage = apigwv2.HttpStage(
            self,
            "DefaultStage",
            http_api=self.http_api,
            auto_deploy=True,
            throttle=apigwv2.ThrottleSettings(rate_limit=THROTTLE_RATE_PER_S, burst_limit=THROTTLE_BURST),
            access_log_settings=_AccessLogs(logs.LogGroup(self, "ApiAccessLogs", retention=API_LOG_RETENTION)),
        )
        bindings[USER_POOL_RESOURCE] = Binding(self.user_pool.user_pool_id, self._grant_user_pool)

    def _user_pool(self) -> cognito.UserPool:
        return cognito.UserPool(
            self,
            "UserPool",
            self_sign_up_enabled=False,
            sign_in_aliases=cognito.SignInAliases(email=True),
            sign_in_case_sensitive=False,
            auto_verify=cognito.AutoVerifiedAttrs(email=True),
            mfa=cognito.Mfa.OPTIONAL,
            mfa_second_factor=cognito.MfaSecondFactor(otp=True, sms=False),
            password_policy=cognito.PasswordPolicy(
                min_length=12,
                require_lowercase=True,
                require_uppercase=True,
                require_digits=True,
                require_symbols=True,
                temp_password_validity=Duration.days(3),
            ),
            account_recovery=cognito.AccountRecovery.EMAIL_ONLY,
            feature_plan=cognito.FeaturePlan.PLUS,
            standard_threat_protection_mode=cognito.StandardThreatProtectionMode.FULL_FUNCTION,
            deletion_protection=True,
            removal_policy=RemovalPolicy.RETAIN,
        )

    def _grant_user_pool(self, grantee: iam.IGrantable, write: bool) -> None:
        actions = USER_POOL_READ_ACTIONS + (USER_POOL_WRITE_ACTIONS if write else ())
        self.user_pool.grant(grantee, *actions)


def _cors(origins: tuple[str, ...]) -> apigwv2.CorsPreflightOptions | None:
    """CORS for the portal SPA's origins (context klientportal:corsOrigins); none when empty. The
    policy itself lives in infra/cors.py, which the local gateway applies as well."""
    policy = cors.policy(origins)
    if not policy.enabled:
        return None
    return apigwv2.CorsPreflightOptions(
        allow_origins=list(policy.allow_origins),
        allow_methods=[apigwv2.CorsHttpMethod[m] for m in policy.allow_methods],
        allow_headers=list(policy.allow_headers),
        expose_headers=list(policy.expose_headers),
        max_age=Duration.seconds(policy.max_age_s),
    )
