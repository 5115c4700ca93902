"""An EHF that fails fatal rules (XSD or Schematron flag `fatal`) is not a valid invoice: it is kept and
shown, can be coded, but is blocked from approval, attestation and payment until the client overrides
it with a recorded reason or the supplier is asked for a corrected invoice (status
`correction_requested`), 0269. Pure: decides from the stored voucher data.
"""

from __future__ import annotations

from typing import Any

from klientportal.errors import RuleViolation


class FatalEhfRules(RuleViolation):
    slug, title = "ehf-fatal-rules", "The EHF fails fatal rules"


def fatal_rules(data: dict[str, Any]) -> list[str]:
    """The ids of the fatal rules the voucher's EHF fails ("XSD" for schema errors); [] otherwise."""
    validation = data.get("validation") or {}
    if not validation.get("available"):
        return []
    rules = sorted({str(r.get("rule_id")) for r in validation.get("failed_rules") or [] if r.get("flag") == "fatal"})
    return (["XSD"] if validation.get("xsd_errors") else []) + rules


def require_not_blocked(data: dict[str, Any], verb: str) -> None:
    rules = fatal_rules(data)
    if rules and not data.get("validation_override"):
        raise FatalEhfRules(
            f"the EHF fails fatal rules ({', '.join(rules[:10])}); it cannot be {verb} until it "
            "is overridden with a reason or a corrected invoice arrives",
            extra={"failed_rules": rules, "current_status": data.get("status")},
        )
