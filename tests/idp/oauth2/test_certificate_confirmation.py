"""The certificate of a signature login in the tokens (issue 14 "loose ends" item 1; docs/oidc.md
«cnf»): after a login by electronic signature the session remembers the signer certificate, and
the ID token and the access tokens *for EGISZ* carry RFC 8705 §3.1 ``cnf`` ``x5t#S256`` (the
base64url SHA-256 of its DER); refreshes keep it; a password login, or a password re-login after
a signature, carries none; an access token for another audience never does (RFC 8705 §3 would
have that resource server demand the certificate on TLS). End to end: the token from a real
signature login writes at the EGISZ FHIR server, whose Provenance names that certificate."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

from idp.accounts.service import account_by_sub
from idp.clients.service import ClientSpec
from idp.organizations import service as orgs
from tests.conftest import running
from tests.egisz_api.fhir import resources as res
from tests.idp.conftest import ISSUER, RP_REDIRECT, Provider, Rp, callback_params, decode
from tests.idp.esia_people.conftest import inn, ogrn, org_body
from tests.idp.oauth2.test_acr_signature import account_id, signature_step
from tests.idp.pki import signature_login as sl
from tests.live import serve_in_thread

SIG = "urn:idp:acr:sig"


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> sl.LoginPki:
    # the provider and the FHIR server run on the wall clock: the PKI is valid around the real now
    return sl.build_pki(tmp_path_factory.mktemp("cnf-pki"), dt.datetime.now(dt.UTC), with_gost=False)


def x5t(der: bytes) -> str:
    """RFC 8705 §3.1: base64url (no padding) of the SHA-256 of the certificate's DER."""
    return base64.urlsafe_b64encode(hashlib.sha256(der).digest()).rstrip(b"=").decode()


async def _signed_tokens(provider: Provider, pki: sl.LoginPki, rp: Rp | None = None, **params: str) -> Any:
    """A password session stepped up to a signature with the bound УНЭП, then the code exchanged."""
    start = await provider.http.get("/authorize", params=provider.auth_params(rp, acr_values=SIG, **params))
    back = await signature_step(provider, start, pki, "ues")
    response = await provider.exchange(callback_params(back)["code"], rp)
    assert response.status_code == 200, response.text
    return response.json()


async def _prepare(provider: Provider, pki: sl.LoginPki, scope: str = "openid profile email") -> None:
    sl.trust_pki(provider.app, pki)
    sl.bind(provider.app, account_id(provider), pki, "ues")
    await provider.login(provider.auth_params(scope=scope))  # a password session, consent given


async def test_a_signature_login_names_its_certificate_in_the_egisz_access_token_and_the_id_token(
    provider: Provider, pki: sl.LoginPki
) -> None:
    await _prepare(provider, pki)
    body = await _signed_tokens(provider, pki)
    jwks = await provider.jwks()
    access = decode(body["access_token"], jwks, audience="egisz")
    id_token = decode(body["id_token"], jwks)
    expected = {"x5t#S256": x5t(pki.certs["ues"].der)}
    assert access["acr"] == SIG and access["cnf"] == expected
    assert id_token["cnf"] == expected
    # not another certificate of the same person's: exactly the one that signed
    assert expected != {"x5t#S256": x5t(pki.certs["qes"].der)}


async def test_the_certificate_survives_refresh_rotation(provider: Provider, pki: sl.LoginPki) -> None:
    await _prepare(provider, pki, scope="openid offline_access")
    body = await _signed_tokens(provider, pki, scope="openid offline_access")
    refreshed = await provider.http.post(
        "/token",
        data={"grant_type": "refresh_token", "refresh_token": body["refresh_token"]},
        auth=provider.rp.basic(),
    )
    assert refreshed.status_code == 200, refreshed.text
    access = decode(refreshed.json()["access_token"], await provider.jwks(), audience="egisz")
    assert access["cnf"] == {"x5t#S256": x5t(pki.certs["ues"].der)}


async def test_a_password_login_names_no_certificate(provider: Provider) -> None:
    body = await provider.tokens()
    jwks = await provider.jwks()
    assert "cnf" not in decode(body["access_token"], jwks) and "cnf" not in decode(body["id_token"], jwks)


async def test_a_password_login_after_a_signature_forgets_the_certificate(
    provider: Provider, pki: sl.LoginPki
) -> None:
    """The same session re-authenticated by password (prompt=login) proves no signature any more:
    neither ``acr`` sig nor the certificate may outlive it."""
    await _prepare(provider, pki)
    await _signed_tokens(provider, pki)
    response = await provider.login(provider.auth_params(prompt="login"))
    body = (await provider.exchange(callback_params(response)["code"])).json()
    jwks = await provider.jwks()
    access, id_token = decode(body["access_token"], jwks), decode(body["id_token"], jwks)
    assert access["acr"] == "urn:idp:acr:pwd"
    assert "cnf" not in access and "cnf" not in id_token


