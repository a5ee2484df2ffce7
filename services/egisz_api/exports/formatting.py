"""One line of the readable export per resource: its date, a title and details, from the FHIR JSON.

Dates are shown ДД.ММ.ГГГГ in Moscow time (``shared.web.formatting``); a value without a readable
text falls back to its code, never to nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from egisz_api.exports.texts import text
from shared.web.formatting import format_date

#: the sections of the PDF, in this order (the Patient heads the document instead)
SECTIONS = (
    "Encounter",
    "Condition",
    "Observation",
    "DiagnosticReport",
    "MedicationRequest",
    "ServiceRequest",
    "Appointment",
    "Immunization",
    "DocumentReference",
    "Consent",
    "Task",
)
_DATE_PATHS: dict[str, tuple[str, ...]] = {
    "Encounter": ("period.start",),
    "Condition": ("onsetDateTime", "recordedDate"),
    "Observation": ("effectiveDateTime", "effectivePeriod.start", "issued"),
    "DiagnosticReport": ("effectiveDateTime", "effectivePeriod.start", "issued"),
    "MedicationRequest": ("authoredOn",),
    "ServiceRequest": ("authoredOn",),
    "Appointment": ("start",),
    "Immunization": ("occurrenceDateTime",),
    "DocumentReference": ("date",),
    "Consent": ("dateTime",),
    "Task": ("authoredOn",),
}
_TITLE_PATHS: dict[str, tuple[str, ...]] = {
    "Encounter": ("type", "class"),
    "Condition": ("code",),
    "Observation": ("code",),
    "DiagnosticReport": ("code",),
    "MedicationRequest": ("medicationCodeableConcept",),
    "ServiceRequest": ("code",),
    "Appointment": ("serviceType", "appointmentType"),
    "Immunization": ("vaccineCode",),
    "DocumentReference": ("type",),
    "Consent": ("scope",),
    "Task": ("code",),
}


@dataclass(frozen=True)
class Line:
    date: str
    title: str
    details: list[str] = field(default_factory=list)


def _at(node: Any, path: str) -> Any:
    for step in path.split("."):
        if isinstance(node, list):
            node = node[0] if node else None
        if not isinstance(node, dict):
            return None
        node = node.get(step)
    return node[0] if isinstance(node, list) and node else node


def concept_text(value: Any) -> str:
    """A CodeableConcept or Coding as a person reads it: text, display, else ``system|code``."""
    if isinstance(value, list):
        value = value[0] if value else None
    if not isinstance(value, dict):
        return str(value) if value else ""
    if value.get("text"):
        return str(value["text"])
    codings = value.get("coding") or ([value] if "code" in value else [])
    for coding in codings:
        if isinstance(coding, dict) and coding.get("display"):
            return str(coding["display"])
    for coding in codings:
        if isinstance(coding, dict) and coding.get("code"):
            return str(coding["code"])
    return ""


def fhir_date(value: Any) -> str:
    """``2026-04-08T09:00:00+03:00`` or ``2026-04-08`` → ``08.04.2026``; partial dates as given."""
    if not isinstance(value, str) or not value:
        return ""
    try:
        if "T" in value:
            return format_date(dt.datetime.fromisoformat(value.replace("Z", "+00:00")))
        return format_date(dt.date.fromisoformat(value))
    except ValueError:
        return value


def _number(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).replace(".", ",") if value is not None else ""


def _quantity(q: Any) -> str:
    if not isinstance(q, dict) or q.get("value") is None:
        return ""
    unit = q.get("unit") or q.get("code") or ""
    return f"{_number(q['value'])} {unit}".strip()


def observation_details(resource: dict[str, Any], locale: str) -> list[str]:
    """The value, the reference range and whether the value lies outside it."""
    details = []
    value = _quantity(resource.get("valueQuantity")) or concept_text(resource.get("valueCodeableConcept"))
    value = value or str(resource.get("valueString") or "")
    if value:
        details.append(value)
    ranges = resource.get("referenceRange") or []
    if ranges and isinstance(ranges[0], dict):
        low, high = ranges[0].get("low") or {}, ranges[0].get("high") or {}
        if low.get("value") is not None or high.get("value") is not None:
            span = f"{_number(low.get('value', ''))}–{_number(high.get('value', ''))}"
            unit = low.get("unit") or high.get("unit") or ""
            details.append(f"{text('export_pdf_range', locale)} {span} {unit}".strip())
        measured = (resource.get("valueQuantity") or {}).get("value")
        if isinstance(measured, int | float):
            if high.get("value") is not None and measured > high["value"]:
                details.append(text("export_pdf_high", locale))
            elif low.get("value") is not None and measured < low["value"]:
                details.append(text("export_pdf_low", locale))
    return details


def _details(resource: dict[str, Any], locale: str) -> list[str]:
    kind = resource.get("resourceType")
    if kind == "Observation":
        return observation_details(resource, locale)
    details = []
    for path in ("status", "conclusion", "description", "note.text", "dosageInstruction.text"):
        found = _at(resource, path)
        if isinstance(found, str) and found and not (path == "status" and kind != "Task"):
            details.append(found)
    if kind == "Task":
        for item in resource.get("input") or []:
            if isinstance(item, dict) and item.get("valueString"):
                details.append(str(item["valueString"]))
    for path in ("serviceProvider.display", "performer.display", "requester.display", "location.display"):
        found = _at(resource, path)
        if isinstance(found, str) and found:
            details.append(found)
    return details


def line(resource: dict[str, Any], locale: str) -> Line:
    kind = str(resource.get("resourceType"))
    date = next((fhir_date(_at(resource, p)) for p in _DATE_PATHS.get(kind, ()) if _at(resource, p)), "")
    title = next((concept_text(_at(resource, p)) for p in _TITLE_PATHS.get(kind, ()) if _at(resource, p)), "")
    return Line(date, title or kind, _details(resource, locale))


def person_name(patient: dict[str, Any]) -> str:
    names = patient.get("name") or []
    name = next((n for n in names if isinstance(n, dict) and n.get("use") == "official"), None)
    name = name or (names[0] if names else {})
    if name.get("text"):
        return str(name["text"])
    return " ".join([str(name.get("family", "")), *(str(g) for g in name.get("given") or [])]).strip()


def identifier(patient: dict[str, Any], system: str) -> str | None:
    for item in patient.get("identifier") or []:
        if isinstance(item, dict) and item.get("system") == system and item.get("value"):
            return str(item["value"])
    return None
