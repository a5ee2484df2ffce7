"""SMART App Launch v2 standalone launch against the idp (EGISZ.md §2.2; issue 13 item 4): a public
app with PKCE asks for ``launch/patient``, ``openid fhirUser`` and patient scopes for the EGISZ FHIR
server; the idp names the person's own Patient (found by SNILS, tests/idp/conftest.py
``SnilsPatients``) in the token response, the access token and the ID token, and never lets the
app choose it. The same launch over real HTTP with a third-party SMART client and the real FHIR
server: tests/integration/test_smart_standalone_launch.py."""

from __future__ import annotations

from typing import Any

import pytest

from idp.accounts.service import NewAccount, create_account
from idp.clients.service import ClientSpec
from tests.idp.conftest import CITIZEN_PATIENT, PASSWORD, Provider, Rp, callback_params, decode, pkce

FHIR_BASE = "http://127.0.0.1:8001/fhir"  # IdpSettings.smart_fhir_base_url's default
REDIRECT = "http://localhost:8765/callback"
SCOPE = "openid fhirUser launch/patient offline_access patient/*.rs"


def _smart_app(provider: Provider, scopes: list[str] | None = None) -> Rp:
    return provider.register(
        ClientSpec(
            client_id="smart-app",
            name="SMART app",
            client_type="public",
            token_endpoint_auth_method="none",
            grant_types=["authorization_code", "refresh_token"],
            scopes=scopes or ["openid", "fhirUser", "launch/patient", "offline_access", "patient/*.rs"],
            redirect_uris=[REDIRECT],
            default_audience="egisz",
            audiences=["egisz"],
        )
    )


async def _launch(provider: Provider, rp: Rp, **extra: str) -> tuple[dict[str, str], str]:
    verifier, challenge = pkce()
    params = provider.auth_params(
        rp, scope=SCOPE, aud=FHIR_BASE, code_challenge=challenge, code_challenge_method="S256", **extra
    )
    response = await provider.login(params)
    return callback_params(response), verifier


async def _tokens(provider: Provider, rp: Rp, **extra: str) -> dict[str, Any]:
    query, verifier = await _launch(provider, rp, **extra)
    assert "code" in query, query
    response = await provider.exchange(query["code"], rp, code_verifier=verifier)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_a_standalone_launch_carries_the_persons_patient_everywhere(provider: Provider) -> None:
    """SMART App Launch v2 "launch/patient" and "fhirUser"; RFC 9068 access token."""
    rp = _smart_app(provider)
    body = await _tokens(provider, rp)
    jwks = await provider.jwks()
    assert body["patient"] == CITIZEN_PATIENT
    assert set(body["scope"].split()) == set(SCOPE.split())
    access = decode(body["access_token"], jwks, audience="egisz")
    assert access["patient"] == CITIZEN_PATIENT and access["aud"] == "egisz"
    id_token = decode(body["id_token"], jwks, audience="smart-app")
    assert id_token["fhirUser"] == f"{FHIR_BASE}/Patient/{CITIZEN_PATIENT}"
    assert provider.extras["patients"].asked == ["11223344595"]
    # the refresh token keeps the launch context (SMART: a refresh response may carry it again)
    refreshed = await provider.http.post(
        "/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": body["refresh_token"],
            "client_id": rp.client_id,
        },
    )
    assert refreshed.status_code == 200, refreshed.text
    assert refreshed.json()["patient"] == CITIZEN_PATIENT
    assert decode(refreshed.json()["access_token"], jwks, audience="egisz")["patient"] == CITIZEN_PATIENT


async def test_the_app_cannot_choose_the_patient(provider: Provider) -> None:
    """Never let a client choose the patient in a standalone launch: ``patient`` and ``launch``
    parameters are not read."""
    rp = _smart_app(provider)
    body = await _tokens(provider, rp, patient="pat-someone-else", launch="pat-someone-else")
    assert body["patient"] == CITIZEN_PATIENT
    access = decode(body["access_token"], await provider.jwks(), audience="egisz")
    assert access["patient"] == CITIZEN_PATIENT


async def test_a_token_without_smart_scopes_has_no_launch_context(provider: Provider) -> None:
    body = await provider.tokens()
    assert "patient" not in body
    assert "patient" not in decode(body["access_token"], await provider.jwks(), audience="egisz")
    assert provider.extras["patients"].asked == []


async def test_a_scope_the_client_is_not_allowed_is_invalid_scope(provider: Provider) -> None:
    """RFC 6749 §4.1.2.1: registered for patient/Observation.rs, asking for patient/*.rs."""
    rp = _smart_app(provider, ["openid", "launch/patient", "patient/Observation.rs"])
    _, challenge = pkce()
    params = provider.auth_params(
        rp, scope="openid launch/patient patient/*.rs", code_challenge=challenge, code_challenge_method="S256"
    )
    response = await provider.http.get("/authorize", params=params)
    query = callback_params(response)
    assert query["error"] == "invalid_scope" and "patient/*.rs" in query["error_description"]


