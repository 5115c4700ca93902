"""One Lambda function per catalogue entry, its HTTP routes and its least-privilege grants.

The functions, roles and log groups live in the parent stack; each routed function's routes, its
integration and its one invoke permission live in a nested stack of their own (decision 0030), so
that routes, the most numerous resources, do not count against the parent's 500.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from aws_cdk import Duration, NestedStack
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk.aws_apigatewayv2_integrations import HttpLambdaIntegration
from constructs import Construct

from functions import catalogue as cat
from infra import assets
from infra.bindings import Bindings
from infra.config import Config
from infra.identity import USER_POOL_RESOURCE, Identity
from infra.spec import Spec, pascal

RUNTIME = lambda_.Runtime.PYTHON_3_13
ARCHITECTURE = lambda_.Architecture.ARM_64
FUNCTION_LOG_RETENTION = logs.RetentionDays.THREE_MONTHS
METRICS_NAMESPACE = "Klientportal"
IDENTITY_PROVIDER = "cognito"
USER_POOL_ID_VAR = "KP_USER_POOL_ID"


@dataclass(frozen=True)
class ExtraLayer:
    """A layer beyond common + deps: where its built folder is, and what functions using it need."""

    description: str
    folder: Callable[[Config], Path]
    environment: dict[str, str]


EXTRA_LAYERS = {
    "xslt": ExtraLayer(
        description="saxonche (XSLT 2.0) and the EHF validation artefacts (UBL XSD, CEN/PEPPOL XSLT) "
        "under /opt/conformance; built by `python -m infra.build_xslt_layer`",
        folder=lambda config: config.xslt_layer_dir,
        environment={"KLIENTPORTAL_CONFORMANCE_DIR": "/opt/conformance"},
    ),
    "pdf": ExtraLayer(
        description="fpdf2 with fontTools and Pillow: invoice PDF rendering; built by "
        "`python -m infra.build_pdf_layer`",
        folder=lambda config: config.pdf_layer_dir,
        environment={},
    ),
}


class Api(Construct):
    """Lambda functions by catalogue name (`functions`), their roles and their API routes."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        spec: Spec,
        config: Config,
        bindings: Bindings,
        identity: Identity,
    ):
        super().__init__(scope, construct_id)
        self._spec = spec
        self._bindings = bindings
        self._identity = identity
        code = assets.functions_code()
        layers = [
            lambda_.LayerVersion(
                self,
                "CommonLayer",
                code=assets.common_layer_code(),
                description="klientportal: the shared domain package",
                compatible_runtimes=[RUNTIME],
                compatible_architectures=[ARCHITECTURE],
            ),
            lambda_.LayerVersion(
                self,
                "DepsLayer",
                code=assets.deps_layer_code(config.deps_layer_dir),
                description="third-party runtime dependencies (pyproject) for python3.13 arm64",
                compatible_runtimes=[RUNTIME],
                compatible_architectures=[ARCHITECTURE],
            ),
        ]
        self._config = config
        self.extra_layers: dict[str, lambda_.LayerVersion] = {}
        self.functions = {
            fn.name: self._function(fn, code, [*layers, *map(self._extra_layer, fn.extra_layers)])
            for fn in spec.functions
        }
        self.route_stacks = {
            fn.name: FunctionRoutes(
                self, f"{pascal(fn.name)}Routes", fn=fn, function=self.functions[fn.name], identity=identity
            )
            for fn in spec.functions
            if fn.routes
        }
        self.public_routes = [r for stack in self.route_stacks.values() for r in stack.public_routes]

    def environment(self, fn: cat.Function) -> dict[str, str]:
        """The function's environment: its resources' names, the shared ones and powertools'."""
        resources = dict.fromkeys((*self._spec.shared_resources, *(a.resource for a in fn.access)))
        env = {cat.env_var(r): self._bindings.require(r).value for r in resources}
        env |= {
            USER_POOL_ID_VAR: self._bindings.require(USER_POOL_RESOURCE).value,
            "KP_IDENTITY_PROVIDER": IDENTITY_PROVIDER,
            "KP_DELIVERY_MODE": "aws",
            "POWERTOOLS_SERVICE_NAME": f"klientportal-{fn.name}",
            "POWERTOOLS_METRICS_NAMESPACE": METRICS_NAMESPACE,
        }
        for name in fn.extra_layers:
            env |= EXTRA_LAYERS[name].environment
        return env

    def _extra_layer(self, name: str) -> lambda_.LayerVersion:
        """A named layer of the catalogue (`Function.extra_layers`), one LayerVersion shared by all
        functions that name it; the placeholder stands in until it is built."""
        if name not in self.extra_layers:
            spec = EXTRA_LAYERS[name]
            self.extra_layers[name] = lambda_.LayerVersion(
                self,
                f"{pascal(name)}Layer",
                code=assets.deps_layer_code(spec.folder(self._config)),
                description=spec.description,
                compatible_runtimes=[RUNTIME],
                compatible_architectures=[ARCHITECTURE],
            )
        return self.extra_layers[name]

    def _function(self, fn: cat.Function, code: lambda_.Code, layers) -> lambda_.Function:
        base = pascal(fn.name)
        log_group = logs.LogGroup(self, f"{base}Logs", retention=FUNCTION_LOG_RETENTION)
        role = iam.Role(
            self,
            f"{base}Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"Klientportal {fn.name} function",
        )
        log_group.grant_write(role)
        function = lambda_.Function(
            self,
            f"{base}Function",
            description=fn.description,
            runtime=RUNTIME,
            architecture=ARCHITECTURE,
            handler=fn.handler,
            code=code,
            layers=layers,
            memory_size=fn.memory_mb,
            timeout=Duration.seconds(fn.timeout_s),
            tracing=lambda_.Tracing.ACTIVE,
            log_group=log_group,
            role=role,
            environment=self.environment(fn),
        )
        for access in fn.access:
            self._bindings.require(access.resource).grant(function, access.write)
        return function


