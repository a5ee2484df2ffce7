"""GET /api/v1/audit-events (the AuditEvent search until the FHIR routes are wired): who may read
which events, the searchset Bundle, paging over next links, and every attempt audited — a refused
one included, so a patient sees who tried to read their log."""

from __future__ import annotations

import base64
from typing import Any

import httpx
from fhir.resources.R4B.bundle import Bundle
from sqlalchemy import Engine

from egisz_api.audit import service
from egisz_api.audit.balp import to_row
from shared.db import make_sessionmaker
from tests.egisz_api.audit.conftest import TokenMinter, access

PATIENT = {
    "sub": "citizen-1",
    "client_id": "cabinet",
    "patient": "p1",
    "scope": "openid patient/AuditEvent.rs",
}
AUDITOR = {"sub": "dpo-1", "client_id": "sec-console", "roles": ["auditor"], "scope": "user/AuditEvent.rs"}


def _seed(engine: Engine, count: int, patient: str = "p1") -> None:
    with make_sessionmaker(engine)() as session:
        service.store_events(
            session, [to_row(access(patient_id=patient), observer="t") for _ in range(count)]
        )
        session.commit()


async def _get(
    client: httpx.AsyncClient, minter: TokenMinter, claims: dict[str, Any], url: str
) -> httpx.Response:
    return await client.get(url, headers={"Authorization": f"Bearer {minter.token(**claims)}"})


async def _own_log(client: httpx.AsyncClient, minter: TokenMinter, patient: str) -> list[dict[str, Any]]:
    claims = {**PATIENT, "patient": patient, "sub": f"citizen-{patient}"}
    response = await _get(client, minter, claims, "/api/v1/audit-events?_count=100")
    assert response.status_code == 200, response.text
    return [entry["resource"] for entry in response.json().get("entry", [])]


def _query_of(event: dict[str, Any]) -> str:
    (entity,) = [e for e in event["entity"] if e.get("role", {}).get("code") == "24"]
    return base64.b64decode(entity["query"]).decode()


async def test_a_patient_reads_who_looked_at_their_record(
    egisz_app: tuple[Any, httpx.AsyncClient], egisz_db: tuple[str, Engine], minter: TokenMinter
) -> None:
    _, client = egisz_app
    _seed(egisz_db[1], 3)
    _seed(egisz_db[1], 2, patient="p2")
    response = await _get(client, minter, PATIENT, "/api/v1/audit-events?patient=Patient/p1&_sort=-date")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/fhir+json"
    bundle = Bundle.model_validate(response.json())  # a valid R4 searchset with valid AuditEvents
    assert bundle.type == "searchset" and len(bundle.entry or []) == 3
    assert {e["resource"]["entity"][0]["what"]["reference"] for e in response.json()["entry"]} == {
        "Patient/p1"
    }
    # the search itself is now in the patient's log: a successful query by the patient
    (own,) = [
        e
        for e in await _own_log(client, minter, "p1")
        if e["agent"][-1]["who"]["identifier"]["value"] == "citizen-1"
    ]
    assert own["outcome"] == "0" and own["action"] == "E"
    assert _query_of(own) == "patient=Patient/p1&_sort=-date"
    assert own["agent"][0]["who"]["identifier"]["value"] == "cabinet"


async def test_another_patients_log_is_refused_and_the_attempt_is_in_their_log(
    egisz_app: tuple[Any, httpx.AsyncClient], egisz_db: tuple[str, Engine], minter: TokenMinter
) -> None:
    _, client = egisz_app
    _seed(egisz_db[1], 2, patient="p2")
    for target in ("p2", "Patient/p2"):
        response = await _get(client, minter, PATIENT, f"/api/v1/audit-events?patient={target}")
        assert response.status_code == 403
        assert response.json()["code"] == "forbidden" and "own record" in response.json()["detail"]
    attempts = [e for e in await _own_log(client, minter, "p2") if e["outcome"] == "4"]
    assert len(attempts) == 2
    assert {e["agent"][-1]["who"]["identifier"]["value"] for e in attempts} == {"citizen-1"}
    assert "own record" in attempts[0]["outcomeDesc"]


