"""The consent gate over HTTP (EGISZ.md §5 (A) step 4, §2.3): a withdrawal refuses the very next
non-patient request with a 403 OperationOutcome naming the reason, audited; the patient keeps their
own access; giving consent again restores everyone's. Attacked with the callers who might slip by."""

from __future__ import annotations

import json
from typing import Any

import httpx
from fastapi import FastAPI

from egisz_api.audit import service as audit_service
from tests.conftest import running
from tests.egisz_api.consent.support import give_consent, withdraw_consent
from tests.egisz_api.fhir import resources as res
from tests.egisz_api.fhir.conftest import FHIR_JSON, Issuer, World, create, fhir_settings, outcome, valid
from tests.live import serve_in_thread

INTEGRATOR: dict[str, Any] = {"scope": "system/*.rs", "roles": ["mis"], "sub": "mis-1", "client_id": "mis-1"}


def _refused(response: httpx.Response) -> dict[str, Any]:
    body = outcome(response, 403)
    issue = body["issue"][0]
    assert issue["code"] == "forbidden"
    assert issue["details"]["coding"][0]["code"] == "consent_revoked"
    assert issue["diagnostics"].startswith("Пациент отозвал согласие")
    assert 'error="insufficient_scope"' in response.headers["www-authenticate"]
    return body


async def test_withdrawal_refuses_the_very_next_integrator_request_and_giving_again_restores_it(
    client: httpx.AsyncClient, fhir_app: FastAPI, world: World, issuer: Issuer
) -> None:
    mis = issuer.headers(**INTEGRATOR)
    obs = f"/fhir/Observation/{world.ids[world.alice]['Observation']}"
    give_consent(fhir_app, world.alice)
    assert (await client.get(obs, headers=mis)).status_code == 200
    withdraw_consent(fhir_app, world.alice)
    _refused(await client.get(obs, headers=mis))  # the same token, at once: no caching window
    _refused(await client.get(f"/fhir/Patient/{world.alice}", headers=mis))
    _refused(await client.get(f"{obs}/_history/1", headers=mis))
    _refused(await client.get(f"/fhir/Observation?patient={world.alice}", headers=mis))
    _refused(await client.get(f"/fhir/Patient/{world.alice}/$everything", headers=mis))
    # a search across patients leaves the suspended one out
    bundle = valid((await client.get("/fhir/Observation", headers=mis)).content)
    assert {e["resource"]["subject"]["reference"] for e in bundle["entry"]} == {f"Patient/{world.bob}"}
    # the other patient is untouched
    assert (await client.get(f"/fhir/Patient/{world.bob}", headers=mis)).status_code == 200
    give_consent(fhir_app, world.alice)
    assert (await client.get(obs, headers=mis)).status_code == 200
    assert (await client.get(f"/fhir/Observation?patient={world.alice}", headers=mis)).status_code == 200


async def test_the_patient_still_reads_their_own_records_while_consent_is_withdrawn(
    client: httpx.AsyncClient, fhir_app: FastAPI, world: World, issuer: Issuer
) -> None:
    give_consent(fhir_app, world.alice)
    withdraw_consent(fhir_app, world.alice)
    own = issuer.headers(scope="patient/*.rs", patient=world.alice, sub="alice")
    for resource_type, rid in world.ids[world.alice].items():
        assert (await client.get(f"/fhir/{resource_type}/{rid}", headers=own)).status_code == 200, (
            resource_type
        )
    everything = await client.get(f"/fhir/Patient/{world.alice}/$everything", headers=own)
    assert everything.status_code == 200


async def test_every_kind_of_other_caller_is_refused(
    client: httpx.AsyncClient, fhir_app: FastAPI, world: World, issuer: Issuer
) -> None:
    give_consent(fhir_app, world.alice)
    withdraw_consent(fhir_app, world.alice)
    obs = f"/fhir/Observation/{world.ids[world.alice]['Observation']}"
    callers = {
        # bound to the patient's own organisation: another organisation's integrator does not even
        # find the patient (404, docs/fhir.md «Authorization» step 8: test_organization_restriction.py)
        "integrator of the patient's organisation": {**INTEGRATOR, "org": "mo-1"},
        "system token, no role": {"scope": "system/Observation.rs", "sub": "client-x", "client_id": "x"},
        "practitioner": {"scope": "user/*.rs", "roles": ["practitioner"], "sub": "doc"},
        "auditor": {"scope": "user/*.rs", "roles": ["auditor"], "sub": "dpo"},
        "a patient-context launch by a practitioner": {
            "scope": "user/*.rs",
            "roles": ["practitioner"],
            "patient": world.alice,
            "sub": "doc2",
        },
    }
    for name, claims in callers.items():
        response = await client.get(obs, headers=issuer.headers(**claims))
        assert response.status_code == 403, name
        _refused(response)
    # another patient's token never learns of the consent: the record is simply not theirs (404)
    bob = issuer.headers(scope="patient/*.rs", patient=world.bob, sub="bob")
    other = outcome(await client.get(obs, headers=bob), 404)
    assert "consent" not in json.dumps(other).lower()


