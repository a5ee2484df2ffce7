"""The seeded Measures (R-EGZ-4): COVID-19 tests and positives by test kind, and COVID-19
vaccinations by dose number, counted per region and period (records/measures.py says what counts)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from egisz_api.records import measures

POPULATION = "http://terminology.hl7.org/CodeSystem/measure-population"
CANONICAL = "urn:egisz:measure:"
DATE = "2026-12-02"


@dataclass(frozen=True)
class MeasureDefinition:
    id: str
    title: str
    title_en: str
    #: the strata always listed (a dose beyond them appears when it has data)
    strata: tuple[str, ...]
    #: whether the measure counts positives (a numerator) besides its initial population
    positives: bool
    stratum_label: str

    @property
    def url(self) -> str:
        return CANONICAL + self.id


MEASURES: dict[str, MeasureDefinition] = {
    measures.TESTS: MeasureDefinition(
        measures.TESTS,
        "Тесты на COVID-19 и положительные результаты",
        "COVID-19 tests and positive results",
        ("pcr", "express", "antibody"),
        True,
        "test-kind",
    ),
    measures.VACCINATIONS: MeasureDefinition(
        measures.VACCINATIONS,
        "Вакцинация против COVID-19 по номеру дозы",
        "COVID-19 vaccinations by dose number",
        ("1", "2", "3"),
        False,
        "dose-number",
    ),
}


def find(measure: str) -> MeasureDefinition | None:
    """A measure by its id or canonical URL (with or without a ``|version``)."""
    key = measure.split("|")[0]
    if key.startswith(CANONICAL):
        key = key[len(CANONICAL) :]
    elif "/Measure/" in key:
        key = key.rsplit("/Measure/", 1)[1]
    return MEASURES.get(key)


def _concept(code: str, display: str) -> dict[str, Any]:
    return {"coding": [{"system": POPULATION, "code": code, "display": display}]}


def measure_resource(definition: MeasureDefinition) -> dict[str, Any]:
    """The FHIR Measure (R4) describing one report."""
    populations = [
        {
            "code": _concept("initial-population", "Initial Population"),
            "description": "Resources counted (tests / vaccinations) in the period",
            "criteria": {"language": "text/plain", "expression": f"egisz:{definition.id}"},
        }
    ]
    if definition.positives:
        populations.append(
            {
                "code": _concept("numerator", "Numerator"),
                "description": "Positive results",
                "criteria": {"language": "text/plain", "expression": f"egisz:{definition.id}:positive"},
            }
        )
    return {
        "resourceType": "Measure",
        "id": definition.id,
        "url": definition.url,
        "version": "1",
        "name": definition.id.replace("-", "_").upper(),
        "title": definition.title,
        "status": "active",
        "experimental": False,
        "date": DATE,
        "publisher": "ЕГИСЗ",
        "description": definition.title_en,
        "subjectCodeableConcept": {"text": "Aggregates only: no person is a subject"},
        "scoring": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/measure-scoring",
                    "code": "proportion" if definition.positives else "cohort",
                }
            ]
        },
        "disclaimer": "Counts 1–4 are suppressed («<5»), with complementary suppression (docs/reports.md).",
        "group": [
            {
                "population": populations,
                "stratifier": [
                    {"code": {"text": "region-period"}, "description": "Per region and period"},
                    {
                        "code": {"text": f"region-period-{definition.stratum_label}"},
                        "description": f"Per region, period and {definition.stratum_label}",
                    },
                ],
            }
        ],
    }


#: the search parameters served (name → type, documentation); the CapabilityStatement lists these
MEASURE_SEARCH: dict[str, tuple[str, str]] = {
    "_id": ("token", "covid-tests, covid-vaccinations"),
    "url": ("uri", "The Measure's canonical URL"),
}
REPORT_SEARCH: dict[str, tuple[str, str]] = {
    "measure": ("reference", "Measure id or canonical URL; comma for several (default: every measure)"),
    "period": ("date", "ge/le bounds or one partial date (default: this year to date)"),
    "subject": ("token", "A two-digit region code (a regional authority: its own only)"),
    "status": ("token", "complete (reports are computed on request; other statuses match none)"),
    "periodUnit": ("token", "Stratify periods by day, week or month (default: month)"),
}
OPERATION_PARAMETERS = ("periodStart", "periodEnd", "reportType", "subject", "periodUnit")
EVALUATE_MEASURE = "http://hl7.org/fhir/OperationDefinition/Measure-evaluate-measure"
_ROLES_TEXT = (
    "Aggregates for health authorities (EGISZ.md §5 #31): user/ or system/MeasureReport.rs with the role "
    "authority_regional (its own region), authority_federal or admin. No Patient reference anywhere."
)


def capability_entries() -> list[dict[str, Any]]:
    """The CapabilityStatement's entries for Measure and MeasureReport (fhir/capability.py)."""
    common = {
        "versioning": "no-version",
        "readHistory": False,
        "updateCreate": False,
        "conditionalCreate": False,
        "conditionalUpdate": False,
        "conditionalDelete": "not-supported",
    }
    return [
        {
            "type": "Measure",
            "documentation": _ROLES_TEXT + " The seeded COVID-19 measures.",
            "interaction": [{"code": "read"}, {"code": "search-type"}],
            **common,
            "searchParam": [
                {"name": name, "type": kind, "documentation": text}
                for name, (kind, text) in MEASURE_SEARCH.items()
            ],
            "operation": [{"name": "evaluate-measure", "definition": EVALUATE_MEASURE}],
        },
        {
            "type": "MeasureReport",
            "documentation": _ROLES_TEXT + " Summary reports computed on request; small cells «<5».",
            "interaction": [{"code": "search-type"}],
            **common,
            "searchParam": [
                {"name": name, "type": kind, "documentation": text}
                for name, (kind, text) in REPORT_SEARCH.items()
            ],
        },
    ]
