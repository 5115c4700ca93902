"""Deployment settings read from CDK context (cdk.json, or `-c key=value` on the command line)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from constructs import Node

from infra import cors

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DEPS_LAYER_DIR = REPO_ROOT / "build" / "deps-layer"
PREFIX = "klientportal:"


@dataclass(frozen=True)
class Config:
    """What may differ between deployments of the same catalogue."""

    stage: str = "dev"
    deps_layer_dir: Path = DEFAULT_DEPS_LAYER_DIR
    require_deps_layer: bool = False
    alarm_email: str = ""
    cors_origins: tuple[str, ...] = ()
    mail_domain: str = "example.no"  # voucher mail: <client>@bilag.<mail_domain> (SES receipt rule)
    xslt_layer_dir: Path = REPO_ROOT / "build" / "xslt-layer"
    pdf_layer_dir: Path = REPO_ROOT / "build" / "pdf-layer"
    invoice_from: str = "faktura@example.no"  # sender of invoice e-mail; its domain is an SES identity

    @classmethod
    def from_context(cls, node: Node) -> Config:
        def get(key: str, default):
            value = node.try_get_context(PREFIX + key)
            return default if value is None else value

        return cls(
            stage=str(get("stage", cls.stage)),
            deps_layer_dir=Path(get("depsLayerDir", str(DEFAULT_DEPS_LAYER_DIR))),
            require_deps_layer=_flag(get("requireDepsLayer", False)),
            alarm_email=str(get("alarmEmail", "")),
            cors_origins=cors.parse_origins(get("corsOrigins", [])),
            mail_domain=str(get("mailDomain", cls.mail_domain)),
            xslt_layer_dir=Path(get("xsltLayerDir", str(REPO_ROOT / "build" / "xslt-layer"))),
            pdf_layer_dir=Path(get("pdfLayerDir", str(REPO_ROOT / "build" / "pdf-layer"))),
            invoice_from=str(get("invoiceFrom", cls.invoice_from)),
        )


def _flag(value: object) -> bool:
    """Context from the command line arrives as a string: accept true/false in any case."""
    return value if isinstance(value, bool) else str(value).lower() in {"1", "true", "yes"}
