"""cdk-nag leaves no unacknowledged finding; cfn-lint finds nothing in any template (parent and nested)."""

from __future__ import annotations

import json

from cfnlint.api import lint
from cfnlint.config import ManualArgs

from infra.lint_templates import IGNORED_LINT_RULES, LINT_REGIONS


def test_cdk_nag_passes_with_only_the_placeholder_warning(synth):
    report = json.loads((synth.outdir / "validation-report.json").read_text())
    violations = [(v["ruleName"], v["severity"]) for p in report["pluginReports"] for v in p["violations"]]
    assert violations == [("Annotation::klientportal:placeholderDepsLayer", "warning")] * len(violations)
    assert all(p["conclusion"] == "success" for p in report["pluginReports"] if p["pluginName"] == "AwsSolutions")


def test_cdk_nag_sees_the_nested_stacks(synth):
    """The public routes' APIG4 acknowledgements are reported from their nested stack: cdk-nag
    inspected it (an unchecked nested stack would report nothing, and pass)."""
    report = json.loads((synth.outdir / "validation-report.json").read_text())
    suppressed = [v for p in report["pluginReports"] for v in p.get("suppressedViolations", [])]
    paths = {
        c["constructPath"]
        for v in suppressed
        if v["ruleName"] == "AwsSolutions-APIG4"
        for c in v["violatingConstructs"]
    }
    nested = {p for p in paths if "/Api/ApidocsRoutes/" in p}
    assert nested and nested == paths


def test_cfn_lint_is_clean(any_stack):
    assert len(any_stack.templates) > 1  # the parent and its nested stacks
    for name, template in any_stack.templates.items():
        matches = lint(
            json.dumps(template),
            config=ManualArgs(regions=LINT_REGIONS, ignore_checks=IGNORED_LINT_RULES),
        )
        assert [str(m) for m in matches] == [], name


def test_every_template_in_the_cloud_assembly_is_linted(synth):
    linted = {name for s in (synth.catalogue, synth.extended) for name in s.templates}
    assert linted == {p.name for p in synth.outdir.glob("*.template.json")}
