"""The organisation restriction of integrator systems (issue 14 "loose ends" item 3; EGISZ.md §5 (A),
(D); docs/fhir.md «Organisation restriction»): a ``system/`` token the idp binds to an organisation
(``roles: ["mis"]``, ``org``, ``org_ogrn``) reaches only the patients whose ``managingOrganization``
is that organisation — by reference or by its OGRN — in reads (404), vread and history (404),
searches and ``_include`` (left out, in SQL), ``$everything`` (404), and writes (403
``organization_mismatch``), also inside a transaction (nothing written)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.egisz_api.bundles.conftest import bundle, post
from tests.egisz_api.fhir import resources as res
from tests.egisz_api.fhir.conftest import FHIR_JSON, Issuer, create, outcome, valid

JSON = {"Content-Type": FHIR_JSON}
OGRN_SYSTEM = "urn:oid:1.2.643.100.1"
OGRN_A, OGRN_B = "1027700999017", "1027800999027"
LOADER = {"scope": "system/*.cruds", "roles": ["mis"]}  # a system bound to no organisation
SYSTEM_A = {**LOADER, "org": "mo-a", "org_ogrn": OGRN_A}
SYSTEM_B = {**LOADER, "org": "mo-b", "org_ogrn": OGRN_B}


@dataclass
class Clinics:
    #: a patient of A by reference, one of A by OGRN, one of B by OGRN
    a_by_reference: str
    a_by_ogrn: str
    b: str
    observations: dict[str, str]
    reports: dict[str, str]


def _patient(snils: str, family: str, managing: dict[str, Any]) -> dict[str, Any]:
    body = res.patient(snils, family)
    body["managingOrganization"] = managing
    return body


@pytest.fixture
async def clinics(client: httpx.AsyncClient, issuer: Issuer) -> Clinics:
    loader = issuer.headers(**LOADER)
    a_ref = await create(
        client, loader, _patient("112-233-445 95", "Иванов", {"reference": "Organization/mo-a"})
    )
    a_ogrn = await create(
        client,
        loader,
        _patient("123-456-789 64", "Петрова", {"identifier": {"system": OGRN_SYSTEM, "value": OGRN_A}}),
    )
    b = await create(
        client,
        loader,
        _patient("111-222-333 96", "Сидоров", {"identifier": {"system": OGRN_SYSTEM, "value": OGRN_B}}),
    )
    observations = {pid: await create(client, loader, res.observation(pid)) for pid in (a_ref, a_ogrn, b)}
    reports = {
        # A's report names B's Observation as a result: _include must not carry it to A's system
        a_ref: await create(client, loader, res.diagnostic_report(a_ref, observations[b])),
        b: await create(client, loader, res.diagnostic_report(b, observations[b])),
    }
    return Clinics(a_ref, a_ogrn, b, observations, reports)


def _ids(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [
        f"{e['resource']['resourceType']}/{e['resource']['id']}"
        for e in valid(response.content).get("entry", [])
    ]


async def test_read_reaches_only_the_organisations_patients(
    client: httpx.AsyncClient, issuer: Issuer, clinics: Clinics
) -> None:
    a = issuer.headers(**SYSTEM_A)
    for pid in (clinics.a_by_reference, clinics.a_by_ogrn):
        assert (await client.get(f"/fhir/Patient/{pid}", headers=a)).status_code == 200
        assert (
            await client.get(f"/fhir/Observation/{clinics.observations[pid]}", headers=a)
        ).status_code == 200
    # another organisation's patient and record do not exist for A (§5 (D)): 404, as an unknown id
    for path in (f"Patient/{clinics.b}", f"Observation/{clinics.observations[clinics.b]}"):
        body = outcome(await client.get(f"/fhir/{path}", headers=a), 404)
        assert body["issue"][0]["code"] == "not-found"
    unknown = outcome(await client.get("/fhir/Patient/no-such-patient", headers=a), 404)
    hidden = outcome(await client.get(f"/fhir/Patient/{clinics.b}", headers=a), 404)
    assert hidden["issue"][0]["code"] == unknown["issue"][0]["code"]
    # B's own system reads its patient; a system bound to no organisation reads everyone's
    assert (
        await client.get(f"/fhir/Patient/{clinics.b}", headers=issuer.headers(**SYSTEM_B))
    ).status_code == 200
    assert (
        await client.get(f"/fhir/Patient/{clinics.b}", headers=issuer.headers(**LOADER))
    ).status_code == 200


async def test_vread_history_and_everything_of_another_organisations_patient_are_404(
    client: httpx.AsyncClient, issuer: Issuer, clinics: Clinics
) -> None:
    a = issuer.headers(**SYSTEM_A)
    obs_b = clinics.observations[clinics.b]
    for path in (
        f"Observation/{obs_b}/_history/1",
        f"Observation/{obs_b}/_history",
        f"Patient/{clinics.b}/_history",
        f"Patient/{clinics.b}/$everything",
    ):
        outcome(await client.get(f"/fhir/{path}", headers=a), 404)
    own = clinics.observations[clinics.a_by_ogrn]
    assert (await client.get(f"/fhir/Observation/{own}/_history/1", headers=a)).status_code == 200
    assert (await client.get(f"/fhir/Patient/{clinics.a_by_ogrn}/$everything", headers=a)).status_code == 200


async def test_search_leaves_out_other_organisations_patients(
    client: httpx.AsyncClient, issuer: Issuer, clinics: Clinics
) -> None:
    a = issuer.headers(**SYSTEM_A)
    found = await client.get("/fhir/Observation", headers=a)
    assert sorted(_ids(found)) == sorted(
        f"Observation/{clinics.observations[p]}" for p in (clinics.a_by_reference, clinics.a_by_ogrn)
    )
    assert valid(found.content)["total"] == 2  # the count is the restricted one too
    assert sorted(_ids(await client.get("/fhir/Patient", headers=a))) == sorted(
        f"Patient/{p}" for p in (clinics.a_by_reference, clinics.a_by_ogrn)
    )
    # naming B's patient finds nothing: not by id, not by SNILS
    assert _ids(await client.get(f"/fhir/Observation?patient={clinics.b}", headers=a)) == []
    snils = "urn:oid:1.2.643.2.69.1.1.1.6.223|11122233396"
    assert _ids(await client.get(f"/fhir/Patient?identifier={snils}", headers=a)) == []
    assert _ids(
        await client.get(f"/fhir/Patient?identifier={snils}", headers=issuer.headers(**SYSTEM_B))
    ) == [f"Patient/{clinics.b}"]


async def test_include_does_not_carry_another_organisations_records(
    client: httpx.AsyncClient, issuer: Issuer, clinics: Clinics
) -> None:
    a = issuer.headers(**SYSTEM_A)
    found = _ids(await client.get("/fhir/DiagnosticReport?_include=DiagnosticReport:result", headers=a))
    assert found == [
        f"DiagnosticReport/{clinics.reports[clinics.a_by_reference]}"
    ]  # B's Observation left out
    everyone = issuer.headers(**LOADER)
    unbound = _ids(
        await client.get("/fhir/DiagnosticReport?_include=DiagnosticReport:result", headers=everyone)
    )
    assert f"Observation/{clinics.observations[clinics.b]}" in unbound  # the rule, not the data, hid it


async def test_writes_for_another_organisations_patient_are_403(
    client: httpx.AsyncClient, issuer: Issuer, clinics: Clinics
) -> None:
    a = {**issuer.headers(**SYSTEM_A), **JSON}
    response = await client.post("/fhir/Observation", json=res.observation(clinics.b), headers=a)
    body = outcome(response, 403)
    assert body["issue"][0]["details"]["coding"][0]["code"] == "organization_mismatch"
    # nor may it create a patient of B, or hand its own patient over to B
    foreign = _patient("222-333-444 57", "Чужой", {"identifier": {"system": OGRN_SYSTEM, "value": OGRN_B}})
    outcome(await client.post("/fhir/Patient", json=foreign, headers=a), 403)
    own = await client.get(f"/fhir/Patient/{clinics.a_by_ogrn}", headers=a)
    handed = {**own.json(), "managingOrganization": {"reference": "Organization/mo-b"}}
    outcome(await client.put(f"/fhir/Patient/{clinics.a_by_ogrn}", json=handed, headers=a), 403)
    # its own patients: created and written as before
    mine = _patient("222-333-444 57", "Новый", {"reference": "Organization/mo-a"})
    assert (await client.post("/fhir/Patient", json=mine, headers=a)).status_code == 201
    written = await client.post("/fhir/Observation", json=res.observation(clinics.a_by_ogrn), headers=a)
    assert written.status_code == 201, written.text
    # an update of B's record is a record A cannot see: 404, nothing changed
    obs_b = clinics.observations[clinics.b]
    outcome(
        await client.put(
            f"/fhir/Observation/{obs_b}", json={**res.observation(clinics.b), "id": obs_b}, headers=a
        ),
        404,
    )


async def test_a_transaction_with_one_entry_of_another_organisation_writes_nothing(
    client: httpx.AsyncClient, issuer: Issuer, clinics: Clinics
) -> None:
    a = {**issuer.headers(**SYSTEM_A), **JSON}
    sent = bundle(
        "transaction",
        post(res.observation(clinics.a_by_reference, code="2345-7")),
        post(res.observation(clinics.b, code="2345-7")),
    )
    data = outcome(await client.post("/fhir", json=sent, headers=a), 403)
    assert data["issue"][0]["expression"] == ["Bundle.entry[1]"]
    assert data["issue"][0]["details"]["coding"][0]["code"] == "organization_mismatch"
    everyone = issuer.headers(**LOADER)
    assert _ids(await client.get("/fhir/Observation?code=2345-7", headers=everyone)) == []
    # a read entry of B's record inside a transaction is not found like a plain read
    reads = bundle("batch", {"request": {"method": "GET", "url": f"Patient/{clinics.b}"}})
    answered = await client.post("/fhir", json=reads, headers=a)
    assert answered.status_code == 200, answered.text
    assert answered.json()["entry"][0]["response"]["status"].startswith("404")


#: a medical worker of organisation A, as the idp's token names them (roles, org, org_ogrn)
WORKER_A = {"scope": "user/*.rs", "roles": ["practitioner"], "org": "mo-a", "org_ogrn": OGRN_A}


async def test_a_medical_worker_reaches_only_their_organisations_patients(
    client: httpx.AsyncClient, issuer: Issuer, clinics: Clinics
) -> None:
    """Issue 14 item 1 on the API: «a worker sees only patients of their own organisation» — the
    same rule as a bound system, for the practitioner/nurse/registrar/lab roles; an admin or an
    auditor is not bound to one organisation."""
    a = issuer.headers(**WORKER_A)
    assert (await client.get(f"/fhir/Patient/{clinics.a_by_ogrn}", headers=a)).status_code == 200
    outcome(await client.get(f"/fhir/Patient/{clinics.b}", headers=a), 404)
    outcome(await client.get(f"/fhir/Observation/{clinics.observations[clinics.b]}", headers=a), 404)
    found = await client.get("/fhir/Observation", headers=a)
    assert sorted(_ids(found)) == sorted(
        f"Observation/{clinics.observations[p]}" for p in (clinics.a_by_reference, clinics.a_by_ogrn)
    )
    for role in ("nurse", "registrar", "lab"):
        other = issuer.headers(**{**WORKER_A, "roles": [role]})
        outcome(await client.get(f"/fhir/Patient/{clinics.b}", headers=other), 404)
    admin = issuer.headers(scope="user/*.rs", roles=["practitioner", "admin"], org="mo-a")
    assert (await client.get(f"/fhir/Patient/{clinics.b}", headers=admin)).status_code == 200
