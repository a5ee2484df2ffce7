"""The COVID register's codes (seed 001 «ЕГИСЗ COVID»): the tests as LOINC Observations with their
results, and the vaccines of a local code system.

The systems and codes are those of the seeded terminology (egisz_api/terminology/data: LOINC,
SNOMED CT results, the local vaccine code system), which every write is checked against.
"""

from __future__ import annotations

from dataclasses import dataclass

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
#: HL7 v3 ObservationInterpretation (POS / NEG / IND)
INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
#: our local code system of the COVID-19 vaccines registered in Russia
VACCINE_SYSTEM = "urn:egisz:cs:vaccine"
#: SNOMED CT 840539006 «COVID-19» (Immunization.protocolApplied.targetDisease)
COVID_DISEASE = (SNOMED, "840539006", "COVID-19")
#: ICD-10 U07.1 (as the demo seed's older vaccinations name the disease)
ICD10 = "urn:oid:1.2.643.2.69.1.1.1.2"
COVID_ICD10 = (ICD10, "U07.1", "COVID-19")


@dataclass(frozen=True)
class TestKind:
    key: str
    loinc: str
    display: str
    name_ru: str


#: PCR (NAA), express antigen and antibody tests (LOINC 2.7x SARS-CoV-2 codes)
PCR = TestKind(
    "pcr",
    "94500-6",
    "SARS-CoV-2 (COVID-19) RNA [Presence] in Respiratory specimen by NAA with probe detection",
    "ПЦР-тест на SARS-CoV-2",
)
EXPRESS = TestKind(
    "express",
    "94558-4",
    "SARS-CoV-2 (COVID-19) Ag [Presence] in Respiratory specimen by Rapid immunoassay",
    "Экспресс-тест на антиген SARS-CoV-2",
)
ANTIBODY = TestKind(
    "antibody",
    "94563-4",
    "SARS-CoV-2 (COVID-19) IgG Ab [Presence] in Serum or Plasma by Immunoassay",
    "Антитела IgG к SARS-CoV-2",
)
TESTS: dict[str, TestKind] = {t.key: t for t in (PCR, EXPRESS, ANTIBODY)}
TEST_CODES = frozenset(t.loinc for t in TESTS.values())


@dataclass(frozen=True)
class Result:
    key: str
    #: SNOMED CT qualifier value of the result
    snomed: str
    snomed_display: str
    #: HL7 v3 interpretation code
    interpretation: str
    name_ru: str


POSITIVE = Result("positive", "260373001", "Detected", "POS", "Положительный")
NEGATIVE = Result("negative", "260415000", "Not detected", "NEG", "Отрицательный")
INDETERMINATE = Result("indeterminate", "419984006", "Inconclusive", "IND", "Неопределённый")
RESULTS: dict[str, Result] = {r.key: r for r in (POSITIVE, NEGATIVE, INDETERMINATE)}


@dataclass(frozen=True)
class Vaccine:
    code: str
    display: str
    #: doses of a full primary course
    course: int


VACCINES: dict[str, Vaccine] = {
    v.code: v
    for v in (
        Vaccine("sputnik-v", "Гам-КОВИД-Вак (Спутник V)", 2),
        Vaccine("sputnik-light", "Спутник Лайт", 1),
        Vaccine("epivaccorona", "ЭпиВакКорона", 2),
        Vaccine("covivac", "КовиВак", 2),
    )
}


def coding(system: str, code: str, display: str) -> dict[str, str]:
    return {"system": system, "code": code, "display": display}


def lab_result(
    patient_id: str, kind: str, result: str, effective: str, *, resource_id: str | None = None
) -> dict[str, object]:
    """A COVID test result as an Observation: the LOINC test, the SNOMED result, the v3 interpretation."""
    test, outcome = TESTS[kind], RESULTS[result]
    body: dict[str, object] = {
        "resourceType": "Observation",
        "status": "final",
        "category": [
            {"coding": [coding(OBSERVATION_CATEGORY, "laboratory", "Laboratory")], "text": "Лаборатория"}
        ],
        "code": {"coding": [coding(LOINC, test.loinc, test.display)], "text": test.name_ru},
        "subject": {"reference": f"Patient/{patient_id}"},
        "effectiveDateTime": effective,
        "valueCodeableConcept": {
            "coding": [coding(SNOMED, outcome.snomed, outcome.snomed_display)],
            "text": outcome.name_ru,
        },
        "interpretation": [
            {"coding": [coding(INTERPRETATION, outcome.interpretation, outcome.snomed_display)]}
        ],
    }
    if resource_id is not None:
        body["id"] = resource_id
    return body


def immunization(
    patient_id: str, vaccine: str, date: str, dose: int, lot: str, *, resource_id: str | None = None
) -> dict[str, object]:
    """A COVID-19 vaccination: vaccine, date, dose number of its course, lot (series)."""
    kind = VACCINES[vaccine]
    body: dict[str, object] = {
        "resourceType": "Immunization",
        "status": "completed",
        "vaccineCode": {"coding": [coding(VACCINE_SYSTEM, kind.code, kind.display)], "text": kind.display},
        "patient": {"reference": f"Patient/{patient_id}"},
        "occurrenceDateTime": date,
        "lotNumber": lot,
        "protocolApplied": [
            {
                "doseNumberPositiveInt": dose,
                "seriesDosesPositiveInt": kind.course,
                "targetDisease": [{"coding": [coding(*COVID_DISEASE)]}],
            }
        ],
    }
    if resource_id is not None:
        body["id"] = resource_id
    return body