async def test_who_may_search(
    egisz_app: tuple[Any, httpx.AsyncClient], egisz_db: tuple[str, Engine], minter: TokenMinter
) -> None:
    _, client = egisz_app
    _seed(egisz_db[1], 2, patient="p2")
    cases = [
        ({**PATIENT, "scope": "patient/Observation.rs"}, "/api/v1/audit-events", 403),
        ({**PATIENT, "scope": "patient/AuditEvent.c"}, "/api/v1/audit-events", 403),
        ({**PATIENT, "scope": "patient/AuditEvent.read"}, "/api/v1/audit-events", 200),  # SMART v1
        ({**PATIENT, "scope": "patient/*.rs"}, "/api/v1/audit-events", 200),
        ({k: v for k, v in PATIENT.items() if k != "patient"}, "/api/v1/audit-events", 403),
        ({**AUDITOR, "roles": ["practitioner"]}, "/api/v1/audit-events?patient=p2", 403),
        (AUDITOR, "/api/v1/audit-events?patient=p2", 200),
        ({**AUDITOR, "roles": "admin", "scope": "system/*.rs"}, "/api/v1/audit-events", 200),
    ]
    for claims, url, status in cases:
        response = await _get(client, minter, claims, url)
        assert response.status_code == status, (claims, response.text)
    assert (await client.get("/api/v1/audit-events")).status_code == 401
    auditor = await _get(client, minter, AUDITOR, "/api/v1/audit-events?patient=p2&action=R")
    assert len(auditor.json()["entry"]) == 2


async def test_bad_parameters_are_400_and_audited(
    egisz_app: tuple[Any, httpx.AsyncClient], minter: TokenMinter
) -> None:
    _, client = egisz_app
    for query, word in [
        ("date=yesterday", "date"),
        ("_count=zero", "_count"),
        ("_sort=name", "_sort"),
        ("action=X", "action"),
        ("subject=p1", "subject"),
        ("patient=p1&patient=p2", "once"),
        ("_cursor=%21%21", "cursor"),
    ]:
        response = await _get(client, minter, PATIENT, f"/api/v1/audit-events?{query}")
        assert response.status_code == 400, (query, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["code"] == "invalid_search" and word in response.json()["detail"]
    failed = [e for e in await _own_log(client, minter, "p1") if e["outcome"] == "4"]
    assert len(failed) == 7


async def test_paging_through_next_links(
    egisz_app: tuple[Any, httpx.AsyncClient], egisz_db: tuple[str, Engine], minter: TokenMinter
) -> None:
    _, client = egisz_app
    _seed(egisz_db[1], 12, patient="p2")
    url: str | None = "/api/v1/audit-events?patient=p2&_count=5&action=R"
    seen: list[str] = []
    while url:
        response = await _get(client, minter, AUDITOR, url)
        body = response.json()
        seen += [e["resource"]["id"] for e in body["entry"]]
        links = {link["relation"]: link["url"] for link in body["link"]}
        url = links.get("next")
    assert len(seen) == 12 == len(set(seen))


async def test_audit_events_have_no_write_interaction(
    egisz_app: tuple[Any, httpx.AsyncClient], minter: TokenMinter
) -> None:
    _, client = egisz_app
    headers = {"Authorization": f"Bearer {minter.token(**{**AUDITOR, 'scope': 'user/*.cruds'})}"}
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        for path in ("/api/v1/audit-events", "/api/v1/audit-events/some-id"):
            response = await client.request(
                method, path, headers=headers, json={"resourceType": "AuditEvent"}
            )
            assert response.status_code in (404, 405), (method, path, response.status_code)
