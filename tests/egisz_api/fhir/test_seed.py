"""The demo seed: a Patient per idp demo citizen, found by the SNILS of their login, with a year of
records; idempotent."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from egisz_api.seed import CITIZENS, seed_records
from tests.egisz_api.fhir.conftest import Issuer, valid


async def test_seed_is_idempotent_and_a_citizen_reaches_their_year_of_records(
    client: httpx.AsyncClient, fhir_app: FastAPI, issuer: Issuer
) -> None:
    with fhir_app.state.session_factory() as session:
        first = seed_records(session)
        session.commit()
    with fhir_app.state.session_factory() as session:
        again = seed_records(session)
    assert first["created"] > 100 and first["existing"] == 0
    assert again == {"created": 0, "existing": first["created"]}

    pid, snils = CITIZENS[0][0], CITIZENS[0][1]
    headers = issuer.headers(scope="patient/*.rs", roles=["patient"], snils=snils)
    kinds: dict[str, int] = {}
    url: str | None = f"/fhir/Patient/{pid}/$everything?_count=100"
    while url:
        page = valid((await client.get(url, headers=headers)).content)
        for entry in page.get("entry", []):
            assert entry["resource"]["id"].startswith(pid)
            kinds[entry["resource"]["resourceType"]] = kinds.get(entry["resource"]["resourceType"], 0) + 1
        url = next((link["url"] for link in page["link"] if link["relation"] == "next"), None)
    assert kinds["Encounter"] == 4 and kinds["DiagnosticReport"] == 3 and kinds["Immunization"] == 3
    assert {
        "Patient",
        "Condition",
        "Observation",
        "MedicationRequest",
        "ServiceRequest",
        "Appointment",
        "DocumentReference",
        "Consent",
    } <= set(kinds)
    labs = valid(
        (
            await client.get(
                "/fhir/Observation?category=laboratory&code=http://loinc.org|718-7&_sort=date",
                headers=headers,
            )
        ).content
    )
    assert [e["resource"]["interpretation"][0]["coding"][0]["code"] for e in labs["entry"]] == ["N", "L"]
    assert labs["entry"][0]["resource"]["referenceRange"][0]["low"]["value"] == 120
