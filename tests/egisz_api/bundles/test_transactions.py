"""R4 http.html §3.1.0.11 transaction and batch (EGISZ.md §5 row 26): each entry checked as the
single interaction, a transaction all or nothing, urn:uuid references resolved, R4's order."""

from __future__ import annotations

import json
from typing import Any

import httpx
from fastapi import FastAPI

from tests.egisz_api.bundles.conftest import (
    IDENT,
    bundle,
    lab_result,
    post,
    valid_response,
)
from tests.egisz_api.consent.support import withdraw_consent
from tests.egisz_api.fhir import resources as res
from tests.egisz_api.fhir.conftest import FHIR_JSON, Issuer, World, outcome

HEADERS = {"Content-Type": FHIR_JSON}
SIG = "urn:idp:acr:sig"


def practitioner(issuer: Issuer, **claims: Any) -> dict[str, str]:
    return {
        **issuer.headers(scope="user/*.cruds", roles=["practitioner"], org="mo-1", acr=SIG, **claims),
        **HEADERS,
    }


async def count(client: httpx.AsyncClient, issuer: Issuer, query: str) -> int:
    found = await client.get(f"/fhir/{query}", headers=issuer.headers(scope="system/*.rs"))
    assert found.status_code == 200, found.text
    total: int = found.json()["total"]
    return total


async def test_transaction_of_twenty_with_a_bad_thirteenth_writes_nothing_and_names_it(
    client: httpx.AsyncClient, world: World, issuer: Issuer
) -> None:
    entries = [post(lab_result(world.alice, f"n-{i}")) for i in range(20)]
    del entries[13]["resource"]["code"]  # required (1..1): R4 validation fails
    before = await count(client, issuer, f"Observation?patient={world.alice}")
    response = await client.post("/fhir", json=bundle("transaction", *entries), headers=practitioner(issuer))
    data = outcome(response, 422)
    assert data["issue"][0]["expression"] == ["Bundle.entry[13]"]
    assert all(i["expression"][0].startswith("Bundle.entry[13]") for i in data["issue"])
    assert await count(client, issuer, f"Observation?patient={world.alice}") == before
    assert await count(client, issuer, f"Observation?identifier={IDENT}|n-0") == 0


async def test_transaction_writes_all_and_answers_each_entry(
    client: httpx.AsyncClient, world: World, issuer: Issuer
) -> None:
    entries = [post(lab_result(world.alice, f"ok-{i}")) for i in range(20)]
    response = await client.post("/fhir", json=bundle("transaction", *entries), headers=practitioner(issuer))
    assert response.status_code == 200, response.text
    body = valid_response(response.content)
    assert body["type"] == "transaction-response"
    assert len(body["entry"]) == 20
    for i, entry in enumerate(body["entry"]):
        assert entry["response"]["status"] == "201 Created"
        assert entry["response"]["etag"] == 'W/"1"'
        assert entry["response"]["lastModified"]
        rid = entry["resource"]["id"]
        assert entry["response"]["location"] == f"Observation/{rid}/_history/1"
        assert entry["resource"]["identifier"][0]["value"] == f"ok-{i}"  # the request's order
    assert await count(client, issuer, f"Observation?identifier={IDENT}|ok-7") == 1


async def test_urn_uuid_references_resolve_to_the_assigned_ids(
    client: httpx.AsyncClient, world: World, issuer: Issuer
) -> None:
    obs_url = "urn:uuid:8d3f1c58-9a5e-4b7e-9f3c-2d7a1b6c0e11"
    report = res.diagnostic_report(world.alice)
    report["result"] = [{"reference": obs_url}]
    # the report comes first in the Bundle and refers to an entry after it
    sent = bundle("transaction", post(report), post(lab_result(world.alice, "r-1"), full_url=obs_url))
    response = await client.post("/fhir", json=sent, headers=practitioner(issuer))
    assert response.status_code == 200, response.text
    report_entry, obs_entry = response.json()["entry"]
    obs_id = obs_entry["resource"]["id"]
    assert report_entry["resource"]["result"] == [{"reference": f"Observation/{obs_id}"}]
    included = await client.get(
        f"/fhir/DiagnosticReport?_id={report_entry['resource']['id']}&_include=DiagnosticReport:result",
        headers=issuer.headers(scope="system/*.rs"),
    )
    assert [e["resource"]["id"] for e in included.json()["entry"]] == [report_entry["resource"]["id"], obs_id]


async def test_get_entries_run_after_the_writes(
    client: httpx.AsyncClient, world: World, issuer: Issuer
) -> None:
    # R4: DELETE, POST, PUT, GET — the GET listed first already sees the POST listed after it
    search = {"request": {"method": "GET", "url": f"Observation?identifier={IDENT}|order-1"}}
    sent = bundle("transaction", search, post(lab_result(world.alice, "order-1")))
    response = await client.post("/fhir", json=sent, headers=practitioner(issuer))
    assert response.status_code == 200, response.text
    found, created = response.json()["entry"]
    assert found["response"]["status"] == "200 OK"
    assert found["resource"]["total"] == 1
    assert found["resource"]["entry"][0]["resource"]["id"] == created["resource"]["id"]


async def test_an_entry_outside_the_scope_refuses_the_transaction(
    client: httpx.AsyncClient, world: World, issuer: Issuer
) -> None:
    headers = {
        **issuer.headers(scope="user/Observation.cruds", roles=["practitioner"], org="mo-1", acr=SIG),
        **HEADERS,
    }
    sent = bundle("transaction", post(lab_result(world.alice, "s-1")), post(res.condition(world.alice)))
    data = outcome(await client.post("/fhir", json=sent, headers=headers), 403)
    assert data["issue"][0]["expression"] == ["Bundle.entry[1]"]
    assert await count(client, issuer, f"Observation?identifier={IDENT}|s-1") == 0