async def test_an_unknown_fhir_server_as_aud_is_invalid_target(provider: Provider) -> None:
    """SMART App Launch v2 ``aud``: a token is never minted for a server the idp does not know."""
    rp = _smart_app(provider)
    _, challenge = pkce()
    params = provider.auth_params(
        rp,
        scope=SCOPE,
        aud="https://evil.example/fhir",
        code_challenge=challenge,
        code_challenge_method="S256",
    )
    query = callback_params(await provider.http.get("/authorize", params=params))
    assert query["error"] == "invalid_target"
    params["resource"] = FHIR_BASE
    query = callback_params(await provider.http.get("/authorize", params=params))
    assert query["error"] == "invalid_request" and "aud" in query["error_description"]


async def test_a_person_without_a_health_record_gets_access_denied(provider: Provider) -> None:
    rp = _smart_app(provider)
    provider.extras["patients"].patients.clear()
    query, _ = await _launch(provider, rp)
    assert query["error"] == "access_denied" and "health record" in query["error_description"]
    assert "code" not in query


async def test_an_unreachable_fhir_server_is_temporarily_unavailable(provider: Provider) -> None:
    rp = _smart_app(provider)
    provider.extras["patients"].down = True
    query, _ = await _launch(provider, rp)
    assert query["error"] == "temporarily_unavailable"


async def test_fhir_user_alone_needs_no_record(provider: Provider) -> None:
    """``openid fhirUser`` without patient scopes: a person with no record just gets no claim."""
    rp = _smart_app(provider, ["openid", "fhirUser"])
    provider.extras["patients"].patients.clear()
    verifier, challenge = pkce()
    params = provider.auth_params(
        rp, scope="openid fhirUser", code_challenge=challenge, code_challenge_method="S256"
    )
    query = callback_params(await provider.login(params))
    body = (await provider.exchange(query["code"], rp, code_verifier=verifier)).json()
    assert "patient" not in body
    assert "fhirUser" not in decode(body["id_token"], await provider.jwks(), audience="smart-app")


async def test_the_consent_page_names_the_smart_scopes_in_words(provider: Provider) -> None:
    rp = _smart_app(provider, ["openid", "launch/patient", "patient/Observation.rs?category=laboratory"])
    _, challenge = pkce()
    params = provider.auth_params(
        rp,
        scope="openid launch/patient patient/Observation.rs?category=laboratory",
        code_challenge=challenge,
        code_challenge_method="S256",
    )
    response = await provider.http.get("/authorize", params=params)
    login_page = response.headers["location"]
    page = await provider.http.get(login_page)
    from tests.idp.conftest import _csrf

    handle = login_page.split("i=")[1]
    response = await provider.http.post(
        "/login",
        data={
            "login": "anna@example.test",
            "password": PASSWORD,
            "csrf_token": _csrf(page.text),
            "interaction": handle,
        },
    )
    resumed = await provider.http.get(response.headers["location"])  # /authorize/resume
    assert resumed.headers["location"].startswith("/consent")
    consent = await provider.http.get(resumed.headers["location"])
    assert "Чтение ваших анализов" in consent.text
    assert "Узнать, какая медицинская карта ваша" in consent.text


@pytest.mark.parametrize("scope", ["patient/*.rs", "launch/patient"])
async def test_a_citizen_without_snils_has_no_patient_context(provider: Provider, scope: str) -> None:
    with provider.app.state.session_factory() as session:
        create_account(
            session,
            provider.app.state.field_cipher,
            NewAccount(last_name="Без", first_name="Снилса", email="nosnils@example.test", password=PASSWORD),
        )
        session.commit()
    rp = _smart_app(provider)
    _, challenge = pkce()
    params = provider.auth_params(
        rp, scope=f"openid {scope}", code_challenge=challenge, code_challenge_method="S256"
    )
    query = callback_params(await provider.login(params, login="nosnils@example.test"))
    assert query["error"] == "access_denied"


async def test_a_narrower_scope_than_registered_is_what_the_token_carries(provider: Provider) -> None:
    """patient/Observation.rs inside the registered patient/*.rs: granted as asked, not widened."""
    rp = _smart_app(provider)
    verifier, challenge = pkce()
    scope = "launch/patient openid patient/Observation.rs"
    params = provider.auth_params(
        rp, scope=scope, aud=FHIR_BASE, code_challenge=challenge, code_challenge_method="S256"
    )
    query = callback_params(await provider.login(params))
    body = (await provider.exchange(query["code"], rp, code_verifier=verifier)).json()
    assert body["scope"] == scope
    assert decode(body["access_token"], await provider.jwks(), audience="egisz")["scope"] == scope
