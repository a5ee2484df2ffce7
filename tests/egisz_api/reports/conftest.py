"""An EGISZ app on a migrated database with COVID tests and vaccinations in two regions (written
through the records service, so the measure index is filled as on any write), and tokens."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.conftest import running
from tests.egisz_api.fhir.conftest import Issuer, fhir_settings
from tests.egisz_api.fhir.conftest import issuer as issuer

NOW = dt.datetime(2026, 4, 15, 9, 0, tzinfo=dt.UTC)
LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
ICD10 = "urn:oid:1.2.643.2.69.1.1.1.2"
PCR, EXPRESS, ANTIBODY = "94500-6", "94558-4", "94563-4"
SNILS = "112-233-445 95"


def org(region: str | None) -> dict[str, Any]:
    if region is None:
        return {"display": "Лаборатория без ФРМО OID"}
    return {
        "reference": f"Organization/mo-{region}",
        "identifier": {
            "system": "urn:ietf:rfc:3986",
            "value": f"urn:oid:1.2.643.5.1.13.13.12.2.{region}.7831",
        },
    }


def test_observation(patient: str, code: str, positive: bool, day: str, region: str | None) -> dict[str, Any]:
    value = ("260373001", "Detected") if positive else ("260415000", "Not detected")
    return {
        "resourceType": "Observation",
        "status": "final",
        "category": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                        "code": "laboratory",
                    }
                ]
            }
        ],
        "code": {"coding": [{"system": LOINC, "code": code}]},
        "subject": {"reference": f"Patient/{patient}"},
        "effectiveDateTime": day,
        "performer": [org(region)],
        "valueCodeableConcept": {"coding": [{"system": SNOMED, "code": value[0], "display": value[1]}]},
    }


def vaccination(patient: str, dose: int, day: str, region: str | None) -> dict[str, Any]:
    return {
        "resourceType": "Immunization",
        "status": "completed",
        "vaccineCode": {"coding": [{"system": "urn:egisz:cs:vaccine", "code": "sputnik-v"}]},
        "patient": {"reference": f"Patient/{patient}"},
        "occurrenceDateTime": day,
        "lotNumber": "II-210126",
        "performer": [{"actor": org(region)}],
        "protocolApplied": [
            {
                "doseNumberPositiveInt": dose,
                "targetDisease": [{"coding": [{"system": ICD10, "code": "U07.1"}]}],
            }
        ],
    }


def patient(pid: str) -> dict[str, Any]:
    return {
        "resourceType": "Patient",
        "id": pid,
        "identifier": [{"system": "urn:oid:1.2.643.2.69.1.1.1.6.223", "value": SNILS}],
        "name": [{"family": "Иванов", "given": ["Иван"]}],
        "birthDate": "1985-04-12",
    }


#: (region, test code, positive, count) in March 2026; see test_reports.py for the expected cells
TESTS = [
    ("77", PCR, True, 3),
    ("77", PCR, False, 4),
    ("77", EXPRESS, True, 2),
    ("50", PCR, False, 5),
    ("50", EXPRESS, True, 6),
    (None, PCR, True, 1),
]
#: (region, dose, count) in March 2026
VACCINATIONS = [("77", 1, 5), ("77", 2, 1), ("50", 1, 7), ("50", 2, 5)]


def fill(factory: Callable[[], Any]) -> None:
    from egisz_api.records import service as records

    with factory() as session:
        n = 0
        records.create(session, "Patient", patient("p-1"), clock=lambda: NOW, resource_id="p-1")
        for region, code, positive, count in TESTS:
            for _ in range(count):
                n += 1
                day = f"2026-03-{n % 28 + 1:02d}"
                records.create(
                    session,
                    "Observation",
                    test_observation("p-1", code, positive, day, region),
                    clock=lambda: NOW,
                )
        for region, dose, count in VACCINATIONS:
            for i in range(count):
                day = f"2026-03-{i % 28 + 1:02d}T10:00:00+03:00"
                records.create(
                    session, "Immunization", vaccination("p-1", dose, day, region), clock=lambda: NOW
                )
        session.commit()


@pytest.fixture
def reports_app(make_db: Callable[..., str], issuer: Issuer) -> FastAPI:
    from egisz_api.main import create_app

    app = create_app(fhir_settings(make_db("egisz_api"), issuer), clock=lambda: NOW)
    fill(app.state.session_factory)
    return app


@pytest.fixture
async def client(reports_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with running(reports_app) as c:
        yield c


def federal(issuer: Issuer) -> dict[str, str]:
    return issuer.headers(scope="user/MeasureReport.rs", roles=["authority_federal"])


def regional(issuer: Issuer, region: str = "77", **claims: Any) -> dict[str, str]:
    values: dict[str, Any] = {"region": region, **claims}
    return issuer.headers(scope="user/MeasureReport.rs", roles=["authority_regional"], **values)
