"""The CapabilityStatement's Measure and MeasureReport entries are what the server does: every
interaction, search parameter and operation listed answers an authority, every other interaction is
404/405 (the drift check of tests/egisz_api/fhir/test_capability.py, for the reports' types)."""

from __future__ import annotations

from typing import Any

import httpx

from tests.egisz_api.fhir.conftest import Issuer, valid
from tests.egisz_api.reports.conftest import federal

SAMPLES = {
    "_id": "covid-tests",
    "url": "urn:egisz:measure:covid-tests",
    "measure": "covid-tests",
    "period": "2026-03",
    "subject": "77",
    "status": "complete",
    "periodUnit": "week",
}


async def _entries(client: httpx.AsyncClient) -> dict[str, dict[str, Any]]:
    statement = (await client.get("/fhir/metadata")).json()
    return {
        e["type"]: e for e in statement["rest"][0]["resource"] if e["type"] in ("Measure", "MeasureReport")
    }


async def test_listed_interactions_work_and_others_are_refused(
    client: httpx.AsyncClient, issuer: Issuer
) -> None:
    entries = await _entries(client)
    assert set(entries) == {"Measure", "MeasureReport"}
    headers = federal(issuer)
    for type_, entry in entries.items():
        listed = {i["code"] for i in entry["interaction"]}
        attempts = {
            "read": ("GET", f"/fhir/{type_}/covid-tests"),
            "vread": ("GET", f"/fhir/{type_}/covid-tests/_history/1"),
            "history-instance": ("GET", f"/fhir/{type_}/covid-tests/_history"),
            "search-type": ("GET", f"/fhir/{type_}"),
            "create": ("POST", f"/fhir/{type_}"),
            "update": ("PUT", f"/fhir/{type_}/covid-tests"),
            "delete": ("DELETE", f"/fhir/{type_}/covid-tests"),
        }
        for interaction, (method, path) in attempts.items():
            response = await client.request(
                method,
                path,
                headers={**headers, "Content-Type": "application/fhir+json"},
                content=b'{"resourceType": "%s"}' % type_.encode() if method in ("POST", "PUT") else None,
            )
            if interaction in listed:
                assert response.status_code == 200, (type_, interaction, response.text)
                valid(response.content)
            else:
                assert response.status_code in (404, 405), (type_, interaction, response.status_code)
                assert response.headers["content-type"].startswith("application/fhir+json")
        for param in entry["searchParam"]:
            response = await client.get(
                f"/fhir/{type_}", params={param["name"]: SAMPLES[param["name"]]}, headers=headers
            )
            assert response.status_code == 200, (type_, param["name"], response.text)
            valid(response.content)
        refused = await client.get(f"/fhir/{type_}", params={"no-such-parameter": "1"}, headers=headers)
        assert refused.status_code == 400
    (operation,) = entries["Measure"]["operation"]
    assert operation["name"] == "evaluate-measure"
    response = await client.get("/fhir/Measure/covid-tests/$evaluate-measure", headers=headers)
    assert valid(response.content)["resourceType"] == "MeasureReport"