async def test_staff_cannot_write_their_way_around_a_withdrawal(
    client: httpx.AsyncClient, fhir_app: FastAPI, world: World, issuer: Issuer
) -> None:
    withdrawn = withdraw_consent(fhir_app, give_consent(fhir_app, world.alice).consent_id and world.alice)
    registrar = {
        **issuer.headers(scope="user/Consent.cru", roles=["registrar"], sub="reg"),
        "Content-Type": FHIR_JSON,
    }
    # a fresh active Consent for the patient, and the withdrawn one set back to active: both refused
    _refused(await client.post("/fhir/Consent", json=res.consent(world.alice), headers=registrar))
    reactivated = {**res.consent(world.alice), "id": withdrawn.consent_id}
    _refused(await client.put(f"/fhir/Consent/{withdrawn.consent_id}", json=reactivated, headers=registrar))
    mis = issuer.headers(**INTEGRATOR)
    _refused(await client.get(f"/fhir/Patient/{world.alice}", headers=mis))


async def test_a_withdrawal_over_fhir_by_the_patient_suspends_access_too(
    client: httpx.AsyncClient, fhir_app: FastAPI, world: World, issuer: Issuer
) -> None:
    """EGISZ.md §5 row 29: ``PUT /fhir/Consent/{id}`` with ``status=inactive`` by the patient."""
    given = give_consent(fhir_app, world.alice)
    own = {
        **issuer.headers(scope="patient/Consent.rus", patient=world.alice, sub="alice"),
        "Content-Type": FHIR_JSON,
    }
    current = valid((await client.get(f"/fhir/Consent/{given.consent_id}", headers=own)).content)
    current["status"] = "inactive"
    assert (
        await client.put(f"/fhir/Consent/{given.consent_id}", json=current, headers=own)
    ).status_code == 200
    mis = issuer.headers(**INTEGRATOR)
    _refused(await client.get(f"/fhir/Patient/{world.alice}", headers=mis))


async def test_a_refusal_is_in_the_patients_access_log(
    client: httpx.AsyncClient, fhir_app: FastAPI, world: World, issuer: Issuer
) -> None:
    give_consent(fhir_app, world.alice)
    withdraw_consent(fhir_app, world.alice)
    obs = f"/fhir/Observation/{world.ids[world.alice]['Observation']}"
    _refused(await client.get(obs, headers=issuer.headers(**INTEGRATOR)))
    assert fhir_app.state.audit_sink.flush(30)
    with fhir_app.state.session_factory() as session:
        page = audit_service.search(session, patient=world.alice, agent="mis-1", count=100)
    (event,) = page.resources()
    assert event["outcome"] == "4" and event["outcomeDesc"] == "consent_revoked"
    assert event["subtype"][0]["code"] == "read"


async def test_a_patient_who_never_gave_consent_is_not_suspended(
    client: httpx.AsyncClient, world: World, issuer: Issuer
) -> None:
    """docs/consent.md: records from clinics flow before the patient first opens the cabinet."""
    response = await client.get(f"/fhir/Patient/{world.alice}", headers=issuer.headers(**INTEGRATOR))
    assert response.status_code == 200


def test_over_real_http_a_withdrawal_refuses_the_next_request(make_db: Any, issuer: Issuer) -> None:
    """The same journey against uvicorn on loopback (create_app's default gate, no test wiring)."""
    from egisz_api.main import create_app

    app = create_app(fhir_settings(make_db("egisz_api"), issuer))
    writer = issuer.headers(scope="system/*.cruds", roles=["mis"])
    mis = issuer.headers(**INTEGRATOR)
    with serve_in_thread(app) as base, httpx.Client(base_url=base) as http:
        created = http.post(
            "/fhir/Patient",
            json=res.patient("112-233-445 95", "Иванов"),
            headers={**writer, "Content-Type": FHIR_JSON},
        )
        pid = created.json()["id"]
        give_consent(app, pid)
        assert http.get(f"/fhir/Patient/{pid}", headers=mis).status_code == 200
        withdraw_consent(app, pid)
        _refused(http.get(f"/fhir/Patient/{pid}", headers=mis))
        give_consent(app, pid)
        assert http.get(f"/fhir/Patient/{pid}", headers=mis).status_code == 200


__all__ = ["create", "running"]
