"""The Klientportal stack: one construct per concern, all built from the catalogue."""

from __future__ import annotations

from aws_cdk import Annotations, CfnOutput, Stack
from constructs import Construct

from infra import assets
from infra.api import Api
from infra.bindings import Bindings
from infra.config import Config
from infra.data import Data
from infra.identity import Identity
from infra.intake import Intake
from infra.messaging import Messaging
from infra.monitoring import Monitoring
from infra.nag_suppressions import acknowledge_findings
from infra.spec import Spec
from infra.triggers import Triggers
from infra.workflows import Workflows


class KlientportalStack(Stack):
    """Data, identity and API, functions, triggers and alarms for one stage."""

    def __init__(self, scope: Construct, construct_id: str, *, spec: Spec, config: Config, **kwargs):
        super().__init__(scope, construct_id, **kwargs)
        self.spec = spec
        _check_deps_layer(self, config)
        bindings = Bindings()
        self.data = Data(self, "Data", spec=spec, bindings=bindings)
        self.messaging = Messaging(self, "Messaging", spec=spec, bindings=bindings)
        self.intake = Intake(
            self, "Intake", spec=spec, config=config, data=self.data, messaging=self.messaging, bindings=bindings
        )
        self.identity = Identity(self, "Identity", config=config, bindings=bindings)
        self.workflows = Workflows(self, "Workflows", spec=spec, bindings=bindings)
        self.api = Api(self, "Api", spec=spec, config=config, bindings=bindings, identity=self.identity)
        self.workflows.build(self.api.functions)
        self.triggers = Triggers(self, "Triggers", spec=spec, api=self.api, data=self.data, messaging=self.messaging)
        self.monitoring = Monitoring(
            self,
            "Monitoring",
            functions=self.api.functions,
            dead_letter_queues=self.messaging.dead_letter_queues,
            stream_consumers=self.triggers.stream_consumers,
            alarm_email=config.alarm_email,
        )
        CfnOutput(self, "ApiUrl", value=self.identity.stage.url)
        CfnOutput(self, "UserPoolId", value=self.identity.user_pool.user_pool_id)
        CfnOutput(self, "UserPoolClientId", value=self.identity.client.user_pool_client_id)
        acknowledge_findings(self)


def _check_deps_layer(stack: Stack, config: Config) -> None:
    """Synth works without the built dependency layer (a placeholder stands in), deploy does not; a
    deployment also checks every function's code + layers against the size margin (deploy_size)."""
    if assets.deps_layer_built(config.deps_layer_dir):
        if config.require_deps_layer:
            from infra.deploy_size import check_catalogue

            check_catalogue(config, report=False)
        return
    message = (
        f"dependency layer not built at {config.deps_layer_dir}: a placeholder stands in; "
        "run `python -m infra.build_deps_layer` (make deps-layer) before deploying"
    )
    if config.require_deps_layer:
        raise RuntimeError(message)
    Annotations.of(stack).add_warning_v2("klientportal:placeholderDepsLayer", message)
