"""Demo health records (dev mode only): a Patient for each of the idp's demo citizens, found by the
SNILS the idp seed gives them (EGISZ.md §1.4), with a year of records: visits with diagnoses and
blood pressure, three lab panels with reference ranges and their reports, prescriptions, a
referral, an upcoming appointment, vaccinations (a full COVID-19 course, so a vaccination
certificate, and a flu shot), COVID-19 PCR and antibody tests, a consultation protocol and a
personal-data consent (given; withdrawn for one patient, docs/consent.md).

Dates are relative to the seed day (visits over the past year, an appointment in two weeks);
idempotent: every resource has a fixed id and is written only when missing, so a later run changes
nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from egisz_api.consent import resources as consent_resources
from egisz_api.consent import service as consent
from egisz_api.consent.documents import CURRENT_VERSION
from egisz_api.covid import codes as covid
from egisz_api.records import service as records
from egisz_api.records.parameters import OMS_SYSTEM, SNILS_SYSTEM
from egisz_api.settings import EgiszSettings
from egisz_api.workers.schemas import OGRN_SYSTEM
from shared.db import make_engine, make_sessionmaker, utcnow
from shared.web.formatting import local

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
ICD10 = "urn:oid:1.2.643.2.69.1.1.1.2"
FSLI = "urn:oid:1.2.643.5.1.13.13.11.1080"
#: the local code systems of vaccines and medications (terminology/data, docs/fhir.md "Terminology")
VACCINE = "urn:egisz:cs:vaccine"
MEDICATION = "urn:egisz:cs:medication"
OBS_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
ORGANIZATION = {"reference": "Organization/demo-polyclinic-1", "display": "ГБУЗ «Городская поликлиника № 1»"}
DOCTOR = {"reference": "Practitioner/demo-doctor", "display": "Врачёва Елена Петровна"}
#: the idp seed's demo organisations (services/idp/organizations/seeding.py) by OGRN: a patient is
#: attached to one (``Patient.managingOrganization``), and its workers see the patient (docs/cabinet.md)
MOSCOW_ORG = ("1027700999017", "ГБУЗ «ГП № 999 ДЗМ» (демо)")
SPB_ORG = ("1027800999027", "СПб ГБУЗ «ГП № 999» (демо)")
#: patient → the organisation they are attached to (by their registration address in the idp seed)
ATTACHED = {"demo-sidorov": SPB_ORG}

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
#: a year of visits: (days before the seed day, ICD-10 code, diagnosis, systolic, diastolic)
VISITS = [
    (320, "J06.9", "Острая инфекция верхних дыхательных путей неуточнённая", 124, 80),
    (238, "I10", "Эссенциальная (первичная) гипертензия", 148, 94),
    (133, "I10", "Эссенциальная (первичная) гипертензия", 136, 86),
    (49, "Z00.0", "Общий медицинский осмотр", 128, 82),
]
#: lab panels: (id, LOINC, name, the visit it follows, [(LOINC, ФСЛИ code, name, UCUM, unit, low,
#: high, value)]); some values out of range (interpretation H/L)
PANELS = [
    (
        "cbc-1",
        "58410-2",
        "Общий анализ крови",
        2,
        [
            ("718-7", "1015900", "Гемоглобин", "g/L", "г/л", 120, 160, 138),
            ("6690-2", "1016060", "Лейкоциты", "10*9/L", "×10⁹/л", 4.0, 9.0, 6.1),
            ("777-3", "1016290", "Тромбоциты", "10*9/L", "×10⁹/л", 180, 320, 245),
        ],
    ),
    (
        "cbc-2",
        "58410-2",
        "Общий анализ крови",
        4,
        [
            ("718-7", "1015900", "Гемоглобин", "g/L", "г/л", 120, 160, 117),
            ("6690-2", "1016060", "Лейкоциты", "10*9/L", "×10⁹/л", 4.0, 9.0, 10.4),
            ("777-3", "1016290", "Тромбоциты", "10*9/L", "×10⁹/л", 180, 320, 210),
        ],
    ),
    (
        "bio-1",
        "24323-8",
        "Биохимический анализ крови",
        4,
        [
            ("2345-7", None, "Глюкоза", "mmol/L", "ммоль/л", 3.9, 6.1, 5.4),
            ("2093-3", None, "Холестерин общий", "mmol/L", "ммоль/л", 3.0, 5.2, 6.3),
            ("2160-0", None, "Креатинин", "umol/L", "мкмоль/л", 62, 115, 88),
        ],
    ),
]
#: this demo patient has withdrawn the personal-data consent every demo patient gave at the first visit
WITHDRAWN_CONSENT = "demo-smirnov"


class Calendar:
    """Moments relative to the seed day, in Moscow time (the demo polyclinic's)."""

    def __init__(self, today: dt.date) -> None:
        self.today = today

    def day(self, days_ago: int) -> dt.date:
        return self.today - dt.timedelta(days=days_ago)

    def at(self, days_ago: int, hour: int = 9, minute: int = 0) -> str:
        return f"{self.day(days_ago).isoformat()}T{hour:02d}:{minute:02d}:00+03:00"

    def date(self, days_ago: int) -> str:
        return self.day(days_ago).isoformat()

    def moment(self, days_ago: int, hour: int = 9) -> dt.datetime:
        return dt.datetime.fromisoformat(self.at(days_ago, hour))


def _ref(pid: str) -> dict[str, str]:
    return {"reference": f"Patient/{pid}"}


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
        "managingOrganization": _attached(pid),
    }


