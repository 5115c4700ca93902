"""Submitting the a-melding through Skatteetaten's *Innrapportering a-melding* API.

The shape of the service: every call carries a fresh UUID idempotency key (``Idempotency-Key``;
a key reused for another body is refused with 409), a submission is answered ``submitted`` and
later ``accepted`` or ``rejected``, the feedback ("tilbakemelding") lists what was found (code,
severity, text, where), and a replacement names the message id it replaces (in the XML).

`HttpInnrapportering` is the REAL SHAPE (Maskinporten token, scope ``skatteetaten:innrapportering``;
not contracted or tested against Skatteetaten). `SimulatedInnrapportering` is the LOCAL SIMULATOR:
it validates the message against the v2_3 XSD, checks the sums and the replaced message id as the
service does, and answers with feedback, rejections included (decision 0905).
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal
from typing import TYPE_CHECKING, Any, Literal, Protocol

from klientportal.adapters import outbox

if TYPE_CHECKING:  # lxml is imported where a message is checked, not by the payroll handler's import
    from lxml import etree

Status = Literal["submitted", "accepted", "rejected"]


class IdempotencyConflict(RuntimeError):
    """The idempotency key was used before for another request (the service answers 409)."""


@dataclass(frozen=True)
class Finding:
    code: str
    severity: Literal["error", "warning"]
    message: str
    where: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "severity": self.severity, "message": self.message, "where": self.where}


@dataclass(frozen=True)
class SubmissionStatus:
    submission_id: str
    status: Status
    feedback: tuple[Finding, ...] = ()


class AMeldingSubmission(Protocol):
    def submit(self, xml: bytes, idempotency_key: str) -> SubmissionStatus: ...

    def status(self, submission_id: str, idempotency_key: str) -> SubmissionStatus: ...


def new_idempotency_key() -> str:
    return str(uuid.uuid4())


class HttpInnrapportering:
    """REAL SHAPE of the Innrapportering a-melding API (not contracted; no credentials here)."""

    def __init__(self, token: Any = None) -> None:
        self.base_url = os.environ.get("KP_AMELDING_URL", "")
        self.token = token  # a callable returning a Maskinporten access token

    def _call(self, method: str, path: str, key: str, body: bytes | None, content_type: str) -> dict[str, Any]:
        import urllib.request

        if not self.base_url or self.token is None:
            raise RuntimeError("KP_AMELDING_URL / the Maskinporten client are not configured")
        request = urllib.request.Request(
            self.base_url + path,
            data=body,
            method=method,
            headers={
                "Authorization": f"Bearer {self.token()}",
                "Idempotency-Key": key,
                "Content-Type": content_type,
            },
        )
        with urllib.request.urlopen(request, timeout=30) as resp:
            answer: dict[str, Any] = json.loads(resp.read() or b"{}")
        return answer

    @staticmethod
    def _status(answer: dict[str, Any]) -> SubmissionStatus:
        return SubmissionStatus(
            answer["id"],
            answer["status"],
            tuple(
                Finding(f["kode"], f.get("alvorlighetsgrad", "error"), f["beskrivelse"], f.get("sti"))
                for f in answer.get("tilbakemelding", [])
            ),
        )

    def submit(self, xml: bytes, idempotency_key: str) -> SubmissionStatus:
        return self._status(
            self._call("POST", "/api/a-melding/v1/innsendinger", idempotency_key, xml, "application/xml")
        )

    def status(self, submission_id: str, idempotency_key: str) -> SubmissionStatus:
        path = f"/api/a-melding/v1/innsendinger/{submission_id}"
        return self._status(self._call("GET", path, idempotency_key, None, "application/json"))


_NS = {"a": "urn:ske:fastsetting:innsamling:a-meldingen:v2_3"}


def _business_findings(root: etree._Element, known_ids: set[str]) -> list[Finding]:
    """The service's own checks beyond the schema (the ones a payroll system can get wrong)."""
    found: list[Finding] = []
    delivery = root.find("a:Leveranse", _NS)
    if delivery is None:
        return [Finding("A-0001", "error", "no Leveranse")]
    replaced = delivery.findtext("a:erstatterMeldingsId", namespaces=_NS)
    if replaced is not None and replaced not in known_ids:
        found.append(
            Finding("A-0105", "error", f"erstatterMeldingsId {replaced} is not a message we have", "Leveranse")
        )
    reported = int(delivery.findtext("a:oppgave/a:betalingsinformasjon/a:sumForskuddstrekk", "0", _NS))
    withheld = -sum(  # the recipients' forskuddstrekk is negative, the sum to pay positive
        int(x.text or "0") for x in delivery.iterfind(".//a:inntektsmottaker/a:forskuddstrekk/a:beloep", _NS)
    )
    if reported != withheld:
        found.append(
            Finding("A-0210", "error", f"sumForskuddstrekk {reported} ≠ the recipients' forskuddstrekk {withheld}")
        )
    to_pay = int(delivery.findtext("a:oppgave/a:betalingsinformasjon/a:sumUtleggstrekk", "0", _NS))
    garnished = -sum(
        int(x.text or "0") for x in delivery.iterfind(".//a:inntektsmottaker/a:utleggstrekk/a:beloep", _NS)
    )
    if to_pay != garnished:
        found.append(Finding("A-0230", "error", f"sumUtleggstrekk {to_pay} ≠ the recipients' utleggstrekk {garnished}"))
    contribution = Decimal(0)
    for line in delivery.iterfind(".//a:arbeidsgiveravgift/*", _NS):
        base = line.findtext("a:avgiftsgrunnlagBeloep", namespaces=_NS)
        percent = line.findtext("a:prosentsatsForAvgiftsberegning", namespaces=_NS)
        if base is not None and percent is not None:
            contribution += (Decimal(base) * Decimal(percent) / 100).quantize(Decimal("0.01"))
    stated = int(delivery.findtext("a:oppgave/a:betalingsinformasjon/a:sumArbeidsgiveravgift", "0", _NS))
    due = int(contribution.quantize(Decimal(1), rounding=ROUND_DOWN))
    if stated != due:
        found.append(Finding("A-0220", "error", f"sumArbeidsgiveravgift {stated} ≠ {due} computed from the bases"))
    for recipient in delivery.iterfind(".//a:inntektsmottaker", _NS):
        nid = recipient.findtext("a:norskIdentifikator", "", _NS)
        if not recipient.findall("a:arbeidsforhold", _NS):
            found.append(Finding("A-0301", "warning", "income recipient without an employment", nid[:6] + "*****"))
    return found


