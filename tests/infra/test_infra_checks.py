"""cdk-nag leaves no unacknowledged finding; cfn-lint finds nothing in the templates."""

from __future__ import annotations

import json

from cfnlint.api import lint
from cfnlint.config import ManualArgs

IGNORED_LINT_RULES = ["W3005"]  # CDK's own explicit DependsOn that is also implied
LINT_REGIONS = ["eu-north-1"]  # Stockholm: the region nearest the bureau


def test_cdk_nag_passes_with_only_the_placeholder_warning(synth):
    report = json.loads((synth.outdir / "validation-report.json").read_text())
    violations = [(v["ruleName"], v["severity"]) for p in report["pluginReports"] for v in p["violations"]]
    assert violations == [("Annotation::klientportal:placeholderDepsLayer", "warning")] * len(violations)
    assert all(p["conclusion"] == "success" for p in report["pluginReports"] if p["pluginName"] == "AwsSolutions")


def test_cfn_lint_is_clean(any_stack):
    matches = lint(
        json.dumps(any_stack.template),
        config=ManualArgs(regions=LINT_REGIONS, ignore_checks=IGNORED_LINT_RULES),
    )
    assert [str(m) for m in matches] == []