def _attached(pid: str) -> dict[str, Any]:
    ogrn, name = ATTACHED.get(pid, MOSCOW_ORG)
    return {"identifier": {"system": OGRN_SYSTEM, "value": ogrn}, "display": name}


def _visit(cal: Calendar, pid: str, n: int, visit: tuple[Any, ...]) -> list[dict[str, Any]]:
    ago, icd, diagnosis, systolic, diastolic = visit
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
            "period": {"start": cal.at(ago), "end": cal.at(ago, 9, 40)},
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
            "onsetDateTime": cal.at(ago, 9, 20),
        },
        {
            "resourceType": "Observation",
            "id": f"{pid}-bp-{n}",
            "status": "final",
            "category": [vital],
            "code": _cc(LOINC, "85354-9", "Артериальное давление"),
            "subject": _ref(pid),
            "encounter": {"reference": f"Encounter/{enc}"},
            "effectiveDateTime": cal.at(ago, 9, 10),
            "interpretation": [_cc(INTERPRETATION, "H" if systolic >= 140 or diastolic >= 90 else "N")],
            "component": [
                {
                    "code": _cc(LOINC, "8480-6", "Систолическое"),
                    "valueQuantity": {
                        "value": systolic,
                        "unit": "мм рт. ст.",
                        "system": UCUM,
                        "code": "mm[Hg]",
                    },
                },
                {
                    "code": _cc(LOINC, "8462-4", "Диастолическое"),
                    "valueQuantity": {
                        "value": diastolic,
                        "unit": "мм рт. ст.",
                        "system": UCUM,
                        "code": "mm[Hg]",
                    },
                },
            ],
        },
    ]


def _panel(cal: Calendar, pid: str, panel: tuple[Any, ...]) -> list[dict[str, Any]]:
    """A lab panel the morning after a visit, results issued that afternoon."""
    panel_id, report_loinc, report_name, visit, tests = panel
    ago = VISITS[visit - 1][0] - 1
    lab = _cc(OBS_CATEGORY, "laboratory", "Laboratory")
    out: list[dict[str, Any]] = []
    for loinc, fsli, name, ucum, unit, low, high, value in tests:
        flag = "H" if value > high else "L" if value < low else "N"
        codings = [{"system": FSLI, "code": fsli, "display": name}] if fsli else []
        out.append(
            {
                "resourceType": "Observation",
                "id": f"{pid}-lab-{panel_id}-{loinc}",
                "status": "final",
                "category": [lab],
                "code": {"coding": [*codings, {"system": LOINC, "code": loinc}], "text": name},
                "subject": _ref(pid),
                "effectiveDateTime": cal.at(ago, 8),
                "issued": cal.at(ago, 14),
                "valueQuantity": {"value": value, "unit": unit, "system": UCUM, "code": ucum},
                "interpretation": [_cc(INTERPRETATION, flag)],
                "referenceRange": [
                    {
                        "low": {"value": low, "unit": unit, "system": UCUM, "code": ucum},
                        "high": {"value": high, "unit": unit, "system": UCUM, "code": ucum},
                    }
                ],
            }
        )
    out.append(
        {
            "resourceType": "DiagnosticReport",
            "id": f"{pid}-{panel_id}",
            "status": "final",
            "category": [_cc("http://terminology.hl7.org/CodeSystem/v2-0074", "LAB", "Laboratory")],
            "code": _cc(LOINC, report_loinc, report_name),
            "subject": _ref(pid),
            "effectiveDateTime": cal.at(ago, 8),
            "issued": cal.at(ago, 14),
            "performer": [ORGANIZATION],
            "result": [{"reference": f"Observation/{o['id']}"} for o in out],
        }
    )
    return out


