"""cfn-lint over every template of a cloud assembly (parent and nested): `make lint-templates`."""

from __future__ import annotations

import sys
from pathlib import Path

IGNORED_LINT_RULES = ["W3005"]  # CDK's own explicit DependsOn that is also implied
LINT_REGIONS = ["eu-north-1"]  # Stockholm: the region nearest the bureau


def lint_assembly(outdir: Path) -> list[str]:
    """Every cfn-lint match in `outdir`'s *.template.json files, as "file: match" lines."""
    from cfnlint.api import lint
    from cfnlint.config import ManualArgs

    templates = sorted(outdir.glob("*.template.json"))
    if not templates:
        raise SystemExit(f"no templates in {outdir}: run `make synth` first")
    config = ManualArgs(regions=LINT_REGIONS, ignore_checks=IGNORED_LINT_RULES)
    return [f"{t.name}: {m}" for t in templates for m in lint(t.read_text(), config=config)]


def main(argv: list[str]) -> int:
    outdir = Path(argv[0]) if argv else Path("cdk.out")
    findings = lint_assembly(outdir)
    print("\n".join(findings) or f"cfn-lint: {len(list(outdir.glob('*.template.json')))} templates clean")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
