"""A stored FHIR resource as a timeline entry a patient reads: its kind, its own date, a title and a
few labelled facts, and for results the values with their reference ranges and out-of-range marks.

Pure functions over the resource JSON (no data access): the service fetches, this describes.
Labels are text keys (``timeline/texts.py``); values come from the record itself (Russian in the
demo data), never from codes alone when the resource carries a display.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from egisz_api.timeline.kinds import KIND_OF_TYPE

ICD10 = "urn:oid:1.2.643.2.69.1.1.1.2"
#: v3 ObservationInterpretation codes → the mark shown beside a value (text, not colour only)
FLAGS = {
    "H": "high",
    "HH": "high",
    "HU": "high",
    "L": "low",
    "LL": "low",
    "LU": "low",
    "A": "abnormal",
    "AA": "abnormal",
}
_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


@dataclass(frozen=True)
class When:
    """An entry's date: a moment (shown in local time with its zone) or a day without a time."""

    moment: dt.datetime | None = None
    day: dt.date | None = None

    @property
    def known(self) -> bool:
        return self.moment is not None or self.day is not None


@dataclass(frozen=True)
class Result:
    """One measured value: ``value`` as written (``148/94`` for a blood pressure), its unit, the
    reference range's bounds, and ``flag`` high/low/abnormal when out of range."""

    name: str
    value: str
    unit: str = ""
    low: str = ""
    high: str = ""
    flag: str | None = None
    #: the record says the value is normal (interpretation N), or it lies inside its range
    normal: bool = False


@dataclass(frozen=True)
class Entry:
    kind: str
    resource_type: str
    resource_id: str
    when: When
    title: str
    status: str | None = None
    #: (text key of the label, value as in the record)
    facts: list[tuple[str, str]] = field(default_factory=list)
    results: list[Result] = field(default_factory=list)
    #: ids of the Observations a DiagnosticReport lists
    result_ids: list[str] = field(default_factory=list)
    issued: When = field(default_factory=When)

    @property
    def out_of_range(self) -> int:
        return sum(1 for r in self.results if r.flag)


def parse_when(text: Any) -> When:
    """A FHIR date (``2026-04-08``) as a day, a dateTime as an aware moment (UTC when the value has
    no zone); anything else as unknown."""
    if not isinstance(text, str) or not text:
        return When()
    if _DATE.match(text):
        parts = [int(p) for p in text.split("-")] + [1, 1]
        return When(day=dt.date(parts[0], parts[1], parts[2]))
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return When()
    return When(moment=moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC))


def concept_text(concept: Any) -> str:
    """A CodeableConcept as people read it: its text, else a coding's display, else its code."""
    if not isinstance(concept, dict):
        return ""
    if concept.get("text"):
        return str(concept["text"])
    for coding in concept.get("coding") or []:
        if coding.get("display"):
            return str(coding["display"])
    codes = [str(c["code"]) for c in concept.get("coding") or [] if c.get("code")]
    return codes[0] if codes else ""


def _code_in(concept: Any, system: str) -> str | None:
    for coding in (concept or {}).get("coding") or []:
        if coding.get("system") == system and coding.get("code"):
            return str(coding["code"])
    return None


def _display(reference: Any) -> str:
    return str(reference.get("display") or "") if isinstance(reference, dict) else ""


def _number(quantity: Any) -> tuple[str, str]:
    if not isinstance(quantity, dict) or quantity.get("value") is None:
        return "", ""
    value = quantity["value"]
    text = f"{value:g}" if isinstance(value, float) else str(value)
    return text, str(quantity.get("unit") or quantity.get("code") or "")


def observation_result(obs: dict[str, Any]) -> Result:
    """An Observation's value with its range and mark; blood pressure's two components as one."""
    name = concept_text(obs.get("code"))
    flag = None
    codes = [
        str(coding.get("code"))
        for concept in obs.get("interpretation") or []
        for coding in concept.get("coding") or []
    ]
    for code in codes:
        flag = FLAGS.get(code, flag)
    components = obs.get("component") or []
    if "valueQuantity" not in obs and components:
        values = [_number(c.get("valueQuantity")) for c in components]
        unit = next((u for _, u in values if u), "")
        return Result(name, "/".join(v for v, _ in values if v), unit, flag=flag, normal="N" in codes)
    value, unit = _number(obs.get("valueQuantity"))
    if not value:
        value = str(obs.get("valueString") or concept_text(obs.get("valueCodeableConcept")))
    low = high = ""
    ranges = obs.get("referenceRange") or []
    if ranges:
        low, _ = _number(ranges[0].get("low"))
        high, _ = _number(ranges[0].get("high"))
    if flag is None and not codes:  # no interpretation recorded: compare with the range ourselves
        flag = _against_range(value, low, high)
    normal = flag is None and ("N" in codes or (not codes and bool(low or high) and _is_number(value)))
    return Result(name, value, unit, low, high, flag, normal)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _against_range(value: str, low: str, high: str) -> str | None:
    if not _is_number(value):
        return None
    if low and float(value) < float(low):
        return "low"
    if high and float(value) > float(high):
        return "high"
    return None