async def test_an_entry_of_another_patients_compartment_refuses_the_transaction(
    client: httpx.AsyncClient, world: World, issuer: Issuer
) -> None:
    # a patient may write their own Appointments only (§5 row 21)
    headers = {**issuer.headers(scope="patient/Appointment.cruds", patient=world.alice), **HEADERS}
    sent = bundle("transaction", post(res.appointment(world.alice)), post(res.appointment(world.bob)))
    data = outcome(await client.post("/fhir", json=sent, headers=headers), 403)
    assert data["issue"][0]["expression"] == ["Bundle.entry[1]"]
    assert await count(client, issuer, f"Appointment?patient={world.alice}") == 1  # the world's one


async def test_delete_entries_are_405_and_a_batch_answers_each_entry_alone(
    client: httpx.AsyncClient, world: World, issuer: Issuer
) -> None:
    obs_id = world.ids[world.alice]["Observation"]
    bad = lab_result(world.alice, "b-2")
    del bad["code"]
    sent = bundle(
        "batch",
        post(lab_result(world.alice, "b-1")),
        {"request": {"method": "DELETE", "url": f"Observation/{obs_id}"}},
        post(bad),
        {"request": {"method": "GET", "url": f"Observation/{obs_id}"}},
        {"request": {"method": "GET", "url": "Observation/missing"}},
    )
    response = await client.post("/fhir", json=sent, headers=practitioner(issuer))
    assert response.status_code == 200, response.text
    body = valid_response(response.content)
    assert body["type"] == "batch-response"
    statuses = [e["response"]["status"].split()[0] for e in body["entry"]]
    assert statuses == ["201", "405", "422", "200", "404"]
    failed = body["entry"][2]["response"]["outcome"]
    assert failed["resourceType"] == "OperationOutcome"
    assert failed["issue"][0]["expression"] == ["Bundle.entry[2]"]
    assert await count(client, issuer, f"Observation?identifier={IDENT}|b-1") == 1
    assert await count(client, issuer, f"Observation?identifier={IDENT}|b-2") == 0


async def test_a_withdrawn_consent_refuses_the_entry(
    client: httpx.AsyncClient, fhir_app: FastAPI, world: World, issuer: Issuer
) -> None:
    withdraw_consent(fhir_app, world.bob)
    sent = bundle("batch", post(lab_result(world.alice, "c-1")), post(lab_result(world.bob, "c-2")))
    body = (await client.post("/fhir", json=sent, headers=practitioner(issuer))).json()
    assert [e["response"]["status"] for e in body["entry"]] == ["201 Created", "403 Forbidden"]
    refused = body["entry"][1]["response"]["outcome"]["issue"][0]
    assert refused["details"]["coding"][0]["code"] == "consent_revoked"
    one = bundle("transaction", post(lab_result(world.alice, "c-3")), post(lab_result(world.bob, "c-4")))
    data = outcome(await client.post("/fhir", json=one, headers=practitioner(issuer)), 403)
    assert data["issue"][0]["expression"] == ["Bundle.entry[1]"]
    assert await count(client, issuer, f"Observation?identifier={IDENT}|c-3") == 0


async def test_not_a_transaction_or_batch_is_400(
    client: httpx.AsyncClient, world: World, issuer: Issuer
) -> None:
    headers = practitioner(issuer)
    for body in (
        {"resourceType": "Bundle", "type": "collection", "entry": []},
        {"resourceType": "Observation"},
        {
            "resourceType": "Bundle",
            "type": "transaction",
            "entry": [{"resource": {"resourceType": "Patient"}}],
        },
        {"resourceType": "Bundle", "type": "transaction", "entry": "x"},
    ):
        outcome(await client.post("/fhir", json=body, headers=headers), 400)
    outcome(await client.post("/fhir", content=b"{", headers=headers), 400)
    obs = lab_result(world.alice, "fuzz")
    for broken in (
        {"resource": obs, "request": {"method": "POST", "url": "Observation", "ifNoneExist": 7}},
        {"fullUrl": 7, "resource": obs, "request": {"method": "POST", "url": "Observation"}},
        {"resource": obs, "request": "POST Observation"},
        {"resource": [obs], "request": {"method": "POST", "url": "Observation"}},
        {"request": {"method": "POST", "url": "Observation"}},
    ):
        outcome(await client.post("/fhir", json=bundle("transaction", broken), headers=headers), 400)
    foreign = bundle(
        "transaction", {"request": {"method": "GET", "url": "https://evil.example/fhir/Patient/1"}}
    )
    outcome(await client.post("/fhir", json=foreign, headers=headers), 400)


async def test_a_transaction_without_a_token_is_401(client: httpx.AsyncClient, world: World) -> None:
    response = await client.post("/fhir", json=bundle("transaction"), headers=HEADERS)
    outcome(response, 401)


async def test_refused_transaction_entries_are_audited_as_rolled_back(
    client: httpx.AsyncClient, world: World, issuer: Issuer
) -> None:
    entries = [post(lab_result(world.alice, f"a-{i}")) for i in range(3)]
    del entries[2]["resource"]["code"]
    outcome(
        await client.post("/fhir", json=bundle("transaction", *entries), headers=practitioner(issuer)), 422
    )
    events = await client.get(
        f"/fhir/AuditEvent?patient={world.alice}&_count=100",
        headers=issuer.headers(scope="user/AuditEvent.rs", roles=["auditor"]),
    )
    assert events.status_code == 200, events.text
    text = json.dumps(events.json())
    assert "rolled_back" in text
