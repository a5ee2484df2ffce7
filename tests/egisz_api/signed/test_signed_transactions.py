"""EGISZ.md §5 row 26: a transaction Bundle writing medical data meets the signature rule as its
single writes do — a person by a signature-level login, a system by a Provenance entry signed by a
practitioner over the medical entries' resources as sent (in entry order), verified before any
entry runs; each signed entry gets its server-written Provenance."""

from __future__ import annotations

import json
from typing import Any

import httpx

from tests.egisz_api.bundles.conftest import bundle, lab_result, post
from tests.egisz_api.fhir import resources as res
from tests.egisz_api.fhir.conftest import FHIR_JSON, Issuer, outcome, valid
from tests.egisz_api.signed.conftest import Pki, provenance
from tests.egisz_api.signed.test_signed_writes import (
    DOCTOR,
    PASSWORD,
    QUALIFIED,
    SYSTEM,
    _observations,
    _patient,
)

JSON = {"Content-Type": FHIR_JSON}


def _provenance_entry(
    pki: Pki, pfx: Any, *entries: dict[str, Any], targets: list[str] | None = None
) -> dict[str, Any]:
    """A Provenance entry naming ``entries`` (their fullUrls), its CMS over their resources."""
    signed = json.loads(provenance(pki.sign_many(pfx, [e["resource"] for e in entries])))
    signed["target"] = [{"reference": t} for t in (targets or [e["fullUrl"] for e in entries])]
    return post(signed)


async def test_a_password_login_cannot_write_medical_data_in_a_transaction(
    client: httpx.AsyncClient, issuer: Issuer
) -> None:
    pid = await _patient(client, issuer)
    person = {**issuer.headers(**DOCTOR, **PASSWORD), **JSON}
    sent = bundle("transaction", post(res.appointment(pid)), post(lab_result(pid, "t-1")))
    response = await client.post("/fhir", json=sent, headers=person)
    data = outcome(response, 401)
    assert data["issue"][0]["expression"] == ["Bundle.entry[1]"]
    assert 'error="insufficient_user_authentication"' in response.headers["www-authenticate"]
    assert await _observations(client, issuer, pid) == []
    appointments = await client.get(f"/fhir/Appointment?patient={pid}", headers=issuer.headers(**SYSTEM))
    assert valid(appointments.content).get("total", 0) == 0  # nothing of the Bundle written
    # a booking alone is a basic-level write
    booked = await client.post(
        "/fhir", json=bundle("transaction", post(res.appointment(pid))), headers=person
    )
    assert booked.status_code == 200, booked.text


async def test_a_system_transaction_needs_a_verified_provenance_covering_every_medical_entry(
    client: httpx.AsyncClient, issuer: Issuer, pki: Pki
) -> None:
    pid = await _patient(client, issuer)
    system = {**issuer.headers(**SYSTEM), **JSON}
    first, second = post(lab_result(pid, "p-1")), post(lab_result(pid, "p-2"))
    unsigned = await client.post("/fhir", json=bundle("transaction", first, second), headers=system)
    assert outcome(unsigned, 401)["issue"][0]["expression"] == ["Bundle.entry[0]"]
    partial = _provenance_entry(pki, pki.doctor, first)
    refused = await client.post("/fhir", json=bundle("transaction", first, second, partial), headers=system)
    assert outcome(refused, 401)["issue"][0]["expression"] == ["Bundle.entry[1]"]
    # signed over other content (only the first entry) while naming both: the signature fails
    forged = _provenance_entry(pki, pki.doctor, first, targets=[first["fullUrl"], second["fullUrl"]])
    outcome(
        await client.post("/fhir", json=bundle("transaction", first, second, forged), headers=system), 422
    )
    revoked = _provenance_entry(pki, pki.revoked, first, second)
    answer = outcome(
        await client.post("/fhir", json=bundle("transaction", first, second, revoked), headers=system), 422
    )
    assert answer["issue"][0]["details"]["coding"][0]["code"] == "certificate_revoked"
    assert await _observations(client, issuer, pid) == []  # nothing of the refused Bundles written

    signed = _provenance_entry(pki, pki.doctor, first, second)
    response = await client.post("/fhir", json=bundle("transaction", first, second, signed), headers=system)
    assert response.status_code == 200, response.text
    statuses = [e["response"]["status"] for e in response.json()["entry"]]
    assert statuses == ["201 Created", "201 Created", "202 Accepted"]
    for entry in response.json()["entry"][:2]:
        oid = entry["resource"]["id"]
        found = await client.get(
            f"/fhir/Provenance?target=Observation/{oid}", headers=issuer.headers(**SYSTEM)
        )
        (recorded,) = [e["resource"] for e in valid(found.content)["entry"]]
        assert recorded["signature"][0]["who"] == {"reference": "Practitioner/doc-1"}


