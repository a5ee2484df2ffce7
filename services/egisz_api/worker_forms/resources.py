"""The FHIR resources a checked form becomes (pure: no data access). The FHIR API's create then
validates them exactly as it validates an integrator's (fhir/service.py ``create``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from egisz_api.cabinet.schemas import CabinetPerson, Membership
from egisz_api.records.dates import instant_text
from egisz_api.terminology.bindings import OBSERVATION_CATEGORY
from egisz_api.worker_forms.schemas import Checked

SNOMED = "http://snomed.info/sct"
CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CONDITION_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
CONDITION_CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"
DIAGNOSTIC_SERVICE = "http://terminology.hl7.org/CodeSystem/v2-0074"


def _cc(coding: tuple[str, str, str]) -> dict[str, Any]:
    system, code, display = coding
    return {"coding": [{"system": system, "code": code, "display": display}], "text": display}


def _concept(system: str, code: str, display: str) -> dict[str, Any]:
    return {"coding": [{"system": system, "code": code, "display": display}]}


def _number(text: str) -> float | int:
    value = float(text.replace(",", ".").strip())
    return int(value) if value.is_integer() else value


def build(
    kind: str,
    checked: Checked,
    *,
    patient_id: str,
    person: CabinetPerson,
    org: Membership,
    now: dt.datetime,
) -> list[dict[str, Any]]:
    """The resources of one form, in write order; a lab result's report refers to its Observation
    as ``Observation/{observation}``, filled in once the Observation is written."""
    v = checked.values
    day = checked.day.isoformat() if checked.day else None
    code = _cc(checked.codings["code"])
    subject = {"reference": f"Patient/{patient_id}"}
    requester = {"display": person.display_name}
    note = [{"text": v["note"]}] if v.get("note") else None
    out: dict[str, Any]
    if kind == "prescription":
        out = {
            "resourceType": "MedicationRequest", "status": "active", "intent": "order",
            "medicationCodeableConcept": code, "subject": subject, "authoredOn": day, "requester": requester,
            "dosageInstruction": [{"text": v["dosage"]}],
        }  # fmt: skip
    elif kind in ("referral", "lab-order"):
        category = (
            _concept(SNOMED, "3457005", "Patient referral")
            if kind == "referral"
            else {**_concept(SNOMED, "108252007", "Laboratory procedure"), "text": "laboratory"}
        )
        out = {
            "resourceType": "ServiceRequest", "status": "active", "intent": "order", "category": [category],
            "code": code, "subject": subject, "authoredOn": day, "requester": requester,
        }  # fmt: skip
    elif kind == "lab-result":
        observation = {
            "resourceType": "Observation", "status": "final",
            "category": [_concept(OBSERVATION_CATEGORY, "laboratory", "Laboratory")],
            "code": code, "subject": subject, "effectiveDateTime": day, "issued": instant_text(now),
            "valueQuantity": {"value": _number(v["value"]), "unit": v["unit"]},
        }  # fmt: skip
        report = {
            "resourceType": "DiagnosticReport", "status": "final",
            "category": [_concept(DIAGNOSTIC_SERVICE, "LAB", "Laboratory")], "code": code, "subject": subject,
            "effectiveDateTime": day, "issued": instant_text(now), "performer": [{"display": org.name}],
            "result": [{"reference": "Observation/{observation}"}],
        }  # fmt: skip
        return [observation, report]
    elif kind == "vaccination":
        out = {
            "resourceType": "Immunization", "status": "completed", "vaccineCode": code,
            "patient": subject, "occurrenceDateTime": day, "lotNumber": v["lot"],
            "protocolApplied": [{"doseNumberPositiveInt": int(v["dose"])}],
        }  # fmt: skip
    elif kind == "visit":
        system, klass, display = checked.codings["code"]
        out = {
            "resourceType": "Encounter", "status": "finished",
            "class": {"system": system, "code": klass, "display": display}, "subject": subject,
            "period": {"start": day}, "serviceProvider": {"display": org.name},
        }  # fmt: skip
    elif kind == "diagnosis":
        out = {
            "resourceType": "Condition",
            "clinicalStatus": _concept(CONDITION_CLINICAL, "active", "Active"),
            "verificationStatus": _concept(CONDITION_VERIFICATION, "confirmed", "Confirmed"),
            "category": [_concept(CONDITION_CATEGORY, "encounter-diagnosis", "Encounter Diagnosis")],
            "code": code, "subject": subject, "onsetDateTime": day, "recordedDate": day,
        }  # fmt: skip
    else:
        raise ValueError(f"unknown form {kind!r}")
    if note and out["resourceType"] in ("ServiceRequest", "Condition"):
        out["note"] = note
    elif note and out["resourceType"] == "Encounter":
        out["reasonCode"] = [{"text": v["note"]}]
    return [out]