MAX_ROUTES_PER_STACK = 200  # a function's route stack: 2 + its routes resources, far below 500


class FunctionRoutes(NestedStack):
    """A function's HTTP routes on the parent's API, its integration and its one invoke permission.

    One nested stack per routed function, not chunks of N routes: a route never moves between nested
    stacks when other functions gain routes (API Gateway refuses a second route with the same key, so
    a move would fail the deployment). The parent passes the function's ARN, the API id and the
    authorizer id as parameters; nothing in the parent refers back, so no cycle arises.
    """

    def __init__(
        self, scope: Construct, construct_id: str, *, fn: cat.Function, function: lambda_.Function, identity: Identity
    ):
        super().__init__(scope, construct_id, description=f"Klientportal {fn.name}: HTTP routes")
        if len(fn.routes) > MAX_ROUTES_PER_STACK:
            raise ValueError(
                f"{fn.name} has {len(fn.routes)} routes, over {MAX_ROUTES_PER_STACK} per nested stack: split it"
            )
        # one invoke permission for the API, not one per route (a function with dozens of routes would
        # otherwise approach Lambda's 20 KB resource policy limit)
        integration = HttpLambdaIntegration(f"{pascal(fn.name)}Integration", function, scope_permission_to_route=False)
        authorizer = apigwv2.HttpAuthorizer.from_http_authorizer_attributes(
            self,
            "Authorizer",
            authorizer_id=identity.authorizer.authorizer_id,
            authorizer_type=apigwv2.HttpAuthorizerType.JWT.value,
        )
        self.public_routes: list[apigwv2.HttpRoute] = []
        for route in fn.routes:
            public = route.action is None
            created = apigwv2.HttpRoute(
                self,
                f"{route.method}{route.path}",
                http_api=identity.http_api,
                route_key=apigwv2.HttpRouteKey.with_(route.path, apigwv2.HttpMethod[route.method]),
                integration=integration,
                authorizer=apigwv2.HttpNoneAuthorizer() if public else authorizer,
            )
            if public:
                self.public_routes.append(created)
