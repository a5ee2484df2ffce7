"""R4 http.html §3.1.0.8.1 conditional create (If-None-Exist), single and in a transaction entry:
no match creates, one match answers it and writes nothing, several → 412; two identical retried
uploads at the same moment create one resource (run with TEST_DATABASE_URL for PostgreSQL)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
from fastapi import FastAPI

from tests.egisz_api.bundles.conftest import IDENT, bundle, lab_result, post
from tests.egisz_api.fhir import resources as res
from tests.egisz_api.fhir.conftest import FHIR_JSON, Issuer, World, outcome
from tests.live import serve_in_thread

SIG = "urn:idp:acr:sig"


def writer(issuer: Issuer) -> dict[str, str]:
    return {
        **issuer.headers(scope="user/*.cruds", roles=["lab"], org="mo-1", acr=SIG),
        "Content-Type": FHIR_JSON,
    }


async def test_no_match_creates_one_match_answers_it_and_writes_nothing(
    client: httpx.AsyncClient, world: World, issuer: Issuer
) -> None:
    headers = {**writer(issuer), "If-None-Exist": f"identifier={IDENT}|lab-1"}
    first = await client.post("/fhir/Observation", json=lab_result(world.alice, "lab-1"), headers=headers)
    assert first.status_code == 201, first.text
    again = await client.post("/fhir/Observation", json=lab_result(world.alice, "lab-1"), headers=headers)
    assert again.status_code == 200, again.text
    assert again.json()["id"] == first.json()["id"]
    assert again.headers["etag"] == 'W/"1"'
    assert "location" not in again.headers
    found = await client.get(
        f"/fhir/Observation?identifier={IDENT}|lab-1", headers=issuer.headers(scope="system/*.rs")
    )
    assert found.json()["total"] == 1


async def test_more_than_one_match_is_412(client: httpx.AsyncClient, world: World, issuer: Issuer) -> None:
    for _ in range(2):
        created = await client.post(
            "/fhir/Observation", json=lab_result(world.alice, "dup"), headers=writer(issuer)
        )
        assert created.status_code == 201
    headers = {**writer(issuer), "If-None-Exist": f"identifier={IDENT}|dup"}
    response = await client.post("/fhir/Observation", json=lab_result(world.alice, "dup"), headers=headers)
    data = outcome(response, 412)
    assert data["issue"][0]["code"] == "multiple-matches"


async def test_a_bad_condition_is_400(client: httpx.AsyncClient, world: World, issuer: Issuer) -> None:
    for condition in ("", "_count=1", "no-such-param=1", "date=notadate"):
        headers = {**writer(issuer), "If-None-Exist": condition}
        response = await client.post("/fhir/Observation", json=lab_result(world.alice, "x"), headers=headers)
        outcome(response, 400)


async def test_the_condition_sees_only_what_the_caller_may_search(
    client: httpx.AsyncClient, world: World, issuer: Issuer
) -> None:
    # a match in another patient's compartment is invisible to a patient token: it creates its own
    theirs = await client.post(
        "/fhir/Appointment",
        json={**_appointment(world.bob), "identifier": [{"system": IDENT, "value": "slot-1"}]},
        headers=writer(issuer) | issuer.headers(scope="user/*.cruds", roles=["registrar"]),
    )
    assert theirs.status_code == 201, theirs.text
    headers = {
        **issuer.headers(scope="patient/Appointment.cruds", patient=world.alice),
        "Content-Type": FHIR_JSON,
        "If-None-Exist": f"patient=Patient/{world.bob}",
    }
    mine = await client.post("/fhir/Appointment", json=_appointment(world.alice), headers=headers)
    assert mine.status_code == 201, mine.text


def _appointment(pid: str) -> dict[str, object]:
    return res.appointment(pid)


async def test_a_transaction_entry_with_if_none_exist_resolves_its_urn_to_the_match(
    client: httpx.AsyncClient, world: World, issuer: Issuer
) -> None:
    headers = writer(issuer)
    existing = await client.post("/fhir/Observation", json=lab_result(world.alice, "tx-1"), headers=headers)
    obs_url = "urn:uuid:0b8e5d2a-7c1e-4f7b-8b0e-5a4e2c9d1f00"
    report = res.diagnostic_report(world.alice)
    report["result"] = [{"reference": obs_url}]
    sent = bundle(
        "transaction",
        post(report),
        post(lab_result(world.alice, "tx-1"), full_url=obs_url, if_none_exist=f"identifier={IDENT}|tx-1"),
    )
    headers = {
        **issuer.headers(scope="user/*.cruds", roles=["practitioner"], org="mo-1", acr=SIG),
        "Content-Type": FHIR_JSON,
    }
    response = await client.post("/fhir", json=sent, headers=headers)
    assert response.status_code == 200, response.text
    report_entry, obs_entry = response.json()["entry"]
    assert obs_entry["response"]["status"] == "200 OK"
    assert obs_entry["resource"]["id"] == existing.json()["id"]
    assert report_entry["resource"]["result"] == [{"reference": f"Observation/{existing.json()['id']}"}]


def test_two_identical_uploads_at_once_create_one_resource(fhir_app: FastAPI, issuer: Issuer) -> None:
    """Two threads, each its own HTTP connection to a served app, released together; repeated so
    the two requests overlap in the database (the lock, not luck, keeps it to one)."""
    rounds = 6
    with serve_in_thread(fhir_app) as base:
        with httpx.Client(base_url=base, timeout=60) as http:
            registrar = {**issuer.headers(scope="system/*.cruds"), "Content-Type": FHIR_JSON}
            created = http.post(
                "/fhir/Patient", json=res.patient("112-233-445 95", "Иванов"), headers=registrar
            )
            assert created.status_code == 201, created.text
            alice = created.json()["id"]

        def upload(number: str, barrier: threading.Barrier) -> tuple[int, str]:
            headers = {**writer(issuer), "If-None-Exist": f"identifier={IDENT}|{number}"}
            with httpx.Client(base_url=base, timeout=60) as http:
                http.get("/fhir/metadata")  # the connection is open before the race starts
                barrier.wait()
                response = http.post("/fhir/Observation", json=lab_result(alice, number), headers=headers)
            return response.status_code, response.json()["id"]

        with ThreadPoolExecutor(max_workers=2) as pool:
            for i in range(rounds):
                barrier = threading.Barrier(2)
                results = list(pool.map(upload, [f"race-{i}"] * 2, [barrier] * 2))
                assert sorted(status for status, _ in results) == [200, 201], results
                assert results[0][1] == results[1][1]
        with httpx.Client(base_url=base, timeout=60) as http:
            for i in range(rounds):
                found = http.get(
                    f"/fhir/Observation?identifier={IDENT}|race-{i}",
                    headers=issuer.headers(scope="system/*.rs"),
                )
                assert found.json()["total"] == 1
