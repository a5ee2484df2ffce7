"""Small valid R4 resources for tests, one builder per type."""

from __future__ import annotations

from typing import Any

SNILS = "urn:oid:1.2.643.2.69.1.1.1.6.223"
OMS = "urn:oid:1.2.643.2.69.1.1.1.6.228"
LOINC = "http://loinc.org"
OBS_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
ICD10 = "urn:oid:1.2.643.2.69.1.1.1.2"
#: the test patients' medical organisation (a worker's token names it as ``org``)
ORGANIZATION = "mo-1"


def ref(patient_id: str) -> dict[str, str]:
    return {"reference": f"Patient/{patient_id}"}


def patient(snils: str, family: str, given: str = "Иван", oms: str | None = None) -> dict[str, Any]:
    identifiers = [{"system": SNILS, "value": snils}]
    if oms:
        identifiers.append({"system": OMS, "value": oms})
    return {
        "resourceType": "Patient",
        "identifier": identifiers,
        "name": [{"family": family, "given": [given]}],
        "gender": "male",
        "birthDate": "1985-04-12",
        # the organisation whose workers may write this patient's medical data (docs/fhir.md)
        "managingOrganization": {"reference": f"Organization/{ORGANIZATION}"},
    }


def observation(
    pid: str,
    *,
    code: str = "718-7",
    date: str = "2024-03-05T10:00:00Z",
    category: str = "laboratory",
    status: str = "final",
) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "status": status,
        "category": [{"coding": [{"system": OBS_CATEGORY, "code": category}]}],
        "code": {"coding": [{"system": LOINC, "code": code}], "text": "Гемоглобин"},
        "subject": ref(pid),
        "effectiveDateTime": date,
        "valueQuantity": {"value": 135, "unit": "g/L", "system": "http://unitsofmeasure.org", "code": "g/L"},
        "referenceRange": [{"low": {"value": 120, "unit": "g/L"}, "high": {"value": 160, "unit": "g/L"}}],
    }


def encounter(pid: str, start: str = "2024-03-05T09:00:00Z") -> dict[str, Any]:
    return {
        "resourceType": "Encounter",
        "status": "finished",
        "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
        "type": [{"coding": [{"system": "urn:oid:1.2.643.2.69.1.1.1.35", "code": "1"}]}],
        "serviceProvider": {"reference": "Organization/mo-1"},
        "participant": [{"individual": {"reference": "Practitioner/doc-1"}}],
        "subject": ref(pid),
        "period": {"start": start, "end": "2024-03-05T09:30:00Z"},
    }


def condition(pid: str, code: str = "J06.9") -> dict[str, Any]:
    return {
        "resourceType": "Condition",
        "clinicalStatus": {
            "coding": [
                {"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": "active"}
            ]
        },
        "category": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/condition-category",
                        "code": "encounter-diagnosis",
                    }
                ]
            }
        ],
        "code": {"coding": [{"system": ICD10, "code": code}]},
        "subject": ref(pid),
        "encounter": {"reference": "Encounter/enc-x"},
        "onsetDateTime": "2024-03-01",
    }