def _facts(*pairs: tuple[str, str]) -> list[tuple[str, str]]:
    return [(label, value) for label, value in pairs if value]


def describe(resource_type: str, resource_id: str, data: dict[str, Any]) -> Entry:
    """The timeline entry of one resource of a timeline kind."""
    kind = KIND_OF_TYPE[resource_type]
    status = data.get("status")
    status = str(status) if status else None

    def entry(when: Any, title: str, facts: list[tuple[str, str]], **more: Any) -> Entry:
        return Entry(kind, resource_type, resource_id, parse_when(when), title, status, facts, **more)

    if resource_type == "Encounter":
        doctors = ", ".join(
            filter(None, (_display(p.get("individual")) for p in data.get("participant") or []))
        )
        title = concept_text((data.get("type") or [None])[0]) or concept_text(data.get("class"))
        return entry(
            (data.get("period") or {}).get("start"),
            title,
            _facts(("rec_f_doctor", doctors), ("rec_f_organization", _display(data.get("serviceProvider")))),
        )
    if resource_type == "Condition":
        clinical = _code_in(
            data.get("clinicalStatus"), "http://terminology.hl7.org/CodeSystem/condition-clinical"
        )
        return Entry(
            kind,
            resource_type,
            resource_id,
            parse_when(data.get("onsetDateTime") or data.get("recordedDate")),
            concept_text(data.get("code")),
            clinical,
            _facts(("rec_f_icd10", _code_in(data.get("code"), ICD10) or "")),
        )
    if resource_type == "Observation":
        result = observation_result(data)
        return entry(data.get("effectiveDateTime") or data.get("issued"), result.name, [], results=[result])
    if resource_type == "DiagnosticReport":
        ids = [
            ref["reference"].removeprefix("Observation/")
            for ref in data.get("result") or []
            if str(ref.get("reference", "")).startswith("Observation/")
        ]
        performers = ", ".join(filter(None, (_display(p) for p in data.get("performer") or [])))
        return entry(
            data.get("effectiveDateTime") or data.get("issued"),
            concept_text(data.get("code")),
            _facts(("rec_f_performer", performers)),
            result_ids=ids,
            issued=parse_when(data.get("issued")),
        )
    if resource_type == "MedicationRequest":
        dosage = "; ".join(str(d.get("text")) for d in data.get("dosageInstruction") or [] if d.get("text"))
        return entry(
            data.get("authoredOn"),
            concept_text(data.get("medicationCodeableConcept")) or _display(data.get("medicationReference")),
            _facts(("rec_f_dosage", dosage), ("rec_f_requester", _display(data.get("requester")))),
        )
    if resource_type == "ServiceRequest":
        performers = ", ".join(filter(None, (_display(p) for p in data.get("performer") or [])))
        return entry(
            data.get("authoredOn"),
            concept_text(data.get("code")),
            _facts(("rec_f_performer", performers), ("rec_f_requester", _display(data.get("requester")))),
        )
    if resource_type == "Appointment":
        others = ", ".join(
            filter(
                None,
                (
                    _display(p.get("actor"))
                    for p in data.get("participant") or []
                    if not str((p.get("actor") or {}).get("reference", "")).startswith("Patient/")
                ),
            )
        )
        title = concept_text((data.get("serviceType") or [None])[0]) or str(data.get("description") or "")
        return entry(data.get("start"), title, _facts(("rec_f_with", others)))
    if resource_type == "Immunization":
        protocol = (data.get("protocolApplied") or [{}])[0]
        dose = str(protocol.get("doseNumberPositiveInt") or "")
        if dose and protocol.get("seriesDosesPositiveInt"):
            dose = f"{dose} / {protocol['seriesDosesPositiveInt']}"
        targets = ", ".join(concept_text(t) for t in protocol.get("targetDisease") or [])
        return entry(
            data.get("occurrenceDateTime"),
            concept_text(data.get("vaccineCode")),
            _facts(
                ("rec_f_target", targets),
                ("rec_f_dose", dose),
                ("rec_f_lot", str(data.get("lotNumber") or "")),
            ),
        )
    # DocumentReference
    authors = ", ".join(filter(None, (_display(a) for a in data.get("author") or [])))
    attachment = ((data.get("content") or [{}])[0].get("attachment") or {}).get("title") or ""
    return entry(
        data.get("date"),
        concept_text(data.get("type")) or str(attachment),
        _facts(("rec_f_author", authors), ("rec_f_attachment", str(attachment))),
    )
