"""Mirror of oidcc-config-certification-test-plan (oidcc-discovery-endpoint-verification)."""

from __future__ import annotations

from tests.idp.conftest import ISSUER, Provider


async def test_oidcc_discovery_endpoint_verification(provider: Provider) -> None:
    response = await provider.http.get("/.well-known/openid-configuration")
    assert response.status_code == 200 and response.headers["content-type"] == "application/json"
    meta = response.json()
    assert meta["issuer"] == ISSUER  # equals the URL it was fetched from
    for name in (
        "authorization_endpoint",
        "token_endpoint",
        "userinfo_endpoint",
        "jwks_uri",
        "end_session_endpoint",
        "revocation_endpoint",
        "introspection_endpoint",
    ):
        assert meta[name].startswith(ISSUER + "/"), name
    assert "openid" in meta["scopes_supported"]
    assert meta["response_types_supported"] == ["code"]
    assert meta["subject_types_supported"] == ["public"]
    assert "RS256" in meta["id_token_signing_alg_values_supported"]
    assert meta["code_challenge_methods_supported"] == ["S256"]
    assert (
        meta["backchannel_logout_supported"] is True and meta["backchannel_logout_session_supported"] is True
    )
    assert meta["authorization_response_iss_parameter_supported"] is True
    assert {"authorization_code", "refresh_token", "client_credentials"} <= set(meta["grant_types_supported"])
    assert "password" not in meta["grant_types_supported"] and "implicit" not in meta["grant_types_supported"]
    assert {"client_secret_basic", "client_secret_post", "private_key_jwt"} <= set(
        meta["token_endpoint_auth_methods_supported"]
    )
    assert "urn:idp:acr:pwd" in meta["acr_values_supported"]
    assert meta["request_parameter_supported"] is False and meta["request_uri_parameter_supported"] is False
    assert all(tag in ("ru", "en") for tag in meta["ui_locales_supported"])
    jwks = (await provider.http.get(meta["jwks_uri"].removeprefix(ISSUER))).json()
    assert jwks["keys"] and all("kid" in k for k in jwks["keys"])


async def test_discovery_lists_scopes_that_clients_registered(provider: Provider) -> None:
    from idp.clients.service import ClientSpec

    provider.register(ClientSpec(client_id="svc-x", name="x", scopes=["fhir:read"]))
    meta = (await provider.http.get("/.well-known/openid-configuration")).json()
    assert "fhir:read" in meta["scopes_supported"]
