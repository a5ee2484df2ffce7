"""Mirrors of oidcc-basic-certification-test-plan: the happy path and its variations."""

from __future__ import annotations

import time

from idp.clients.service import ClientSpec
from tests.idp.conftest import ISSUER, RP_REDIRECT, Provider, callback_params, decode, pkce


async def test_oidcc_server(provider: Provider) -> None:
    """oidcc-server: state echoed, iss in the response, code exchanged, ID token valid, userinfo."""
    params = provider.auth_params()
    response = await provider.login(params)
    assert response.status_code == 302  # the last hop is a GET (resume), so 302; POSTs answer 303
    assert response.headers["location"].startswith(RP_REDIRECT + "?")
    back = callback_params(response)
    assert back["state"] == params["state"]
    assert back["iss"] == ISSUER  # RFC 9207
    token = await provider.exchange(back["code"])
    assert token.status_code == 200, token.text
    assert token.headers["cache-control"] == "no-store"
    body = token.json()
    assert 0 < body["expires_in"] <= 3600 and body["token_type"] == "Bearer"
    jwks = await provider.jwks()
    id_token = decode(body["id_token"], jwks, audience=provider.rp.client_id)
    assert id_token["sub"] == provider.account_sub
    assert id_token["nonce"] == params["nonce"]
    assert abs(id_token["iat"] - time.time()) < 60 and id_token["exp"] > time.time()
    assert {"auth_time", "acr", "amr", "sid", "at_hash"} <= set(id_token)
    import hashlib

    from jose.utils import base64url_encode

    expected = base64url_encode(hashlib.sha256(body["access_token"].encode()).digest()[:16]).decode()
    assert id_token["at_hash"] == expected
    info = await provider.http.get("/userinfo", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert info.status_code == 200 and info.json()["sub"] == provider.account_sub


async def test_oidcc_idtoken_signature(provider: Provider) -> None:
    """oidcc-idtoken-signature: RS256 by default, with a kid found in the JWKS."""
    from jose import jwt

    body = await provider.tokens()
    header = jwt.get_unverified_header(body["id_token"])
    assert header["alg"] == "RS256"
    assert header["kid"] in {k["kid"] for k in (await provider.jwks())["keys"]}


async def test_access_token_is_rfc9068_with_audience_acr_amr(provider: Provider) -> None:
    from jose import jwt

    body = await provider.tokens()
    assert jwt.get_unverified_header(body["access_token"])["typ"] == "at+jwt"
    claims = decode(body["access_token"], await provider.jwks(), audience="egisz")
    assert claims["client_id"] == provider.rp.client_id and claims["sub"] == provider.account_sub
    assert claims["scope"] == "openid profile email"
    assert {"jti", "acr", "amr", "auth_time", "iat", "exp"} <= set(claims)
    assert claims["acr"] == "urn:idp:acr:pwd" and claims["amr"] == ["pwd"]


async def test_oidcc_ensure_request_without_nonce_succeeds_for_code_flow(provider: Provider) -> None:
    """oidcc-ensure-request-without-nonce-succeeds-for-code-flow."""
    body = await provider.tokens(nonce=None)
    assert "nonce" not in decode(body["id_token"], await provider.jwks())


async def test_oidcc_alternate_happy_flow(provider: Provider) -> None:
    """oidcc-alternate-happy-flow: scope order and parameter order do not matter."""
    params = provider.auth_params(scope="email profile openid")
    shuffled = dict(reversed(list(params.items())))
    response = await provider.login(shuffled)
    assert "code" in callback_params(response)


async def test_oidcc_ensure_post_request_succeeds(provider: Provider) -> None:
    """oidcc-ensure-post-request-succeeds: the authorization endpoint accepts POST (answers 303)."""
    await provider.tokens()  # log in first, so POST finds a session and consent
    response = await provider.http.post("/authorize", data=provider.auth_params())
    assert response.status_code == 303
    assert "code" in callback_params(response)


async def test_oidcc_ensure_request_with_unknown_parameter_succeeds(provider: Provider) -> None:
    """oidcc-ensure-request-with-unknown-parameter-succeeds."""
    body = await provider.tokens(extra_thing="ignored", display="popup")
    assert "id_token" in body


async def test_oidcc_display_page_and_popup_and_locales_are_accepted(provider: Provider) -> None:
    """oidcc-display-page / -popup / oidcc-claims-locales."""
    for extra in ({"display": "page"}, {"display": "popup"}, {"claims_locales": "ru en"}):
        assert "id_token" in await provider.tokens(**extra)


async def test_oidcc_server_client_secret_post(provider: Provider) -> None:
    """oidcc-server-client-secret-post (a client registered for it: OIDC Core §9)."""
    rp = provider.register(
        ClientSpec(
            client_id="rp-post",
            name="Post",
            token_endpoint_auth_method="client_secret_post",
            grant_types=["authorization_code"],
            scopes=["openid", "profile", "email"],
            redirect_uris=[RP_REDIRECT],
        )
    )
    code, _ = await provider.code_for(rp)
    response = await provider.http.post(
        "/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": RP_REDIRECT,
            "client_id": rp.client_id,
            "client_secret": rp.secret,
        },
    )
    assert response.status_code == 200, response.text


async def test_oidcc_ensure_request_with_valid_pkce_succeeds(provider: Provider) -> None:
    """oidcc-ensure-request-with-valid-pkce-succeeds (confidential client, S256)."""
    verifier, challenge = pkce()
    code, _ = await provider.code_for(code_challenge=challenge, code_challenge_method="S256")
    assert (await provider.exchange(code, code_verifier=verifier)).status_code == 200


async def test_public_client_with_pkce_and_no_secret(provider: Provider) -> None:
    verifier, challenge = pkce()
    code, _ = await provider.code_for(
        provider.public_rp, code_challenge=challenge, code_challenge_method="S256", scope="openid profile"
    )
    response = await provider.exchange(code, provider.public_rp, code_verifier=verifier)
    assert response.status_code == 200, response.text