async def test_an_access_token_for_another_audience_carries_no_certificate(
    provider: Provider, pki: sl.LoginPki
) -> None:
    """RFC 8705 §3: a resource server that knows ``cnf`` ``x5t#S256`` would demand that certificate
    on the TLS connection; only EGISZ reads it as the signature's certificate."""
    other = provider.register(
        ClientSpec(
            client_id="rp-reports",
            name="Reports",
            grant_types=["authorization_code"],
            scopes=["openid"],
            redirect_uris=[RP_REDIRECT],
            default_audience="https://reports.example.test",
            audiences=["https://reports.example.test"],
        )
    )
    await _prepare(provider, pki)
    await provider.login(provider.auth_params(other, scope="openid"))  # consent for this client
    body = await _signed_tokens(provider, pki, other, scope="openid")
    jwks = await provider.jwks()
    access = decode(body["access_token"], jwks, audience="https://reports.example.test")
    assert access["acr"] == SIG and "cnf" not in access
    assert decode(body["id_token"], jwks)["cnf"] == {"x5t#S256": x5t(pki.certs["ues"].der)}


# --- end to end: the signature login's token writes at the FHIR server ----------------------------


@pytest.fixture
async def idp_jwks_url(provider: Provider) -> AsyncIterator[str]:
    """The in-process idp's JWKS served over loopback HTTP, where egisz_api fetches it."""
    keys = await provider.jwks()

    async def jwks(_request: Any) -> JSONResponse:
        return JSONResponse(keys)

    with serve_in_thread(Starlette(routes=[Route("/jwks", jwks)])) as base:
        yield f"{base}/jwks"


def _employ_as_doctor(provider: Provider) -> tuple[int, str, int]:
    """(the organisation's oid, its OGRN, the person's oid)."""
    with provider.app.state.session_factory() as session:
        account = account_by_sub(session, provider.account_sub)
        assert account is not None
        org = orgs.create_organization(
            session, orgs.OrganizationSpec(**org_body(ogrn=ogrn("102770000001"), inn=inn("770000001")))
        )
        orgs.employ(session, account.id, org, position="Врач-терапевт", role="doctor")
        session.commit()
        return org.oid, org.ogrn, account.oid


async def test_a_signature_login_token_writes_and_the_provenance_names_its_certificate(
    provider: Provider, pki: sl.LoginPki, idp_jwks_url: str, make_db: Any
) -> None:
    from egisz_api.main import create_app
    from egisz_api.records import service as records
    from egisz_api.settings import EgiszSettings

    oid, org_ogrn, person_oid = _employ_as_doctor(provider)
    clinic = provider.register(
        ClientSpec(
            client_id="clinic-mis-web",
            name="Поликлиника: АРМ врача",
            grant_types=["authorization_code"],
            scopes=["openid", "user/*.cruds"],
            redirect_uris=[RP_REDIRECT],
            default_audience="egisz",
            audiences=["egisz"],
        )
    )
    await _prepare(provider, pki)
    await provider.login(provider.auth_params(clinic, scope="openid user/*.cruds"))
    body = await _signed_tokens(provider, pki, clinic, scope="openid user/*.cruds")
    fhir = create_app(
        EgiszSettings(
            database_url=make_db("egisz_api"),
            dev_mode=True,
            idp_issuer=ISSUER,
            idp_jwks_url=idp_jwks_url,
            signed_writes_required=True,
        )
    )
    with fhir.state.session_factory() as session:
        patient = res.patient("112-233-445 95", "Петрова", "Анна")
        # the idp's organisation as EGISZ names it: by OGRN (the token's ``org_ogrn``)
        patient["managingOrganization"] = {"identifier": {"value": org_ogrn}}
        pid = records.create(session, "Patient", patient, clock=lambda: dt.datetime.now(dt.UTC)).resource_id
        session.commit()
    observation = res.observation(pid)
    bearer = {"Authorization": f"Bearer {body['access_token']}", "Content-Type": "application/fhir+json"}
    async with running(fhir) as http:
        written = await http.post("/fhir/Observation", content=json.dumps(observation), headers=bearer)
        assert written.status_code == 201, written.text
        found = await http.get(f"/fhir/Provenance?target=Observation/{written.json()['id']}", headers=bearer)
    assert found.status_code == 200, found.text
    (entry,) = found.json()["entry"]
    (signature,) = entry["resource"]["signature"]
    extensions = {e["url"]: e for e in signature["extension"]}
    assert extensions["urn:egisz:fhir:signature-kind"]["valueCode"] == "sig"
    assert (
        extensions["urn:egisz:fhir:signature-certificate-sha256"]["valueString"]
        == hashlib.sha256(pki.certs["ues"].der).hexdigest()
    )
    assert entry["resource"]["agent"][0]["onBehalfOf"] == {"reference": f"Organization/{oid}"}
    # the author is the worker's Practitioner, as the idp names it (fhirUser, docs/smart.md)
    practitioner = {"reference": f"http://127.0.0.1:8001/fhir/Practitioner/{person_oid}"}
    assert entry["resource"]["agent"][0]["who"] == signature["who"] == practitioner
