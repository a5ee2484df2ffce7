"""What a resource counts for in the health authorities' reports (R-EGZ-4, EGISZ.md §5 row 31).

Extracted on every write, like the search index rows, into ``fhir_measure_index``: one row per
resource that counts for a measure, holding only what the aggregates group by (measure, stratum,
positive, region, day). The reports then run SQL ``GROUP BY`` over that table and never load a
resource (docs/reports.md). Nothing here names a patient.

- **COVID-19 tests**: an Observation whose ``code`` is one of the LOINC SARS-CoV-2 codes below, with
  status final/amended/corrected; the stratum is the test kind (``pcr``, ``express``, ``antibody``);
  positive when ``valueCodeableConcept`` is SNOMED CT «Detected»/«Positive» or the interpretation
  is ``POS``/``DET``.
- **COVID-19 vaccinations**: a completed Immunization whose ``protocolApplied.targetDisease`` is
  COVID-19 (ICD-10 U07.1, SNOMED CT 840539006); the stratum is the dose number.
- **Region**: the two-digit region code inside the ФРМО OID of the performing organisation
  (``1.2.643.5.1.13.13.12.2.<region>.<n>``, EGISZ.md §1.4) given as that organisation reference's
  ``identifier``; '' when the resource names none (reported as «регион не указан»).
- **Day**: the date as written in the resource (its local calendar day), not shifted to UTC.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
ICD10 = "urn:oid:1.2.643.2.69.1.1.1.2"
INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"

#: the only types that can count for a measure (other writes skip the measure index)
MEASURED_TYPES = frozenset({"Observation", "Immunization"})
TESTS = "covid-tests"
VACCINATIONS = "covid-vaccinations"

#: LOINC SARS-CoV-2 codes by test kind (seed 001: ПЦР, экспресс-тест на антиген, антитела)
TEST_KINDS: dict[str, str] = {
    **dict.fromkeys(("94500-6", "94309-2", "94531-1", "94759-8", "94845-5", "94502-2"), "pcr"),
    **dict.fromkeys(("94558-4", "95209-3", "97097-0", "96119-3"), "express"),
    **dict.fromkeys(("94563-4", "94564-2", "94762-2", "94661-6", "94505-5", "94769-7"), "antibody"),
}
POSITIVE_VALUES = frozenset({(SNOMED, "260373001"), (SNOMED, "10828004")})
POSITIVE_INTERPRETATIONS = frozenset({(INTERPRETATION, "POS"), (INTERPRETATION, "DET")})
COVID_DISEASES = frozenset({(ICD10, "U07.1"), (ICD10, "U07.2"), (SNOMED, "840539006")})
FINAL_OBSERVATION = frozenset({"final", "amended", "corrected"})
#: a medical organisation's ФРМО OID carries its region (EGISZ.md §1.4)
FRMO_OID = re.compile(r"^(?:urn:oid:)?1\.2\.643\.5\.1\.13\.13\.12\.2\.(\d{1,2})\.\d+$")
REGION = re.compile(r"^\d{2}$")
_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")


@dataclass(frozen=True)
class MeasureFact:
    measure: str
    stratum: str
    positive: bool
    region: str
    day: dt.date

    @property
    def week(self) -> dt.date:
        """The Monday of the day's ISO week."""
        return self.day - dt.timedelta(days=self.day.weekday())

    @property
    def month(self) -> dt.date:
        return self.day.replace(day=1)


def region_of_oid(value: str) -> str | None:
    """The two-digit region code of a ФРМО OID, or None when it is not one."""
    match = FRMO_OID.match(value.strip())
    return match.group(1).zfill(2) if match else None


def _codings(concept: Any) -> set[tuple[str, str]]:
    if not isinstance(concept, dict):
        return set()
    return {
        (str(c.get("system", "")), str(c.get("code", "")))
        for c in concept.get("coding", [])
        if isinstance(c, dict)
    }


def _region(references: list[Any]) -> str:
    for reference in references:
        identifier = reference.get("identifier") if isinstance(reference, dict) else None
        if isinstance(identifier, dict) and isinstance(identifier.get("value"), str):
            region = region_of_oid(identifier["value"])
            if region:
                return region
    return ""


def _day(value: Any) -> dt.date | None:
    if isinstance(value, dict):
        value = value.get("start")
    match = _DAY.match(value) if isinstance(value, str) else None
    if match is None:
        return None
    try:
        return dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None


def _test(resource: dict[str, Any]) -> MeasureFact | None:
    if resource.get("status") not in FINAL_OBSERVATION:
        return None
    kinds = {
        TEST_KINDS[code]
        for system, code in _codings(resource.get("code"))
        if system == LOINC and code in TEST_KINDS
    }
    if len(kinds) != 1:
        return None
    day = _day(
        resource.get("effectiveDateTime")
        or resource.get("effectivePeriod")
        or resource.get("effectiveInstant")
    )
    if day is None:
        return None
    interpretations = set().union(*(_codings(i) for i in resource.get("interpretation", [])))
    positive = bool(_codings(resource.get("valueCodeableConcept")) & POSITIVE_VALUES) or bool(
        interpretations & POSITIVE_INTERPRETATIONS
    )
    performers = resource.get("performer", [])
    return MeasureFact(TESTS, kinds.pop(), positive, _region(performers), day)


def _vaccination(resource: dict[str, Any]) -> MeasureFact | None:
    if resource.get("status") != "completed":
        return None
    day = _day(resource.get("occurrenceDateTime"))
    if day is None:
        return None
    for protocol in resource.get("protocolApplied", []):
        if not isinstance(protocol, dict):
            continue
        diseases = set().union(*(_codings(d) for d in protocol.get("targetDisease", [])))
        if not diseases & COVID_DISEASES:
            continue
        dose = protocol.get("doseNumberPositiveInt")
        stratum = str(dose) if isinstance(dose, int) and 0 < dose < 10 else "other"
        actors = [p.get("actor") for p in resource.get("performer", []) if isinstance(p, dict)]
        return MeasureFact(VACCINATIONS, stratum, False, _region(actors), day)
    return None


def fact_of(resource: dict[str, Any]) -> MeasureFact | None:
    """The measure a resource counts for, if any."""
    kind = resource.get("resourceType")
    if kind == "Observation":
        return _test(resource)
    if kind == "Immunization":
        return _vaccination(resource)
    return None
