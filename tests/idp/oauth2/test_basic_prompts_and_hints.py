"""Mirrors of oidcc-basic modules about prompt, max_age, hints, locales and claims."""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest
from jose import jwt
from sqlalchemy import select

from idp.sessions.models import UserSession
from tests.idp.conftest import CITIZEN, Provider, callback_params, decode


def _age_the_login(provider: Provider, *, seconds: int) -> None:
    """Move the browser session's auth_time into the past: the clock is the data (no sleeping)."""
    with provider.app.state.session_factory() as session:
        rows = session.scalars(select(UserSession)).all()
        assert len(rows) == 1
        rows[0].auth_time -= dt.timedelta(seconds=seconds)
        session.commit()


async def test_oidcc_prompt_none_not_logged_in(provider: Provider) -> None:
    """oidcc-prompt-none-not-logged-in: error redirect login_required, with state and iss."""
    params = provider.auth_params(prompt="none")
    response = await provider.http.get("/authorize", params=params)
    assert response.status_code == 302
    back = callback_params(response)
    assert back["error"] == "login_required"
    assert back["state"] == params["state"] and back["iss"] == "http://testserver"


async def test_oidcc_prompt_none_logged_in(provider: Provider) -> None:
    """oidcc-prompt-none-logged-in: silent success, same sub, same auth_time."""
    first = decode((await provider.tokens())["id_token"], await provider.jwks())
    response = await provider.http.get("/authorize", params=provider.auth_params(prompt="none"))
    code = callback_params(response)["code"]
    second = decode((await provider.exchange(code)).json()["id_token"], await provider.jwks())
    assert second["sub"] == first["sub"] and second["auth_time"] == first["auth_time"]


async def test_oidcc_prompt_login(provider: Provider) -> None:
    """oidcc-prompt-login: forces a fresh login; the second auth_time is later."""
    first = decode((await provider.tokens())["id_token"], await provider.jwks())
    _age_the_login(provider, seconds=60)
    params = provider.auth_params(prompt="login")
    response = await provider.http.get("/authorize", params=params)
    assert response.headers["location"].startswith("/login?")  # a session exists, yet login is asked
    response = await provider.login(params)
    second = decode(
        (await provider.exchange(callback_params(response)["code"])).json()["id_token"], await provider.jwks()
    )
    # the session's auth_time was a minute before ``first``'s: only a fresh login brings it back
    assert second["auth_time"] >= first["auth_time"]
    assert second["sid"] == first["sid"]  # same person again: the session continues


async def test_oidcc_max_age_1(provider: Provider) -> None:
    """oidcc-max-age-1: after the age passed, login is asked again and auth_time is present."""
    await provider.tokens()
    _age_the_login(provider, seconds=2)
    params = provider.auth_params(max_age="1")
    first_hop = await provider.http.get("/authorize", params=params)
    assert first_hop.headers["location"].startswith("/login?")
    response = await provider.login(params)
    claims = decode(
        (await provider.exchange(callback_params(response)["code"])).json()["id_token"], await provider.jwks()
    )
    assert "auth_time" in claims


async def test_oidcc_max_age_10000(provider: Provider) -> None:
    """oidcc-max-age-10000: no new login; auth_time and sub consistent."""
    first = decode((await provider.tokens())["id_token"], await provider.jwks())
    response = await provider.http.get("/authorize", params=provider.auth_params(max_age="10000"))
    code = callback_params(response)["code"]
    second = decode((await provider.exchange(code)).json()["id_token"], await provider.jwks())
    assert (second["sub"], second["auth_time"]) == (first["sub"], first["auth_time"])


async def test_malformed_max_age_and_prompt_are_invalid_request(provider: Provider) -> None:
    for extra in ({"max_age": "soon"}, {"prompt": "none login"}, {"prompt": "bogus"}):
        response = await provider.http.get("/authorize", params=provider.auth_params(**extra))
        assert callback_params(response)["error"] == "invalid_request", extra


async def test_oidcc_id_token_hint(provider: Provider) -> None:
    """oidcc-id-token-hint: prompt=none + the first ID token → immediate success, same sub."""
    first = await provider.tokens()
    response = await provider.http.get(
        "/authorize", params=provider.auth_params(prompt="none", id_token_hint=first["id_token"])
    )
    code = callback_params(response)["code"]
    claims = decode((await provider.exchange(code)).json()["id_token"], await provider.jwks())
    assert claims["sub"] == provider.account_sub


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unsigned(header: dict[str, Any], claims: dict[str, Any]) -> str:
    """alg=none: the real claims, the real kid, and no signature (RFC 7519 §6.1)."""
    segments = (json.dumps({**header, "alg": "none"}).encode(), json.dumps(claims).encode())
    return ".".join(_b64(segment) for segment in segments) + "."