def diagnostic_report(pid: str, observation_id: str | None = None) -> dict[str, Any]:
    report: dict[str, Any] = {
        "resourceType": "DiagnosticReport",
        "status": "final",
        "category": [
            {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0074", "code": "LAB"}]}
        ],
        "code": {"coding": [{"system": LOINC, "code": "58410-2"}]},
        "subject": ref(pid),
        "effectiveDateTime": "2024-03-05",
    }
    if observation_id:
        report["result"] = [{"reference": f"Observation/{observation_id}"}]
    return report


def service_request(pid: str) -> dict[str, Any]:
    return {
        "resourceType": "ServiceRequest",
        "status": "active",
        "intent": "order",
        "category": [{"coding": [{"system": "http://snomed.info/sct", "code": "103693007"}]}],
        "code": {"coding": [{"system": "urn:oid:1.2.643.5.1.13.13.11.1070", "code": "A04.16.001"}]},
        "subject": ref(pid),
        "requester": {"reference": "Practitioner/doc-1"},
        "performer": [{"reference": "Organization/mo-2"}],
        "authoredOn": "2024-03-05",
    }


def medication_request(pid: str) -> dict[str, Any]:
    return {
        "resourceType": "MedicationRequest",
        "status": "active",
        "intent": "order",
        "medicationCodeableConcept": {
            "coding": [{"system": "urn:egisz:cs:medication", "code": "amoxicillin-500-caps"}]
        },
        "subject": ref(pid),
        "encounter": {"reference": "Encounter/enc-x"},
        "authoredOn": "2024-03-05",
    }


def appointment(pid: str, start: str = "2024-04-01T08:00:00Z") -> dict[str, Any]:
    return {
        "resourceType": "Appointment",
        "status": "booked",
        "start": start,
        "end": "2024-04-01T08:20:00Z",
        "participant": [
            {"actor": ref(pid), "status": "accepted"},
            {"actor": {"reference": "Practitioner/doc-1"}, "status": "accepted"},
            {"actor": {"reference": "Location/room-12"}, "status": "accepted"},
        ],
    }


def immunization(pid: str) -> dict[str, Any]:
    return {
        "resourceType": "Immunization",
        "status": "completed",
        "vaccineCode": {"coding": [{"system": "urn:egisz:cs:vaccine", "code": "sputnik-v"}]},
        "patient": ref(pid),
        "occurrenceDateTime": "2024-01-15",
        "lotNumber": "XK-0423",
        "protocolApplied": [{"doseNumberPositiveInt": 1, "targetDisease": [{"coding": [{"code": "U07.1"}]}]}],
    }


def document_reference(pid: str) -> dict[str, Any]:
    return {
        "resourceType": "DocumentReference",
        "status": "current",
        "masterIdentifier": {"system": "urn:oid:1.2.643.5.1.13.13.17.1", "value": "UNRZ-0001"},
        "type": {"coding": [{"system": "urn:oid:1.2.643.5.1.13.13.11.1520", "code": "341"}]},
        "category": [{"coding": [{"system": "urn:oid:1.2.643.5.1.13.13.11.1115", "code": "1"}]}],
        "subject": ref(pid),
        "date": "2024-03-05T12:00:00Z",
        "content": [{"attachment": {"contentType": "application/pdf", "url": "Binary/doc-1"}}],
    }


def consent(pid: str) -> dict[str, Any]:
    return {
        "resourceType": "Consent",
        "status": "active",
        "scope": {
            "coding": [
                {"system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "patient-privacy"}
            ]
        },
        "category": [{"coding": [{"system": "http://loinc.org", "code": "59284-0"}]}],
        "patient": ref(pid),
        "dateTime": "2024-01-01T00:00:00Z",
        "provision": {
            "period": {"start": "2024-01-01", "end": "2025-01-01"},
            "actor": [
                {
                    "role": {
                        "coding": [
                            {
                                "system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType",
                                "code": "PRCP",
                            }
                        ]
                    },
                    "reference": {"reference": "Organization/mo-1"},
                }
            ],
        },
        "policyRule": {
            "coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "OPTIN"}]
        },
    }


def one_of_each(pid: str) -> list[dict[str, Any]]:
    """Every served type but Patient (the DiagnosticReport refers to no result here)."""
    return [
        encounter(pid),
        condition(pid),
        observation(pid),
        diagnostic_report(pid),
        service_request(pid),
        medication_request(pid),
        appointment(pid),
        immunization(pid),
        document_reference(pid),
        consent(pid),
        task(pid),
    ]


def task(
    pid: str, *, kind: str = "correction", focus: str | None = None, text: str = "Неверная дата визита"
) -> dict[str, Any]:
    """A patient's correction or deletion request (docs/rights.md)."""
    body: dict[str, Any] = {
        "resourceType": "Task",
        "status": "requested",
        "intent": "order",
        "code": {"coding": [{"system": "urn:egisz:task", "code": kind}]},
        "for": ref(pid),
        "authoredOn": "2026-12-01T10:00:00Z",
        "input": [{"type": {"coding": [{"system": "urn:egisz:task", "code": "text"}]}, "valueString": text}],
    }
    if focus:
        body["focus"] = {"reference": focus}
    return body
