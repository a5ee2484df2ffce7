"""Mirrors of oidcc-basic error modules, plus RFC 9700 §4.11 (no open redirector)."""

from __future__ import annotations

import pytest

from tests.idp.conftest import RP_REDIRECT, Provider, callback_params


def assert_error_page(response: object) -> None:
    import httpx

    assert isinstance(response, httpx.Response)
    assert response.status_code == 400
    assert "location" not in response.headers
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["x-frame-options"] == "DENY"


async def test_oidcc_ensure_registered_redirect_uri(provider: Provider) -> None:
    """oidcc-ensure-registered-redirect-uri: unregistered redirect_uri → error page, no redirect."""
    response = await provider.http.get(
        "/authorize", params=provider.auth_params(redirect_uri="https://evil.test/cb")
    )
    assert_error_page(response)


@pytest.mark.parametrize(
    "redirect_uri",
    [
        RP_REDIRECT + "/extra",  # suffix
        RP_REDIRECT.upper(),  # case
        RP_REDIRECT.replace("https://rp.example.test", "https://RP.example.test"),  # host case
        RP_REDIRECT + "?next=https://evil.test",  # extra query
        RP_REDIRECT + "#frag",  # fragment
        "https://rp.example.test@evil.test/cb",  # userinfo@host
        "https://evil.test@rp.example.test/cb",
        RP_REDIRECT + "/",  # trailing slash
        "http://rp.example.test/cb",  # scheme downgrade
        "https://rp.example.test:443/cb",  # explicit default port
    ],
)
async def test_redirect_uri_tricks_get_an_error_page(provider: Provider, redirect_uri: str) -> None:
    """RFC 9700 §2.1 / §4.1: exact string comparison, no normalisation."""
    response = await provider.http.get("/authorize", params=provider.auth_params(redirect_uri=redirect_uri))
    assert_error_page(response)


async def test_unknown_client_and_missing_redirect_uri_get_an_error_page(provider: Provider) -> None:
    assert_error_page(await provider.http.get("/authorize", params=provider.auth_params(client_id="nobody")))
    assert_error_page(await provider.http.get("/authorize", params=provider.auth_params(redirect_uri=None)))
    assert_error_page(await provider.http.get("/authorize"))


async def test_oidcc_response_type_missing(provider: Provider) -> None:
    """oidcc-response-type-missing: error redirect (unsupported_response_type / invalid_request)."""
    response = await provider.http.get("/authorize", params=provider.auth_params(response_type=None))
    assert callback_params(response)["error"] in ("unsupported_response_type", "invalid_request")


@pytest.mark.parametrize("response_type", ["token", "id_token", "code id_token", "code token"])
async def test_implicit_and_hybrid_are_not_offered(provider: Provider, response_type: str) -> None:
    """RFC 9700 §2.1.2: no token in the front channel."""
    response = await provider.http.get("/authorize", params=provider.auth_params(response_type=response_type))
    assert response.status_code == 302
    back = callback_params(response)
    assert back["error"] in ("unsupported_response_type", "unauthorized_client")
    assert "access_token" not in response.headers["location"]


async def test_oidcc_unsigned_request_object_rejected_as_unsupported(provider: Provider) -> None:
    """oidcc-unsigned-request-object-supported-correctly-or-rejected-as-unsupported."""
    response = await provider.http.get(
        "/authorize", params=provider.auth_params(request="eyJhbGciOiJub25lIn0.e30.")
    )
    assert callback_params(response)["error"] == "request_not_supported"


async def test_oidcc_request_uri_rejected_as_unsupported(provider: Provider) -> None:
    """oidcc-request-uri-unsigned-supported-correctly-or-rejected-as-unsupported."""
    response = await provider.http.get(
        "/authorize", params=provider.auth_params(request_uri="https://rp/r/1")
    )
    assert callback_params(response)["error"] == "request_uri_not_supported"


async def test_unregistered_scope_is_invalid_scope(provider: Provider) -> None:
    response = await provider.http.get(
        "/authorize", params=provider.auth_params(rp=provider.other_rp, scope="openid snils")
    )
    assert callback_params(response)["error"] == "invalid_scope"


async def test_unknown_resource_is_invalid_target(provider: Provider) -> None:
    response = await provider.http.get(
        "/authorize", params=provider.auth_params(resource="https://bank.test")
    )
    assert callback_params(response)["error"] == "invalid_target"


async def test_consent_denied_is_access_denied(provider: Provider) -> None:
    params = provider.auth_params()
    response = await provider.login(params, consent=False)
    back = callback_params(response)
    assert back["error"] == "access_denied" and back["state"] == params["state"]


async def test_prompt_none_without_consent_is_consent_required(provider: Provider) -> None:
    await provider.tokens()
    response = await provider.http.get(
        "/authorize", params=provider.auth_params(scope="openid phone", prompt="none")
    )
    assert callback_params(response)["error"] == "consent_required"


async def test_duplicated_parameters_are_refused(provider: Provider) -> None:
    params = [*provider.auth_params().items(), ("scope", "openid")]
    response = await provider.http.get("/authorize", params=params)
    assert callback_params(response)["error"] == "invalid_request"
