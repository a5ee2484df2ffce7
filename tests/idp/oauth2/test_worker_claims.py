"""EGISZ.md §5 "Claims the IdP must put into access tokens" (docs/organizations.md «Claims»): a
person's tokens carry ``roles`` (``patient`` for everyone, plus the EGISZ role of each active
employment: ``doctor`` → ``practitioner``) and ``org``, the organisation oid — the only one of a
worker employed in one, or the one asked for with ``org_oid`` at the token request, which must be
an organisation the person works for now."""

from __future__ import annotations

from typing import Any

import pydantic
import pytest

from idp.accounts.service import account_by_sub
from idp.clients.schemas import ClientIn
from idp.clients.service import ClientSpec
from idp.organizations import service as orgs
from tests.idp.conftest import Provider, decode
from tests.idp.esia_people.conftest import inn, ogrn, org_body


def _organisations(provider: Provider, *roles: str) -> list[int]:
    """Organisations employing the provider's person, one per role given."""
    oids = []
    with provider.app.state.session_factory() as session:
        account = account_by_sub(session, provider.account_sub)
        assert account is not None
        for n, role in enumerate(roles, start=1):
            org = orgs.create_organization(
                session,
                orgs.OrganizationSpec(**org_body(ogrn=ogrn(f"10277000000{n}"), inn=inn(f"77000000{n}"))),
            )
            orgs.employ(session, account.id, org, position="Врач", role=role)
            oids.append(org.oid)
        session.commit()
    return oids


async def _claims(provider: Provider, **token_request: str) -> tuple[int, dict[str, Any], dict[str, Any]]:
    code, _ = await provider.code_for(scope="openid")
    response = await provider.exchange(code, **token_request)
    if response.status_code != 200:
        return response.status_code, response.json(), {}
    jwks = (await provider.http.get("/.well-known/jwks.json")).json()
    body = response.json()
    return 200, decode(body["access_token"], jwks), decode(body["id_token"], jwks)


async def test_a_person_without_employment_is_a_patient_and_has_no_org(provider: Provider) -> None:
    status, access, id_token = await _claims(provider)
    assert status == 200
    assert access["roles"] == ["patient"] and "org" not in access
    assert id_token["roles"] == ["patient"]


async def test_a_doctor_of_one_organisation_is_a_practitioner_of_it(provider: Provider) -> None:
    (oid,) = _organisations(provider, "doctor")
    _, access, id_token = await _claims(provider)
    assert access["roles"] == ["patient", "practitioner"]
    assert access["org"] == id_token["org"] == str(oid)
    assert access["org_ogrn"] == ogrn("102770000001")  # the OGRN it was registered with


async def test_a_worker_of_two_organisations_names_one_with_org_oid(provider: Provider) -> None:
    _moscow, spb = _organisations(provider, "doctor", "nurse")
    _, undecided, _ = await _claims(provider)
    assert "org" not in undecided and undecided["roles"] == ["patient", "nurse", "practitioner"]
    _, access, _ = await _claims(provider, org_oid=str(spb))
    assert access["org"] == str(spb) and access["roles"] == ["patient", "nurse"]


async def test_an_organisation_the_person_does_not_work_for_is_refused(provider: Provider) -> None:
    _organisations(provider, "doctor")
    status, body, _ = await _claims(provider, org_oid="999999999")
    assert status == 400 and body["error"] == "invalid_request"


async def test_a_dismissed_worker_is_a_patient_again(provider: Provider) -> None:
    (oid,) = _organisations(provider, "doctor")
    with provider.app.state.session_factory() as session:
        account = account_by_sub(session, provider.account_sub)
        assert account is not None
        orgs.dismiss(session, account.id, orgs.get_organization(session, oid))
        session.commit()
    _, access, _ = await _claims(provider)
    assert access["roles"] == ["patient"] and "org" not in access


async def test_an_integrator_bound_to_an_organisation_is_mis_of_it(provider: Provider) -> None:
    """EGISZ.md §5: "for system/ clients, client_id maps to an mis registration holding its МО OID"."""
    (oid,) = _organisations(provider, "doctor")
    bound = provider.register(
        ClientSpec(client_id="demo-mis", name="МИС", scopes=["system/*.rs"], organization_oid=oid)
    )
    unbound = provider.register(ClientSpec(client_id="plain-system", name="System", scopes=["system/*.rs"]))
    jwks = (await provider.http.get("/.well-known/jwks.json")).json()
    # org_ogrn: the FHIR API keeps the system to the patients EGISZ attaches by OGRN (docs/fhir.md)
    bound_claims = {"org": str(oid), "org_ogrn": ogrn("102770000001"), "roles": ["mis"]}
    for _ in range(2):  # the second token comes from the cached client, with the same claims
        for rp, expected in ((bound, bound_claims), (unbound, {})):
            response = await provider.http.post(
                "/token", data={"grant_type": "client_credentials"}, auth=rp.basic()
            )
            assert response.status_code == 200, response.text
            claims = decode(response.json()["access_token"], jwks)
            assert {k: claims[k] for k in ("org", "org_ogrn", "roles") if k in claims} == expected


async def test_the_admin_api_binds_only_a_client_credentials_client_to_an_organisation(
    provider: Provider,
) -> None:
    body = {"client_id": "mis-2", "name": "МИС", "grant_types": ["client_credentials"], "organization_oid": 7}
    assert ClientIn(**body).organization_oid == 7
    with pytest.raises(pydantic.ValidationError):
        ClientIn(**{**body, "grant_types": ["authorization_code"], "redirect_uris": ["https://rp.test/cb"]})


async def test_a_health_authority_employee_gets_the_authority_role_and_its_region(provider: Provider) -> None:
    """Issue 14 item 4 (EGISZ.md §5 row 31): an employment as ``authority_reg`` in a region's health
    department → ``authority_regional`` and ``region`` (the organisation's); ``authority_fed`` →
    ``authority_federal`` with no region. Neither is a medical worker: no Practitioner."""
    with provider.app.state.session_factory() as session:
        account = account_by_sub(session, provider.account_sub)
        assert account is not None
        department = orgs.create_organization(
            session,
            orgs.OrganizationSpec(
                **{**org_body(ogrn=ogrn("102770000009"), inn=inn("770000009")), "region_code": "50"}
            ),
        )
        orgs.employ(session, account.id, department, position="Главный специалист", role="authority_reg")
        session.commit()
    _, access, id_token = await _claims(provider)
    assert access["roles"] == id_token["roles"] == ["patient", "authority_regional"]
    assert access["region"] == "50" and access["org"] == str(department.oid)
    assert "fhirUser" not in access
    with provider.app.state.session_factory() as session:
        account = account_by_sub(session, provider.account_sub)
        assert account is not None
        orgs.dismiss(session, account.id, orgs.get_organization(session, department.oid))
        ministry = orgs.create_organization(
            session, orgs.OrganizationSpec(**org_body(ogrn=ogrn("102770000010"), inn=inn("770000010")))
        )
        orgs.employ(session, account.id, ministry, position="Консультант", role="authority_fed")
        session.commit()
    _, access, _ = await _claims(provider)
    assert access["roles"] == ["patient", "authority_federal"] and "region" not in access
