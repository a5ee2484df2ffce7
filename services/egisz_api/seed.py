"""Demo health records (dev mode only): a Patient for each of the idp's demo citizens, found by the
SNILS the idp seed gives them (EGISZ.md §1.4), with a year of records: visits with diagnoses and
blood pressure, two blood panels with reference ranges and their reports, prescriptions, a
referral, an upcoming appointment, vaccinations, a consultation protocol and a consent.

Idempotent: every resource has a fixed id and is written only when missing.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from egisz_api.records import service as records
from egisz_api.records.parameters import OMS_SYSTEM, SNILS_SYSTEM
from egisz_api.settings import EgiszSettings
from shared.db import make_engine, make_sessionmaker, utcnow

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
ICD10 = "urn:oid:1.2.643.2.69.1.1.1.2"
FSLI = "urn:oid:1.2.643.5.1.13.13.11.1080"
OBS_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
ORGANIZATION = {"reference": "Organization/demo-polyclinic-1", "display": "ГБУЗ «Городская поликлиника № 1»"}
DOCTOR = {"reference": "Practitioner/demo-doctor", "display": "Врачёва Елена Петровна"}

#: the idp seed's citizens (services/idp/seed.py): id, SNILS, family, given, patronymic, sex, birth date
CITIZENS = [
    ("demo-ivanov", "112-233-445 95", "Иванов", "Иван", "Иванович", "male", "1985-04-12", "7700000000000001"),
    (
        "demo-petrova",
        "123-456-789 64",
        "Петрова",
        "Анна",
        "Сергеевна",
        "female",
        "1990-01-02",
        "7700000000000002",
    ),
    (
        "demo-sidorov",
        "234-567-890 99",
        "Сидоров",
        "Пётр",
        "Алексеевич",
        "male",
        "1978-09-30",
        "7700000000000003",
    ),
    (
        "demo-kuznetsova",
        "345-678-901 23",
        "Кузнецова",
        "Мария",
        "Ивановна",
        "female",
        "1995-06-15",
        "7700000000000004",
    ),
    ("demo-smirnov", "456-789-012 38", "Смирнов", "Олег", None, "male", "1969-03-08", "7700000000000005"),
]
#: a year of visits: (month, day, ICD-10 code, diagnosis, systolic, diastolic)
VISITS = [
    (1, 17, "J06.9", "Острая инфекция верхних дыхательных путей неуточнённая", 124, 80),
    (4, 8, "I10", "Эссенциальная (первичная) гипертензия", 148, 94),
    (7, 22, "I10", "Эссенциальная (первичная) гипертензия", 136, 86),
    (10, 14, "Z00.0", "Общий медицинский осмотр", 128, 82),
]
#: a blood count: (LOINC, ФСЛИ code, name, unit, low, high, values in the two panels)
PANEL = [
    ("718-7", "1015900", "Гемоглобин", "g/L", 120, 160, (138, 117)),
    ("6690-2", "1016060", "Лейкоциты", "10*9/L", 4.0, 9.0, (6.1, 10.4)),
    ("777-3", "1016290", "Тромбоциты", "10*9/L", 180, 320, (245, 210)),
]
YEAR = 2026


def _ref(pid: str) -> dict[str, str]:
    return {"reference": f"Patient/{pid}"}


def _at(month: int, day: int, hour: int = 9) -> str:
    return f"{YEAR}-{month:02d}-{day:02d}T{hour:02d}:00:00+03:00"


def _cc(system: str, code: str, display: str | None = None) -> dict[str, Any]:
    coding = {"system": system, "code": code}
    if display:
        coding["display"] = display
    return {"coding": [coding], **({"text": display} if display else {})}


def _patient(citizen: tuple[Any, ...]) -> dict[str, Any]:
    pid, snils, family, given, patronymic, gender, birth, oms = citizen
    return {
        "resourceType": "Patient",
        "id": pid,
        "identifier": [
            {
                "system": SNILS_SYSTEM,
                "value": "".join(c for c in snils if c.isdigit()),
                "assigner": {"display": "ПФР"},
            },
            {"system": OMS_SYSTEM, "value": oms},
        ],
        "name": [{"use": "official", "family": family, "given": [g for g in (given, patronymic) if g]}],
        "gender": gender,
        "birthDate": birth,
        # the idp seed's contacts of the same citizen: where the demo's notices go (docs/rights.md)
        "telecom": [
            {"system": "email", "value": f"{pid.removeprefix('demo-')}@example.test"},
            {"system": "phone", "value": f"+7916000000{CITIZENS.index(citizen) + 1}", "use": "mobile"},
        ],
        "managingOrganization": ORGANIZATION,
    }


def _visit(pid: str, n: int, visit: tuple[Any, ...]) -> list[dict[str, Any]]:
    month, day, icd, diagnosis, systolic, diastolic = visit
    enc = f"{pid}-enc-{n}"
    vital = _cc(OBS_CATEGORY, "vital-signs", "Vital Signs")
    return [
        {
            "resourceType": "Encounter",
            "id": enc,
            "status": "finished",
            "class": {
                "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
                "code": "AMB",
                "display": "ambulatory",
            },
            "type": [_cc("urn:oid:1.2.643.2.69.1.1.1.35", "1", "Обращение по заболеванию")],
            "subject": _ref(pid),
            "participant": [{"individual": DOCTOR}],
            "period": {"start": _at(month, day), "end": _at(month, day, 10)},
            "serviceProvider": ORGANIZATION,
        },
        {
            "resourceType": "Condition",
            "id": f"{pid}-cond-{n}",
            "clinicalStatus": _cc("http://terminology.hl7.org/CodeSystem/condition-clinical", "active"),
            "category": [
                _cc("http://terminology.hl7.org/CodeSystem/condition-category", "encounter-diagnosis")
            ],
            "code": _cc(ICD10, icd, diagnosis),
            "subject": _ref(pid),
            "encounter": {"reference": f"Encounter/{enc}"},
            "onsetDateTime": _at(month, day),
        },
        {
            "resourceType": "Observation",
            "id": f"{pid}-bp-{n}",
            "status": "final",
            "category": [vital],
            "code": _cc(LOINC, "85354-9", "Артериальное давление"),
            "subject": _ref(pid),
            "encounter": {"reference": f"Encounter/{enc}"},
            "effectiveDateTime": _at(month, day),
            "component": [
                {
                    "code": _cc(LOINC, "8480-6", "Систолическое"),
                    "valueQuantity": {"value": systolic, "unit": "mm[Hg]", "system": UCUM, "code": "mm[Hg]"},
                },
                {
                    "code": _cc(LOINC, "8462-4", "Диастолическое"),
                    "valueQuantity": {"value": diastolic, "unit": "mm[Hg]", "system": UCUM, "code": "mm[Hg]"},
                },
            ],
        },
    ]


def _panel(pid: str, n: int, month: int, day: int) -> list[dict[str, Any]]:
    lab = _cc(OBS_CATEGORY, "laboratory", "Laboratory")
    out: list[dict[str, Any]] = []
    for loinc, fsli, name, unit, low, high, values in PANEL:
        value = values[n - 1]
        flag = "H" if value > high else "L" if value < low else "N"
        out.append(
            {
                "resourceType": "Observation",
                "id": f"{pid}-lab-{n}-{loinc}",
                "status": "final",
                "category": [lab],
                "code": {
                    "coding": [
                        {"system": FSLI, "code": fsli, "display": name},
                        {"system": LOINC, "code": loinc},
                    ],
                    "text": name,
                },
                "subject": _ref(pid),
                "effectiveDateTime": _at(month, day, 8),
                "issued": f"{YEAR}-{month:02d}-{day:02d}T14:00:00+03:00",
                "valueQuantity": {"value": value, "unit": unit, "system": UCUM, "code": unit},
                "interpretation": [_cc(INTERPRETATION, flag)],
                "referenceRange": [
                    {
                        "low": {"value": low, "unit": unit, "system": UCUM, "code": unit},
                        "high": {"value": high, "unit": unit, "system": UCUM, "code": unit},
                    }
                ],
            }
        )
    out.append(
        {
            "resourceType": "DiagnosticReport",
            "id": f"{pid}-cbc-{n}",
            "status": "final",
            "category": [_cc("http://terminology.hl7.org/CodeSystem/v2-0074", "LAB", "Laboratory")],
            "code": _cc(LOINC, "58410-2", "Общий анализ крови"),
            "subject": _ref(pid),
            "effectiveDateTime": _at(month, day, 8),
            "issued": f"{YEAR}-{month:02d}-{day:02d}T14:00:00+03:00",
            "performer": [ORGANIZATION],
            "result": [{"reference": f"Observation/{o['id']}"} for o in out],
        }
    )
    return out


def _others(pid: str) -> list[dict[str, Any]]:
    return [
        {
            "resourceType": "MedicationRequest",
            "id": f"{pid}-rx-1",
            "status": "active",
            "intent": "order",
            "medicationCodeableConcept": _cc(
                "urn:oid:1.2.643.5.1.13.13.11.1367", "21.20.10.112-000020-1-00073", "Амлодипин 5 мг, таблетки"
            ),
            "subject": _ref(pid),
            "encounter": {"reference": f"Encounter/{pid}-enc-2"},
            "authoredOn": f"{YEAR}-04-08",
            "requester": DOCTOR,
            "dosageInstruction": [{"text": "По 1 таблетке 1 раз в день утром"}],
        },
        {
            "resourceType": "MedicationRequest",
            "id": f"{pid}-rx-2",
            "status": "completed",
            "intent": "order",
            "medicationCodeableConcept": _cc(
                "urn:oid:1.2.643.5.1.13.13.11.1367",
                "21.20.10.131-000011-1-00015",
                "Парацетамол 500 мг, таблетки",
            ),
            "subject": _ref(pid),
            "encounter": {"reference": f"Encounter/{pid}-enc-1"},
            "authoredOn": f"{YEAR}-01-17",
            "requester": DOCTOR,
            "dosageInstruction": [
                {"text": "По 1 таблетке при температуре выше 38,5 °C, не более 4 раз в сутки"}
            ],
        },
        {
            "resourceType": "ServiceRequest",
            "id": f"{pid}-ref-1",
            "status": "active",
            "intent": "order",
            "category": [_cc("http://snomed.info/sct", "103696004", "Patient referral to specialist")],
            "code": _cc(
                "urn:oid:1.2.643.5.1.13.13.11.1070", "B01.015.001", "Приём врача-кардиолога первичный"
            ),
            "subject": _ref(pid),
            "authoredOn": f"{YEAR}-07-22",
            "requester": DOCTOR,
            "performer": [{"reference": "Organization/demo-cardiology-center", "display": "Кардиоцентр"}],
        },
        {
            "resourceType": "Appointment",
            "id": f"{pid}-appt-1",
            "status": "booked",
            "serviceType": [
                _cc("urn:oid:1.2.643.5.1.13.13.11.1070", "B01.015.001", "Приём врача-кардиолога")
            ],
            "start": f"{YEAR}-12-15T10:30:00+03:00",
            "end": f"{YEAR}-12-15T10:50:00+03:00",
            "basedOn": [{"reference": f"ServiceRequest/{pid}-ref-1"}],
            "participant": [
                {"actor": _ref(pid), "status": "accepted"},
                {"actor": DOCTOR, "status": "accepted"},
            ],
        },
        {
            "resourceType": "Immunization",
            "id": f"{pid}-imm-1",
            "status": "completed",
            "vaccineCode": _cc("urn:oid:1.2.643.5.1.13.13.11.1078", "2", "Гам-КОВИД-Вак (Спутник V)"),
            "patient": _ref(pid),
            "occurrenceDateTime": f"{YEAR}-02-10",
            "lotNumber": "II-210126",
            "expirationDate": f"{YEAR}-08-01",
            "protocolApplied": [
                {
                    "doseNumberPositiveInt": 1,
                    "seriesDosesPositiveInt": 2,
                    "targetDisease": [_cc(ICD10, "U07.1", "COVID-19")],
                }
            ],
        },
        {
            "resourceType": "Immunization",
            "id": f"{pid}-imm-2",
            "status": "completed",
            "vaccineCode": _cc("urn:oid:1.2.643.5.1.13.13.11.1078", "14", "Совигрипп"),
            "patient": _ref(pid),
            "occurrenceDateTime": f"{YEAR}-10-14",
            "lotNumber": "FL-1026",
            "protocolApplied": [{"doseNumberPositiveInt": 1, "targetDisease": [_cc(ICD10, "J11", "Грипп")]}],
        },
        {
            "resourceType": "DocumentReference",
            "id": f"{pid}-doc-1",
            "status": "current",
            "masterIdentifier": {"system": "urn:oid:1.2.643.5.1.13.13.17.1", "value": f"{pid}-semd-341-1"},
            "type": _cc("urn:oid:1.2.643.5.1.13.13.11.1520", "341", "Протокол консультации"),
            "subject": _ref(pid),
            "date": f"{YEAR}-07-22T11:00:00+03:00",
            "author": [DOCTOR],
            "content": [{"attachment": {"contentType": "application/pdf", "title": "Протокол консультации"}}],
        },
        {
            "resourceType": "Consent",
            "id": f"{pid}-consent-1",
            "status": "active",
            "scope": _cc("http://terminology.hl7.org/CodeSystem/consentscope", "patient-privacy"),
            "category": [_cc(LOINC, "59284-0", "Согласие на обработку персональных данных")],
            "patient": _ref(pid),
            "dateTime": f"{YEAR}-01-17T09:00:00+03:00",
            "policyRule": _cc("http://terminology.hl7.org/CodeSystem/v3-ActCode", "OPTIN"),
            "provision": {"period": {"start": f"{YEAR}-01-17"}},
        },
    ]


def demo_resources() -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for citizen in CITIZENS:
        pid = citizen[0]
        out.append(_patient(citizen))
        for n, visit in enumerate(VISITS, start=1):
            out.extend(_visit(pid, n, visit))
        out.extend(_panel(pid, 1, 4, 9))
        out.extend(_panel(pid, 2, 10, 15))
        out.extend(_others(pid))
    return out


def seed_records(session: Session, clock: Any = utcnow) -> dict[str, int]:
    created = existing = 0
    for resource in demo_resources():
        if records.find(session, resource["resourceType"], resource["id"]) is not None:
            existing += 1
            continue
        records.update(
            session, resource["resourceType"], resource["id"], resource, clock=clock, if_match=None
        )
        created += 1
    return {"created": created, "existing": existing}


def seed(settings: EgiszSettings) -> dict[str, Any]:
    engine = make_engine(settings.database_url)
    try:
        with make_sessionmaker(engine, write_lock=True)() as session:
            counts = seed_records(session)
            session.commit()
    finally:
        engine.dispose()
    # the same answer on every run (make run's demo.json must not change when nothing did)
    return {
        "fhir_resources": counts["created"] + counts["existing"],
        "patients": {c[0]: {"snils": c[1], "name": f"{c[2]} {c[3]}"} for c in CITIZENS},
    }
