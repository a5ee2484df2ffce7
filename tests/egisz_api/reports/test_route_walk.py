"""An authority's token against every route of the app (EGISZ.md §5 row 31, R-EGZ-4): aggregates
only. Every patient-level FHIR interaction is a 403 OperationOutcome, and no answer to any route,
with any method, carries a Patient reference or a SNILS."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from starlette.routing import Mount, Route

from tests.egisz_api.fhir.conftest import Issuer, outcome
from tests.egisz_api.reports.conftest import SNILS

#: what each path parameter is filled with: ids that exist in the fixture's data
FILL = {
    "resource_type": "Patient",
    "resource_id": "p-1",
    "patient_id": "p-1",
    "version": "1",
    "event_id": "1",
    "measure_id": "covid-tests",
    "measure": "covid-tests",
}
PATIENT_TYPES = (
    "Patient",
    "Observation",
    "Immunization",
    "Encounter",
    "Condition",
    "DiagnosticReport",
    "ServiceRequest",
    "MedicationRequest",
    "Appointment",
    "DocumentReference",
    "Consent",
    "Task",
    "AuditEvent",
)
#: a reference to a Patient (an id after ``Patient/``; the API's own docs say ``Patient/{id}``),
#: the fixture's patient id, or its SNILS in either form
PERSONAL = re.compile(r"Patient/[A-Za-z0-9\-.]+|\bp-1\b|" + re.escape(SNILS) + r"|11223344595")


def _routes(routes: list[Any]) -> list[Route]:
    """The app's route table, through FastAPI's included routers (no prefixes are added at
    inclusion in this app: each router carries its own)."""
    found: list[Route] = []
    for route in routes:
        original = getattr(route, "original_router", None)
        if original is not None:
            found.extend(_routes(original.routes))
        elif isinstance(route, APIRoute | Route) and not isinstance(route, Mount):
            found.append(route)
    return found


def _paths(app: FastAPI) -> list[tuple[str, str]]:
    found = []
    for route in _routes(list(app.routes)):
        path = route.path
        for name in re.findall(r"{(\w+)(?::\w+)?}", path):
            path = re.sub(r"{" + name + r"(?::\w+)?}", FILL.get(name, "x"), path)
        for method in sorted(route.methods or {"GET"}):
            found.append((method, path))
    return found


def authorities(issuer: Issuer) -> list[dict[str, str]]:
    wide = "user/*.cruds system/*.cruds patient/*.cruds user/MeasureReport.rs"
    return [
        issuer.headers(scope=wide, roles=["authority_federal"], snils=SNILS),
        issuer.headers(scope=wide, roles=["authority_regional"], region="77", snils=SNILS, patient="p-1"),
    ]


async def test_every_route_answers_an_authority_without_personal_data(
    client: httpx.AsyncClient, reports_app: FastAPI, issuer: Issuer
) -> None:
    paths = _paths(reports_app)
    assert len(paths) > 40
    for headers in authorities(issuer):
        for method, path in paths:
            body = b"{}" if method in ("POST", "PUT", "PATCH") else None
            response = await client.request(
                method, path, headers={**headers, "Content-Type": "application/fhir+json"}, content=body
            )
            # never a 500; the cabinet login answers 503 here: it reaches for an idp this test does not run
            assert response.status_code != 500, (method, path, response.text)
            assert response.status_code < 500 or path.startswith(("/cabinet/login", "/esia/")), (method, path)
            # a 404 may name the path the caller typed ("CodeSystem/p-1 is not known"): not data
            typed = path.removeprefix("/fhir/")
            text = response.text if typed.startswith("Patient") else response.text.replace(typed, "")
            assert not PERSONAL.search(text), (method, path, response.text[:300])


@pytest.mark.parametrize("resource_type", PATIENT_TYPES)
async def test_patient_level_fhir_is_forbidden_to_authorities(
    client: httpx.AsyncClient, issuer: Issuer, resource_type: str
) -> None:
    for headers in authorities(issuer):
        by_id = "patient=p-1" if resource_type == "AuditEvent" else "_id=p-1"
        for path in (
            f"/fhir/{resource_type}",
            f"/fhir/{resource_type}/p-1",
            f"/fhir/{resource_type}?{by_id}",
        ):
            outcome(await client.get(path, headers=headers), 403)
        outcome(await client.get("/fhir/Patient/p-1/$everything", headers=headers), 403)
        outcome(await client.get("/fhir/Patient/p-1/_history", headers=headers), 403)