def _signed_by_a_foreign_key(header: dict[str, Any], claims: dict[str, Any]) -> str:
    """The real header (alg, kid) and claims, signed by a key of the same type that is not ours."""
    from joserfc import jwt as jose_jwt
    from joserfc.jwk import ECKey, RSAKey

    foreign = ECKey.generate_key("P-256") if header["alg"].startswith("ES") else RSAKey.generate_key(2048)
    return jose_jwt.encode(header, claims, foreign, algorithms=[header["alg"]])


@pytest.mark.parametrize(
    "forge",
    [
        pytest.param(_unsigned, id="alg-none"),
        pytest.param(_signed_by_a_foreign_key, id="foreign-key"),
        pytest.param(lambda header, claims: "e30.e30.xx", id="malformed"),
    ],
)
async def test_id_token_hint_forged_is_refused(
    provider: Provider, forge: Callable[[dict[str, Any], dict[str, Any]], str]
) -> None:
    genuine = (await provider.tokens())["id_token"]
    header = jwt.get_unverified_header(genuine)
    claims = jwt.get_unverified_claims(genuine)
    forged = forge(header, claims)
    assert forged != genuine

    # the genuine hint passes (so a refusal below is about the forgery, not the claims) ...
    accepted = await provider.http.get(
        "/authorize", params=provider.auth_params(prompt="none", id_token_hint=genuine)
    )
    assert "code" in callback_params(accepted)
    # ... and the forged one with the same claims is refused, with no code
    response = await provider.http.get(
        "/authorize", params=provider.auth_params(prompt="none", id_token_hint=forged)
    )
    back = callback_params(response)
    assert back["error"] == "invalid_request" and "code" not in back


async def test_oidcc_login_hint_prefills_the_login(provider: Provider) -> None:
    """oidcc-login-hint: accepted and pre-fills the login field."""
    response = await provider.http.get("/authorize", params=provider.auth_params(login_hint="+79161112233"))
    page = await provider.http.get(response.headers["location"])
    assert 'value="+79161112233"' in page.text


async def test_oidcc_ui_locales_switches_to_english(provider: Provider) -> None:
    """oidcc-ui-locales: the page uses the requested language; Russian by default."""
    response = await provider.http.get("/authorize", params=provider.auth_params(ui_locales="en-GB en"))
    page = await provider.http.get(response.headers["location"])
    assert '<html lang="en">' in page.text and "Sign in" in page.text
    provider.http.cookies.clear()
    response = await provider.http.get("/authorize", params=provider.auth_params())
    page = await provider.http.get(response.headers["location"])
    assert '<html lang="ru">' in page.text and "Войти" in page.text


async def test_oidcc_ensure_request_with_acr_values_succeeds(provider: Provider) -> None:
    """oidcc-ensure-request-with-acr-values-succeeds: accepted; acr is what the login proved."""
    body = await provider.tokens(acr_values="urn:idp:acr:pwd urn:idp:acr:mfa")
    assert decode(body["id_token"], await provider.jwks())["acr"] == "urn:idp:acr:pwd"


async def test_oidcc_claims_essential(provider: Provider) -> None:
    """oidcc-claims-essential: `name` asked as essential comes back (userinfo and ID token)."""
    claims = {
        "userinfo": {"name": {"essential": True}, "snils": None},
        "id_token": {"name": {"essential": True}},
    }
    body = await provider.tokens(scope="openid", claims=json.dumps(claims))
    id_token = decode(body["id_token"], await provider.jwks())
    assert id_token["name"] == "Петрова Анна Сергеевна"
    info = (
        await provider.http.get("/userinfo", headers={"Authorization": f"Bearer {body['access_token']}"})
    ).json()
    assert info["name"] == "Петрова Анна Сергеевна" and info["snils"] == "112-233-445 95"
    assert "email" not in info  # not asked for by scope or claims


async def test_malformed_claims_parameter_is_invalid_request(provider: Provider) -> None:
    for raw in ("{not json", '["name"]', '{"access_token": {}}'):
        response = await provider.http.get("/authorize", params=provider.auth_params(claims=raw))
        assert callback_params(response)["error"] == "invalid_request", raw


async def test_login_by_phone_and_by_snils(provider: Provider) -> None:
    for login in ("8 916 111-22-33", "112-233-445 95", "11223344595"):
        provider.http.cookies.clear()
        params = provider.auth_params()
        response = await provider.login(params, login=login)
        assert "code" in callback_params(response), login
    assert CITIZEN.email
