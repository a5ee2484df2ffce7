"""Mirrors of oidcc-rp-initiated-logout-certification-test-plan and the Back-Channel OP plan."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI, Form
from jose import jwt

from idp.clients.service import ClientSpec
from tests.idp.conftest import RP_LOGOUT, Provider, callback_params, decode
from tests.live import serve_in_thread


def _assert_no_redirect(response: Any) -> None:
    assert response.status_code == 400
    assert "location" not in response.headers


async def _still_logged_in(provider: Provider) -> bool:
    response = await provider.http.get("/authorize", params=provider.auth_params(prompt="none"))
    return "code" in callback_params(response)


async def test_discovery_has_end_session_endpoint(provider: Provider) -> None:
    """oidcc-rp-initiated-logout: discovery advertises end_session_endpoint."""
    meta = (await provider.http.get("/.well-known/openid-configuration")).json()
    assert meta["end_session_endpoint"] == "http://testserver/logout"


async def test_oidcc_rp_initiated_logout(provider: Provider) -> None:
    """Logout redirects to the registered URI with state; prompt=none then fails."""
    id_token = (await provider.tokens())["id_token"]
    response = await provider.http.get(
        "/logout", params={"id_token_hint": id_token, "post_logout_redirect_uri": RP_LOGOUT, "state": "s-1"}
    )
    assert response.status_code == 302
    assert response.headers["location"] == RP_LOGOUT + "?state=s-1"
    assert not await _still_logged_in(provider)


async def test_logout_without_state_redirects_without_one(provider: Provider) -> None:
    id_token = (await provider.tokens())["id_token"]
    response = await provider.http.get(
        "/logout", params={"id_token_hint": id_token, "post_logout_redirect_uri": RP_LOGOUT}
    )
    assert response.headers["location"] == RP_LOGOUT


@pytest.mark.parametrize(
    "variant",
    [
        "unregistered-uri",
        "alg-none-hint",
        "foreign-signed-hint",
        "uri-with-added-query",
        "uri-without-hint",
        "other-clients-uri",
    ],
)
async def test_logout_never_redirects_to_an_unvetted_place(provider: Provider, variant: str) -> None:
    """oidcc-rp-initiated-logout-bad-*: error page, no redirect (no open redirect at logout)."""
    id_token = (await provider.tokens())["id_token"]
    params = {"id_token_hint": id_token, "post_logout_redirect_uri": RP_LOGOUT, "state": "x"}
    if variant == "unregistered-uri":
        params["post_logout_redirect_uri"] = "https://evil.test/bye"
    elif variant == "alg-none-hint":
        _, payload, _ = id_token.split(".")
        import base64
        import json

        none = (
            base64.urlsafe_b64encode(json.dumps({"alg": "none", "typ": "JWT"}).encode()).rstrip(b"=").decode()
        )
        params["id_token_hint"] = f"{none}.{payload}."
    elif variant == "foreign-signed-hint":
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa

        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode()
        kid = jwt.get_unverified_header(id_token)["kid"]
        params["id_token_hint"] = jwt.encode(
            jwt.get_unverified_claims(id_token), pem, algorithm="RS256", headers={"kid": kid}
        )
    elif variant == "uri-with-added-query":
        params["post_logout_redirect_uri"] = RP_LOGOUT + "?x=1"
    elif variant == "uri-without-hint":
        del params["id_token_hint"]
    elif variant == "other-clients-uri":
        params["post_logout_redirect_uri"] = "https://other.example.test/bye"
    _assert_no_redirect(await provider.http.get("/logout", params=params))


@pytest.mark.parametrize("params", [{}, {"state": "only-state"}], ids=["no-params", "only-state"])
async def test_logout_with_no_redirect_shows_the_logged_out_page(
    provider: Provider, params: dict[str, str]
) -> None:
    await provider.tokens()
    response = await provider.http.get("/logout", params=params)
    assert response.status_code == 200 and "location" not in response.headers
    assert "Вы вышли" in response.text
    assert not await _still_logged_in(provider)


async def test_logout_by_post(provider: Provider) -> None:
    id_token = (await provider.tokens())["id_token"]
    response = await provider.http.post(
        "/logout", data={"id_token_hint": id_token, "post_logout_redirect_uri": RP_LOGOUT}
    )
    assert response.status_code == 303


class LogoutSink:
    def __init__(self) -> None:
        self.tokens: list[str] = []
        self.fail_first = 0
        app = FastAPI()

        @app.post("/bc")
        def receive(logout_token: str = Form()) -> dict[str, str]:
            if self.fail_first > 0:
                self.fail_first -= 1
                raise RuntimeError("RP temporarily down")
            self.tokens.append(logout_token)
            return {}

        self.app = app


@pytest.fixture
def sink() -> Iterator[tuple[LogoutSink, str]]:
    s = LogoutSink()
    with serve_in_thread(s.app) as base:
        yield s, base


async def _wait_for(predicate: Any, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def test_oidcc_backchannel_rp_initiated_logout(
    provider: Provider, sink: tuple[LogoutSink, str]
) -> None:
    """Back-Channel OP: the logout token with sid reaches the RP; prompt=none fails afterwards."""
    receiver, base = sink
    rp = provider.register(
        ClientSpec(
            client_id="rp-bc",
            name="BC",
            grant_types=["authorization_code"],
            scopes=["openid"],
            redirect_uris=["https://bc.example.test/cb"],
            post_logout_redirect_uris=["https://bc.example.test/bye"],
            backchannel_logout_uri=f"{base}/bc",
        )
    )
    receiver.fail_first = 1  # the first delivery fails; the retry must get through
    tokens = await provider.tokens(rp, scope="openid")
    id_token = decode(tokens["id_token"], await provider.jwks())
    response = await provider.http.get(
        "/logout",
        params={
            "id_token_hint": tokens["id_token"],
            "post_logout_redirect_uri": "https://bc.example.test/bye",
        },
    )
    assert response.headers["location"] == "https://bc.example.test/bye"
    await _wait_for(lambda: receiver.tokens)
    logout_token = receiver.tokens[0]
    assert jwt.get_unverified_header(logout_token)["typ"] == "logout+jwt"
    claims = decode(logout_token, await provider.jwks(), audience="rp-bc")
    assert claims["sid"] == id_token["sid"] and claims["sub"] == id_token["sub"]
    assert "http://schemas.openid.net/event/backchannel-logout" in claims["events"]
    assert "nonce" not in claims and "jti" in claims
    assert not await _still_logged_in(provider)


async def test_logout_revokes_the_sessions_refresh_tokens(provider: Provider) -> None:
    tokens = await provider.tokens(scope="openid offline_access")
    await provider.http.get("/logout")
    response = await provider.http.post(
        "/token",
        data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        auth=provider.rp.basic(),
    )
    assert response.json()["error"] == "invalid_grant"


async def test_unreachable_backchannel_uri_does_not_fail_logout(provider: Provider) -> None:
    """The demo RP's back-channel URI points at a closed port: logout still succeeds."""
    await provider.tokens()
    response = await provider.http.get("/logout")
    assert response.status_code == 200