def _others(cal: Calendar, pid: str) -> list[dict[str, Any]]:
    return [
        {
            "resourceType": "MedicationRequest",
            "id": f"{pid}-rx-1",
            "status": "active",
            "intent": "order",
            "medicationCodeableConcept": _cc(MEDICATION, "amlodipine-5-tab", "Амлодипин 5 мг, таблетки"),
            "subject": _ref(pid),
            "encounter": {"reference": f"Encounter/{pid}-enc-2"},
            "authoredOn": cal.date(VISITS[1][0]),
            "requester": DOCTOR,
            "dosageInstruction": [{"text": "По 1 таблетке 1 раз в день утром"}],
        },
        {
            "resourceType": "MedicationRequest",
            "id": f"{pid}-rx-2",
            "status": "completed",
            "intent": "order",
            "medicationCodeableConcept": _cc(
                MEDICATION, "paracetamol-500-tab", "Парацетамол 500 мг, таблетки"
            ),
            "subject": _ref(pid),
            "encounter": {"reference": f"Encounter/{pid}-enc-1"},
            "authoredOn": cal.date(VISITS[0][0]),
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
            "authoredOn": cal.date(VISITS[2][0]),
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
            "start": cal.at(-13, 10, 30),
            "end": cal.at(-13, 10, 50),
            "basedOn": [{"reference": f"ServiceRequest/{pid}-ref-1"}],
            "participant": [
                {"actor": _ref(pid), "status": "accepted"},
                {"actor": DOCTOR, "status": "accepted"},
            ],
        },
        {
            "resourceType": "Immunization",
            "id": f"{pid}-imm-2",
            "status": "completed",
            "vaccineCode": _cc(VACCINE, "sovigripp", "Совигрипп"),
            "patient": _ref(pid),
            "occurrenceDateTime": cal.date(VISITS[3][0]),
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
            "date": cal.at(VISITS[2][0], 11),
            "author": [DOCTOR],
            "content": [{"attachment": {"contentType": "application/pdf", "title": "Протокол консультации"}}],
        },
        consent_resources.given(pid, CURRENT_VERSION, cal.moment(VISITS[0][0], 6), f"{pid}-consent-1"),
        *_covid(cal, pid),
    ]


def _covid(cal: Calendar, pid: str) -> list[dict[str, Any]]:
    """The COVID register (seed 001): a negative PCR and a positive antibody test, and a full
    Спутник V course (two doses three weeks apart), so each demo patient has a certificate."""
    return [
        covid.lab_result(pid, "pcr", "negative", cal.at(302, 8), resource_id=f"{pid}-covid-pcr-1"),
        covid.lab_result(pid, "antibody", "positive", cal.at(250, 8), resource_id=f"{pid}-covid-ab-1"),
        covid.immunization(pid, "sputnik-v", cal.date(295), 1, "II-210126", resource_id=f"{pid}-imm-1"),
        covid.immunization(pid, "sputnik-v", cal.date(274), 2, "II-210311", resource_id=f"{pid}-imm-3"),
    ]


def demo_resources(today: dt.date) -> list[dict[str, Any]]:
    """Every demo resource, dated relative to ``today`` (the seed day)."""
    cal = Calendar(today)
    out: list[dict[str, Any]] = []
    for citizen in CITIZENS:
        pid = citizen[0]
        out.append(_patient(citizen))
        for n, visit in enumerate(VISITS, start=1):
            out.extend(_visit(cal, pid, n, visit))
        for panel in PANELS:
            out.extend(_panel(cal, pid, panel))
        out.extend(_others(cal, pid))
    return out


def seed_records(session: Session, clock: Any = utcnow) -> dict[str, int]:
    created = existing = 0
    for resource in demo_resources(local(clock()).date()):
        if records.find(session, resource["resourceType"], resource["id"]) is not None:
            existing += 1
            continue
        records.update(
            session, resource["resourceType"], resource["id"], resource, clock=clock, if_match=None
        )
        created += 1
        if resource["id"] == f"{WITHDRAWN_CONSENT}-consent-1":  # only when first seeded
            consent.withdraw(session, WITHDRAWN_CONSENT, clock=clock)
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
    base = settings.public_url.rstrip("/")
    return {
        "fhir_resources": counts["created"] + counts["existing"],
        "patients": {c[0]: {"snils": c[1], "name": f"{c[2]} {c[3]}"} for c in CITIZENS},
        # what an integrator needs to call the FHIR API (docs/fhir.md): a token from the idp's
        # token endpoint (client_credentials with a client of the idp's "clients" above, e.g.
        # demo-integrator, audience egisz), then /fhir with a Patient id below
        "integrator": {
            "fhir_base": f"{base}/fhir",
            "capability_statement": f"{base}/fhir/metadata",
            "smart_configuration": f"{base}/fhir/.well-known/smart-configuration",
            "token_endpoint": f"{settings.idp_issuer.rstrip('/')}/token",
            "audience": settings.audience,
            "client_id": "demo-integrator",
            "patient_ids": [c[0] for c in CITIZENS],
            "example": f"{base}/fhir/Observation?patient={CITIZENS[0][0]}&category=laboratory&_sort=-date",
        },
        # an integrator's token gets 403 consent_revoked for this patient (docs/consent.md)
        "consent_withdrawn": [WITHDRAWN_CONSENT],
    }
