"""Client authentication at /token, /introspect, /revoke (RFC 6749 §2.3, OIDC Core §9): the
registered method only, one-sentence ``invalid_client``, and malformed credentials are a 4xx."""

from __future__ import annotations

import pytest

from idp.clients.service import ClientSpec
from tests.idp.conftest import RP_REDIRECT, Provider
from tests.idp.oauth2.test_authorization_checks import assert_one_sentence

ENDPOINTS = {
    "/token": {"grant_type": "client_credentials"},
    "/introspect": {"token": "x"},
    "/revoke": {"token": "x"},
}


def register_service(provider: Provider, method: str) -> tuple[str, str]:
    rp = provider.register(
        ClientSpec(
            client_id=f"svc-{method}",
            name="Service",
            token_endpoint_auth_method=method,
            grant_types=["client_credentials"],
            scopes=["introspection"],
        )
    )
    assert rp.secret
    return rp.client_id, rp.secret


@pytest.mark.parametrize("path", list(ENDPOINTS))
async def test_basic_credentials_not_utf8_are_invalid_client(provider: Provider, path: str) -> None:
    """Regression: ``Authorization: Basic //46/w==`` (bytes ff fe 3a ff) was a 500."""
    response = await provider.http.post(
        path, data=ENDPOINTS[path], headers={"Authorization": "Basic //46/w=="}
    )
    assert response.status_code == 401, response.text
    assert response.json()["error"] == "invalid_client"
    assert_one_sentence(response.json()["error_description"])
    assert response.headers["www-authenticate"].startswith("Basic ")


@pytest.mark.parametrize("header", ["Basic !!!", "Basic", "Basic " + "a" * 3])
async def test_basic_credentials_not_base64_are_invalid_client(provider: Provider, header: str) -> None:
    response = await provider.http.post("/token", data=ENDPOINTS["/token"], headers={"Authorization": header})
    assert response.status_code == 401 and response.json()["error"] == "invalid_client"


async def test_client_assertion_for_a_client_without_keys_is_invalid_client(provider: Provider) -> None:
    """Regression: a client_assertion naming a client with no registered keys (joserfc's
    MissingKeyError) was a 500."""
    import base64
    import json

    def part(value: dict[str, str]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    assertion = f"{part({'alg': 'ES256'})}.{part({'iss': 'rp-web', 'sub': 'rp-web'})}.c2ln"
    response = await provider.http.post(
        "/token",
        data={
            "grant_type": "client_credentials",
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": assertion,
        },
    )
    assert response.status_code in (400, 401), response.text
    assert response.json()["error"] == "invalid_client"
    assert_one_sentence(response.json()["error_description"])


@pytest.mark.parametrize("path", list(ENDPOINTS))
async def test_client_registered_for_basic_is_refused_with_post(provider: Provider, path: str) -> None:
    """OIDC Core §9: the registered token_endpoint_auth_method, and no other."""
    client_id, secret = register_service(provider, "client_secret_basic")
    form = {**ENDPOINTS[path], "client_id": client_id, "client_secret": secret}
    refused = await provider.http.post(path, data=form)
    assert refused.status_code == 401 and refused.json()["error"] == "invalid_client"
    assert refused.json()["error_description"] == (
        "The client is registered to authenticate with client_secret_basic, not client_secret_post."
    )
    accepted = await provider.http.post(path, data=ENDPOINTS[path], auth=(client_id, secret))
    assert accepted.status_code == 200, accepted.text


@pytest.mark.parametrize("path", list(ENDPOINTS))
async def test_client_registered_for_post_is_refused_with_basic(provider: Provider, path: str) -> None:
    client_id, secret = register_service(provider, "client_secret_post")
    refused = await provider.http.post(path, data=ENDPOINTS[path], auth=(client_id, secret))
    assert refused.status_code == 401 and refused.json()["error"] == "invalid_client"
    form = {**ENDPOINTS[path], "client_id": client_id, "client_secret": secret}
    assert (await provider.http.post(path, data=form)).status_code == 200


async def test_code_exchange_refuses_the_other_secret_method(provider: Provider) -> None:
    """rp-web registered client_secret_basic: its code cannot be redeemed with client_secret_post."""
    code, _ = await provider.code_for()
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": RP_REDIRECT,
        "client_id": provider.rp.client_id,
        "client_secret": provider.rp.secret or "",
    }
    response = await provider.http.post("/token", data=form)
    assert response.status_code == 401 and response.json()["error"] == "invalid_client"


async def test_invalid_client_description_is_one_sentence_without_method_list(provider: Provider) -> None:
    """The description used to be a Python list of every method, ``none`` included."""
    for response in (
        await provider.http.post("/token", data={"grant_type": "client_credentials"}),
        await provider.http.post("/token", data=ENDPOINTS["/token"], auth=("rp-web", "wrong")),
        await provider.http.post("/introspect", data={"token": "x", "client_id": "rp-spa"}),
    ):
        body = response.json()
        assert body["error"] == "invalid_client", body
        assert_one_sentence(body["error_description"])
        assert "none" not in body["error_description"].split()
