"""Correction and deletion requests as FHIR Task (R-EGZ-5; docs/rights.md): a patient creates
them only in their own compartment, only as ``requested``, never changes them afterwards, and
follows them by search. Attacks: another patient's ``for``, another patient's ``focus`` (IDOR),
a forged status, an update of one's own request."""

from __future__ import annotations

import httpx
import pytest

from tests.egisz_api.fhir import resources as res
from tests.egisz_api.fhir.conftest import FHIR_JSON, Issuer, World, create, diagnostics, outcome, valid

JSON_HEADERS = {"Content-Type": FHIR_JSON}


def _patient(issuer: Issuer, patient_id: str, scope: str = "patient/Task.crs patient/*.rs") -> dict[str, str]:
    return {**issuer.headers(scope=scope, patient=patient_id, roles=["patient"]), **JSON_HEADERS}


async def test_a_patient_files_a_correction_request_and_follows_it(
    client: httpx.AsyncClient, world: World, issuer: Issuer
) -> None:
    alice = _patient(issuer, world.alice)
    focus = f"Observation/{world.ids[world.alice]['Observation']}"
    created = await client.post("/fhir/Task", json=res.task(world.alice, focus=focus), headers=alice)
    assert created.status_code == 201, created.text
    task = valid(created.content)
    assert task["status"] == "requested" and task["focus"]["reference"] == focus
    found = valid(
        (
            await client.get(
                "/fhir/Task?patient=" + world.alice + "&status=requested&code=urn:egisz:task|correction",
                headers=alice,
            )
        ).content
    )
    assert task["id"] in {e["resource"]["id"] for e in found["entry"]}
    by_date = valid(
        (await client.get("/fhir/Task?authored-on=ge2026-12-01&_sort=-date", headers=alice)).content
    )
    assert task["id"] in {e["resource"]["id"] for e in by_date["entry"]}


async def test_a_deletion_request_may_name_no_single_record(
    client: httpx.AsyncClient, world: World, issuer: Issuer
) -> None:
    body = res.task(world.alice, kind="deletion", text="Удалите данные о тесте 2021 года")
    response = await client.post("/fhir/Task", json=body, headers=_patient(issuer, world.alice))
    assert response.status_code == 201, response.text


async def test_a_patient_cannot_file_a_request_for_another_patient(
    client: httpx.AsyncClient, world: World, issuer: Issuer
) -> None:
    response = await client.post(
        "/fhir/Task", json=res.task(world.bob), headers=_patient(issuer, world.alice)
    )
    outcome(response, 403)


@pytest.mark.parametrize("type_", ["Observation", "Encounter", "Patient", "Immunization"])
async def test_idor_a_focus_on_another_patients_record_is_refused_like_a_missing_one(
    client: httpx.AsyncClient, world: World, issuer: Issuer, type_: str
) -> None:
    alice = _patient(issuer, world.alice)
    bobs = f"{type_}/{world.ids[world.bob][type_]}"
    foreign = outcome(
        await client.post("/fhir/Task", json=res.task(world.alice, focus=bobs), headers=alice), 422
    )
    missing = outcome(
        await client.post(
            "/fhir/Task", json=res.task(world.alice, focus=f"{type_}/no-such-id"), headers=alice
        ),
        422,
    )
    # the same answer for both: the refusal reveals nothing about Bob's record
    assert diagnostics(foreign).replace(bobs, "X") == diagnostics(missing).replace(f"{type_}/no-such-id", "X")
    tasks = valid((await client.get(f"/fhir/Task?patient={world.alice}", headers=alice)).content)
    assert all("focus" not in e["resource"] for e in tasks["entry"])


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"status": "completed"}, "status"),
        ({"status": "accepted"}, "status"),
        ({"code": {"coding": [{"system": "urn:egisz:task", "code": "approve"}]}}, "code"),
        ({"code": {"coding": [{"system": "http://example.org", "code": "correction"}]}}, "code"),
        ({"intent": "plan"}, "intent"),
        ({"input": []}, "input"),
        ({"input": [{"type": {"text": "t"}, "valueString": "x" * 2001}]}, "input"),
        ({"owner": {"reference": "Practitioner/doc-1"}}, "owner"),
    ],
)
async def test_a_patient_cannot_forge_a_request(
    client: httpx.AsyncClient, world: World, issuer: Issuer, change: dict[str, object], field: str
) -> None:
    body = {**res.task(world.alice, kind="deletion"), **change}
    if field == "input" and not change["input"]:
        body.pop("input")
    response = await client.post("/fhir/Task", json=body, headers=_patient(issuer, world.alice))
    assert response.status_code == 422, (field, response.text)
    outcome(response, 422)


async def test_a_correction_names_the_record_to_correct(
    client: httpx.AsyncClient, world: World, issuer: Issuer
) -> None:
    response = await client.post(
        "/fhir/Task", json=res.task(world.alice), headers=_patient(issuer, world.alice)
    )
    assert "names the record" in diagnostics(outcome(response, 422))


async def test_a_patient_cannot_change_their_request_after_filing_it(
    client: httpx.AsyncClient, world: World, issuer: Issuer
) -> None:
    alice = _patient(issuer, world.alice, scope="patient/Task.cruds")
    rid = await create(client, alice, res.task(world.alice, kind="deletion"))
    body = {**res.task(world.alice, kind="deletion"), "id": rid, "status": "completed"}
    outcome(await client.put(f"/fhir/Task/{rid}", json=body, headers=alice), 403)


async def test_a_registrar_sees_requests_of_every_patient(
    client: httpx.AsyncClient, world: World, issuer: Issuer
) -> None:
    registrar = issuer.headers(scope="user/Task.rs", roles=["registrar"])
    found = valid((await client.get("/fhir/Task?status=requested", headers=registrar)).content)
    patients = {e["resource"]["for"]["reference"] for e in found["entry"]}
    assert {f"Patient/{world.alice}", f"Patient/{world.bob}"} <= patients


async def test_the_capability_statement_lists_task_and_its_parameters(client: httpx.AsyncClient) -> None:
    statement = (await client.get("/fhir/metadata")).json()
    task = next(r for r in statement["rest"][0]["resource"] if r["type"] == "Task")
    names = {p["name"] for p in task["searchParam"]}
    assert {"patient", "subject", "status", "code", "authored-on", "focus", "_lastUpdated"} <= names