@dataclass
class SimulatedInnrapportering:
    """LOCAL SIMULATOR: XSD + the service's sum checks; accepted or rejected on the first status read."""

    conformance_dir: Any = None
    _by_key: dict[str, tuple[str, SubmissionStatus]] = field(default_factory=dict)
    _submissions: dict[str, tuple[bytes, SubmissionStatus]] = field(default_factory=dict)
    _accepted_ids: set[str] = field(default_factory=set)

    def _once(self, key: str, fingerprint: str, answer: Callable[[], SubmissionStatus]) -> SubmissionStatus:
        if key in self._by_key:
            seen, status = self._by_key[key]
            if seen != fingerprint:
                raise IdempotencyConflict(f"idempotency key {key} was used for another request")
            return status
        status = answer()
        self._by_key[key] = (fingerprint, status)
        return status

    def submit(self, xml: bytes, idempotency_key: str) -> SubmissionStatus:
        def answer() -> SubmissionStatus:
            submission_id = f"sim-am-{uuid.uuid4().hex[:12]}"
            status = SubmissionStatus(submission_id, "submitted")
            self._submissions[submission_id] = (xml, status)
            outbox.deliver("a-melding", {"submission_id": submission_id, "xml": xml.decode()})
            return status

        return self._once(idempotency_key, "submit:" + hashlib.sha256(xml).hexdigest(), answer)

    def _decide(self, xml: bytes, submission_id: str) -> SubmissionStatus:
        from klientportal.formats.amelding.validation import xsd_errors
        from klientportal.formats.safe_xml import XmlInputError, parse_xml

        try:
            errors = xsd_errors(xml, conformance_dir=self.conformance_dir)
        except XmlInputError as exc:
            return SubmissionStatus(submission_id, "rejected", (Finding("A-0000", "error", str(exc)),))
        if errors:
            findings = tuple(Finding("A-XSD", "error", e) for e in errors)
            return SubmissionStatus(submission_id, "rejected", findings)
        root = parse_xml(xml)
        findings = tuple(_business_findings(root, self._accepted_ids))
        if any(f.severity == "error" for f in findings):
            return SubmissionStatus(submission_id, "rejected", findings)
        message_id = root.findtext("a:Leveranse/a:meldingsId", "", _NS)
        self._accepted_ids.add(message_id)
        return SubmissionStatus(submission_id, "accepted", findings)

    def status(self, submission_id: str, idempotency_key: str) -> SubmissionStatus:
        if submission_id not in self._submissions:
            raise KeyError(submission_id)

        def answer() -> SubmissionStatus:
            xml, current = self._submissions[submission_id]
            if current.status == "submitted":
                current = self._decide(xml, submission_id)
                self._submissions[submission_id] = (xml, current)
            return current

        return self._once(idempotency_key, "status:" + submission_id, answer)
