"""``fhirUser`` of a medical worker (issue 14 "loose ends" item 2; docs/smart.md «fhirUser»): a person
with an active employment who asks for no patient context acts as a worker, and their tokens name
their Practitioner, ``<FHIR base>/Practitioner/<oid>`` — the ID token with the SMART scope
``fhirUser``, the access token for EGISZ always — without looking up a Patient; the same person
asking for a patient launch is the patient; a dismissed worker, a person never employed and another
audience's access token get no Practitioner."""

from __future__ import annotations

from typing import Any

from idp.accounts.service import account_by_sub
from idp.clients.service import ClientSpec
from idp.organizations import service as orgs
from tests.idp.conftest import CITIZEN_PATIENT, RP_REDIRECT, Provider, Rp, callback_params, decode
from tests.idp.esia_people.conftest import inn, ogrn, org_body

FHIR_BASE = "http://127.0.0.1:8001/fhir"  # IdpSettings.smart_fhir_base_url's default


def _client(provider: Provider, audience: str = "egisz") -> Rp:
    return provider.register(
        ClientSpec(
            client_id=f"arm-{audience.split('/')[-1] or 'x'}",
            name="АРМ врача",
            grant_types=["authorization_code"],
            scopes=["openid", "fhirUser", "launch/patient", "user/*.rs", "patient/*.rs"],
            redirect_uris=[RP_REDIRECT],
            default_audience=audience,
            audiences=[audience],
        )
    )


def _employ(provider: Provider, role: str = "doctor") -> tuple[int, int]:
    """(the person's oid, the organisation's oid)."""
    with provider.app.state.session_factory() as session:
        account = account_by_sub(session, provider.account_sub)
        assert account is not None
        org = orgs.create_organization(
            session, orgs.OrganizationSpec(**org_body(ogrn=ogrn("102770000001"), inn=inn("770000001")))
        )
        orgs.employ(session, account.id, org, position="Врач-терапевт", role=role)
        session.commit()
        return account.oid, org.oid


async def _tokens(provider: Provider, rp: Rp, scope: str, audience: str = "egisz") -> tuple[Any, Any, Any]:
    response = await provider.login(provider.auth_params(rp, scope=scope))
    query = callback_params(response)
    assert "code" in query, query
    exchanged = await provider.exchange(query["code"], rp)
    assert exchanged.status_code == 200, exchanged.text
    body = exchanged.json()
    jwks = await provider.jwks()
    return body, decode(body["access_token"], jwks, audience=audience), decode(body["id_token"], jwks)


async def test_a_doctors_tokens_name_their_practitioner(provider: Provider) -> None:
    person_oid, org_oid = _employ(provider)
    body, access, id_token = await _tokens(provider, _client(provider), "openid fhirUser user/*.rs")
    practitioner = f"{FHIR_BASE}/Practitioner/{person_oid}"
    assert id_token["fhirUser"] == practitioner
    assert access["fhirUser"] == practitioner
    assert access["roles"] == ["patient", "practitioner"] and access["org"] == str(org_oid)
    # acting as a worker, the person is nobody's patient here: no Patient was looked up or named
    assert provider.extras["patients"].asked == []
    assert "patient" not in access and "patient" not in body


async def test_a_worker_without_the_fhir_user_scope_gets_it_in_the_egisz_access_token_only(
    provider: Provider,
) -> None:
    person_oid, _ = _employ(provider, role="nurse")
    _, access, id_token = await _tokens(provider, _client(provider), "openid user/*.rs")
    assert access["fhirUser"] == f"{FHIR_BASE}/Practitioner/{person_oid}"
    assert "fhirUser" not in id_token  # SMART: the ID token's fhirUser is for the scope only


async def test_a_worker_asking_for_a_patient_launch_is_the_patient(provider: Provider) -> None:
    _employ(provider)
    body, access, id_token = await _tokens(
        provider, _client(provider), "openid fhirUser launch/patient patient/*.rs"
    )
    assert id_token["fhirUser"] == f"{FHIR_BASE}/Patient/{CITIZEN_PATIENT}"
    assert body["patient"] == CITIZEN_PATIENT
    assert "fhirUser" not in access


async def test_a_person_never_employed_is_their_patient_record(provider: Provider) -> None:
    _, access, id_token = await _tokens(provider, _client(provider), "openid fhirUser user/*.rs")
    assert id_token["fhirUser"] == f"{FHIR_BASE}/Patient/{CITIZEN_PATIENT}"
    assert "fhirUser" not in access


async def test_a_dismissed_worker_is_no_practitioner(provider: Provider) -> None:
    _employ(provider)
    with provider.app.state.session_factory() as session:
        account = account_by_sub(session, provider.account_sub)
        assert account is not None
        (organization,) = orgs.list_organizations(session)
        orgs.dismiss(session, account.id, organization)
        session.commit()
    _, access, id_token = await _tokens(provider, _client(provider), "openid fhirUser user/*.rs")
    assert id_token["fhirUser"] == f"{FHIR_BASE}/Patient/{CITIZEN_PATIENT}"
    assert "fhirUser" not in access and access["roles"] == ["patient"]


async def test_another_audiences_access_token_names_no_practitioner(provider: Provider) -> None:
    person_oid, _ = _employ(provider)
    audience = "https://reports.example.test"
    _, access, id_token = await _tokens(provider, _client(provider, audience), "openid fhirUser", audience)
    assert "fhirUser" not in access
    assert id_token["fhirUser"] == f"{FHIR_BASE}/Practitioner/{person_oid}"  # the ID token is the client's