async def test_in_a_batch_each_medical_entry_is_verified_against_its_own_provenance(
    client: httpx.AsyncClient, issuer: Issuer, pki: Pki
) -> None:
    pid = await _patient(client, issuer)
    system = {**issuer.headers(**SYSTEM), **JSON}
    first, second = post(lab_result(pid, "b-1")), post(lab_result(pid, "b-2"))
    sent = bundle(
        "batch",
        first,
        second,
        _provenance_entry(pki, pki.doctor, first),
        _provenance_entry(pki, pki.doctor, second),
    )
    response = await client.post("/fhir", json=sent, headers=system)
    assert response.status_code == 200, response.text
    statuses = [e["response"]["status"] for e in response.json()["entry"]]
    assert statuses[:2] == ["201 Created", "201 Created"], response.text
    assert len(await _observations(client, issuer, pid)) == 2


async def test_a_signed_transaction_records_one_provenance_naming_every_entry_it_wrote(
    client: httpx.AsyncClient, issuer: Issuer
) -> None:
    """fhir/bundle_work.py: a transaction is one signed act — one Provenance whose targets are all
    its medical entries (R4 Provenance.target 1..*), not one per entry; a refused transaction
    leaves none."""
    pid = await _patient(client, issuer)
    # no auth_time: the login's signature is dated by the clock at each entry, still one signature
    person = {**issuer.headers(**DOCTOR, **QUALIFIED), **JSON}
    entries = [post(lab_result(pid, f"p-{i}")) for i in range(5)]
    bad = post(lab_result(pid, "p-bad"))
    del bad["resource"]["code"]
    refused = await client.post("/fhir", json=bundle("transaction", *entries, bad), headers=person)
    outcome(refused, 422)
    provenances = await client.get(f"/fhir/Provenance?patient={pid}", headers=issuer.headers(**SYSTEM))
    assert valid(provenances.content).get("total", 0) == 0

    response = await client.post("/fhir", json=bundle("transaction", *entries), headers=person)
    assert response.status_code == 200, response.text
    written = {f"Observation/{e['resource']['id']}" for e in response.json()["entry"]}
    found = await client.get(f"/fhir/Provenance?patient={pid}", headers=issuer.headers(**SYSTEM))
    (recorded,) = [e["resource"] for e in valid(found.content)["entry"]]
    assert {t["reference"].split("/_history/")[0] for t in recorded["target"]} == written
    assert recorded["signature"][0]["who"] == {"reference": "Practitioner/doc-1"}
    assert recorded["activity"]["coding"][0]["code"] == "CREATE"

    # two patients in one Bundle: one Provenance each, in its own patient's compartment
    other = await _patient(client, issuer)
    mixed = [post(lab_result(pid, "m-1")), post(lab_result(other, "m-2")), post(lab_result(pid, "m-3"))]
    response = await client.post("/fhir", json=bundle("transaction", *mixed), headers=person)
    assert response.status_code == 200, response.text
    ids = [f"Observation/{e['resource']['id']}" for e in response.json()["entry"]]
    for patient, expected in ((pid, {ids[0], ids[2]}), (other, {ids[1]})):
        found = await client.get(
            f"/fhir/Provenance?patient={patient}&_sort=-_lastUpdated", headers=issuer.headers(**SYSTEM)
        )
        newest = valid(found.content)["entry"][0]["resource"]
        assert {t["reference"].split("/_history/")[0] for t in newest["target"]} == expected
