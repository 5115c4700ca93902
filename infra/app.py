"""CDK entry point (cdk.json: "python -m infra.app"): the catalogue's stack, checked by cdk-nag.

Runs without an AWS account and without Docker: the stack is environment-agnostic unless the CDK
CLI supplies CDK_DEFAULT_ACCOUNT/CDK_DEFAULT_REGION, and every asset is a plain folder.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks

from infra.config import REPO_ROOT, Config
from infra.spec import Spec
from infra.stack import KlientportalStack

CDK_JSON = REPO_ROOT / "cdk.json"
DEFAULT_OUTDIR = REPO_ROOT / "cdk.out"


def cdk_json_context() -> dict:
    """cdk.json's context (feature flags, defaults), which the CLI would pass in; CLI values win."""
    return json.loads(CDK_JSON.read_text())["context"]


def build_app(
    *, outdir: Path | None = None, context: dict | None = None, specs: dict[str, Spec] | None = None
) -> tuple[cdk.App, dict[str, KlientportalStack]]:
    """An App with cdk-nag and a stack per spec (default: the catalogue as Klientportal-<stage>)."""
    outdir = outdir or Path(os.environ.get("CDK_OUTDIR", DEFAULT_OUTDIR))
    app = cdk.App(outdir=str(outdir), context={**cdk_json_context(), **(context or {})})
    config = Config.from_context(app.node)
    env = cdk.Environment(account=os.environ.get("CDK_DEFAULT_ACCOUNT"), region=os.environ.get("CDK_DEFAULT_REGION"))
    specs = specs or {f"Klientportal-{config.stage}": Spec()}
    stacks = {name: KlientportalStack(app, name, spec=spec, config=config, env=env) for name, spec in specs.items()}
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app, verbose=True))
    return app, stacks


def main() -> None:
    app, _ = build_app()
    app.synth()


if __name__ == "__main__":
    main()
