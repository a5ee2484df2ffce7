"""Discovery advertises only what works (OIDC Discovery 1.0 §3): every value of every list in the
document is exercised against the running endpoints. A new advertised field without a check here,
or a value the endpoints do not honour, fails this module."""

from __future__ import annotations

import base64
import datetime as dt
import json
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from joserfc import jwt
from joserfc.jwk import ECKey, RSAKey

from idp.clients.service import ClientSpec
from tests.idp.conftest import ISSUER, RP_REDIRECT, Provider, callback_params, decode, pkce
from tests.idp.oauth2.test_acr_signature import account_id, signature_step
from tests.idp.oauth2.test_acr_values import enroll_totp, id_token_of, password_then_code
from tests.idp.pki import signature_login as sl

Checker = Callable[[Provider, list[Any]], Awaitable[None]]
CHECKS: dict[str, Checker] = {}


def checks(field: str) -> Callable[[Checker], Checker]:
    def register(func: Checker) -> Checker:
        CHECKS[field] = func
        return func

    return register


async def metadata(provider: Provider) -> dict[str, Any]:
    document: dict[str, Any] = (await provider.http.get("/.well-known/openid-configuration")).json()
    return document


def service_client(provider: Provider, method: str, **extra: Any) -> tuple[str, str | None]:
    spec = ClientSpec(
        client_id=f"svc-{method}-{uuid.uuid4().hex[:6]}",
        name="Service",
        token_endpoint_auth_method=method,
        grant_types=["client_credentials"],
        scopes=["introspection"],
        **extra,
    )
    rp = provider.register(spec)
    return rp.client_id, rp.secret


def assertion_for(client_id: str, key: Any, alg: str) -> dict[str, str]:
    now = int(time.time())
    claims = {
        "iss": client_id,
        "sub": client_id,
        "aud": f"{ISSUER}/token",
        "iat": now,
        "exp": now + 60,
        "jti": str(uuid.uuid4()),
    }
    return {
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        "client_assertion": jwt.encode({"alg": alg, "kid": "k1"}, claims, key, algorithms=[alg]),
    }


def private_key(alg: str) -> Any:
    return ECKey.generate_key("P-256") if alg.startswith("ES") else RSAKey.generate_key(2048)


async def authenticated(provider: Provider, method: str, path: str, form: dict[str, str]) -> int:
    """Status of ``path`` called by a client registered for, and using, ``method``."""
    if method == "none":
        rp = provider.public_rp
        return (await provider.http.post(path, data={**form, "client_id": rp.client_id})).status_code
    if method == "private_key_jwt":
        key = private_key("ES256")
        public = key.as_dict(private=False) | {"kid": "k1"}
        client_id, _ = service_client(provider, method, jwks={"keys": [public]})
        return (
            await provider.http.post(path, data={**form, **assertion_for(client_id, key, "ES256")})
        ).status_code
    client_id, secret = service_client(provider, method)
    assert secret
    if method == "client_secret_basic":
        return (await provider.http.post(path, data=form, auth=(client_id, secret))).status_code
    assert method == "client_secret_post"
    return (
        await provider.http.post(path, data={**form, "client_id": client_id, "client_secret": secret})
    ).status_code


@checks("scopes_supported")
async def _scopes(provider: Provider, values: list[str]) -> None:
    rp = provider.register(
        ClientSpec(
            client_id="rp-all-scopes",
            name="All",
            grant_types=["authorization_code", "refresh_token"],
            scopes=values,
            redirect_uris=[RP_REDIRECT],
        )
    )
    body = await provider.tokens(rp, scope=" ".join(values))
    assert set(body["scope"].split()) == set(values)


@checks("response_types_supported")
async def _response_types(provider: Provider, values: list[str]) -> None:
    for value in values:
        assert "id_token" in await provider.tokens(response_type=value)


@checks("response_modes_supported")
async def _response_modes(provider: Provider, values: list[str]) -> None:
    for value in values:
        assert "id_token" in await provider.tokens(response_mode=value)


@checks("grant_types_supported")
async def _grant_types(provider: Provider, values: list[str]) -> None:
    assert set(values) == {"authorization_code", "refresh_token", "client_credentials"}
    body = await provider.tokens(scope="openid offline_access")  # authorization_code
    refreshed = await provider.http.post(
        "/token",
        data={"grant_type": "refresh_token", "refresh_token": body["refresh_token"]},
        auth=provider.rp.basic(),
    )
    assert refreshed.status_code == 200, refreshed.text
    client_id, secret = service_client(provider, "client_secret_basic")
    assert secret
    service = await provider.http.post(
        "/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret)
    )
    assert service.status_code == 200, service.text


@checks("subject_types_supported")
async def _subject_types(provider: Provider, values: list[str]) -> None:
    assert values == ["public"]
    first = decode((await provider.tokens())["id_token"], await provider.jwks())
    other = decode(
        (await provider.tokens(provider.other_rp, scope="openid"))["id_token"], await provider.jwks()
    )
    assert first["sub"] == other["sub"]  # the same for every client


async def _signed_by(provider: Provider, values: list[str], kind: str) -> None:
    for alg in values:
        rp = provider.register(
            ClientSpec(
                client_id=f"rp-{alg}",
                name=alg,
                grant_types=["authorization_code"],
                scopes=["openid"],
                redirect_uris=[RP_REDIRECT],
                signing_alg=alg,
            )
        )
        body = await provider.tokens(rp, scope="openid")
        header = json.loads(base64.urlsafe_b64decode(body[kind].split(".")[0] + "=="))
        assert header["alg"] == alg


@checks("id_token_signing_alg_values_supported")
async def _id_token_algs(provider: Provider, values: list[str]) -> None:
    await _signed_by(provider, values, "id_token")


@checks("access_token_signing_alg_values_supported")
async def _access_token_algs(provider: Provider, values: list[str]) -> None:
    await _signed_by(provider, values, "access_token")


@checks("userinfo_signing_alg_values_supported")
async def _userinfo_algs(provider: Provider, values: list[str]) -> None:
    assert values == ["none"]  # plain JSON
    token = (await provider.tokens())["access_token"]
    response = await provider.http.get("/userinfo", headers={"Authorization": f"Bearer {token}"})
    assert response.headers["content-type"] == "application/json"


@checks("token_endpoint_auth_methods_supported")
async def _token_auth(provider: Provider, values: list[str]) -> None:
    for method in values:
        if method == "none":  # a public client redeems its code with PKCE
            verifier, challenge = pkce()
            code, _ = await provider.code_for(
                provider.public_rp, scope="openid", code_challenge=challenge, code_challenge_method="S256"
            )
            response = await provider.exchange(code, provider.public_rp, code_verifier=verifier)
            assert response.status_code == 200, response.text
            continue
        status = await authenticated(provider, method, "/token", {"grant_type": "client_credentials"})
        assert status == 200, method


@checks("token_endpoint_auth_signing_alg_values_supported")
async def _assertion_algs(provider: Provider, values: list[str]) -> None:
    for alg in values:
        key = private_key(alg)
        client_id, _ = service_client(
            provider, "private_key_jwt", jwks={"keys": [key.as_dict(private=False) | {"kid": "k1"}]}
        )
        form = {"grant_type": "client_credentials", **assertion_for(client_id, key, alg)}
        response = await provider.http.post("/token", data=form)
        assert response.status_code == 200, (alg, response.text)


@checks("revocation_endpoint_auth_methods_supported")
async def _revocation_auth(provider: Provider, values: list[str]) -> None:
    for method in values:
        assert await authenticated(provider, method, "/revoke", {"token": "x"}) == 200, method


@checks("introspection_endpoint_auth_methods_supported")
async def _introspection_auth(provider: Provider, values: list[str]) -> None:
    for method in values:
        assert await authenticated(provider, method, "/introspect", {"token": "x"}) == 200, method


@checks("code_challenge_methods_supported")
async def _pkce_methods(provider: Provider, values: list[str]) -> None:
    assert values == ["S256"]
    verifier, challenge = pkce()
    code, _ = await provider.code_for(code_challenge=challenge, code_challenge_method="S256")
    assert (await provider.exchange(code, code_verifier=verifier)).status_code == 200


@checks("claims_supported")
async def _claims(provider: Provider, values: list[str]) -> None:
    scope = "openid profile email phone snils offline_access"
    body = await provider.tokens(scope=scope)
    id_token = decode(body["id_token"], await provider.jwks())
    userinfo = (
        await provider.http.get("/userinfo", headers={"Authorization": f"Bearer {body['access_token']}"})
    ).json()
    seen = set(id_token) | set(userinfo)
    assert set(values) - seen == set(), "advertised but never returned"


@checks("acr_values_supported")
async def _acr_values(provider: Provider, values: list[str]) -> None:
    assert values == ["urn:idp:acr:pwd", "urn:idp:acr:mfa", "urn:idp:acr:sig", "urn:idp:acr:qes"]
    await provider.tokens()
    recovery = enroll_totp(provider)
    with tempfile.TemporaryDirectory(prefix="acr-pki-") as folder:
        pki = sl.build_pki(Path(folder), dt.datetime.now(dt.UTC), with_gost=False)
        sl.trust_pki(provider.app, pki)
        sl.bind(provider.app, account_id(provider), pki, "ues")
        signer = {"urn:idp:acr:sig": "ues", "urn:idp:acr:qes": "qes"}
        for value in values:
            claims = json.dumps({"id_token": {"acr": {"essential": True, "value": value}}})
            params = provider.auth_params(claims=claims, prompt="login")
            start = await provider.http.get("/authorize", params=params)
            if value in signer:  # tests/idp/oauth2/test_acr_signature.py has the step-up in full
                back = await signature_step(provider, start, pki, signer[value])
            else:
                back = await password_then_code(provider, start, recovery.pop())
            assert (await id_token_of(provider, back))["acr"] == value


@checks("ui_locales_supported")
async def _ui_locales(provider: Provider, values: list[str]) -> None:
    for value in values:
        response = await provider.http.get("/authorize", params=provider.auth_params(ui_locales=value))
        page = await provider.http.get(response.headers["location"])
        assert f'<html lang="{value}">' in page.text


@checks("display_values_supported")
async def _display(provider: Provider, values: list[str]) -> None:
    assert values == ["page"]
    assert "id_token" in await provider.tokens(display="page")


@checks("prompt_values_supported")
async def _prompts(provider: Provider, values: list[str]) -> None:
    assert set(values) == {"none", "login", "consent", "select_account"}
    await provider.tokens()
    silent = await provider.http.get("/authorize", params=provider.auth_params(prompt="none"))
    assert "code" in callback_params(silent)
    for prompt, page in (("login", "/login?"), ("select_account", "/login?"), ("consent", "/consent?")):
        response = await provider.http.get("/authorize", params=provider.auth_params(prompt=prompt))
        assert response.headers["location"].startswith(page), prompt


async def test_ui_locales_en_after_a_russian_page_is_honoured(provider: Provider) -> None:
    """Regression: every page wrote the language cookie, which then outranked ui_locales for good."""
    for locale in ("ru", "en"):
        response = await provider.http.get("/authorize", params=provider.auth_params(ui_locales=locale))
        page = await provider.http.get(response.headers["location"])
        assert f'<html lang="{locale}">' in page.text
    chosen = await provider.http.get(response.headers["location"] + "&lang=ru")
    assert '<html lang="ru">' in chosen.text
    response = await provider.http.get("/authorize", params=provider.auth_params(ui_locales="en"))
    page = await provider.http.get(response.headers["location"])
    # issue 10 item 5: a relying party's ui_locales wins for its interaction, even over the
    # remembered choice; the choice holds on the pages of no interaction
    assert '<html lang="en">' in page.text
    assert '<html lang="ru">' in (await provider.http.get("/login")).text


async def test_every_advertised_list_has_a_behaviour_check(provider: Provider) -> None:
    lists = {name for name, value in (await metadata(provider)).items() if isinstance(value, list)}
    assert lists == set(CHECKS)


@pytest.mark.parametrize("field", sorted(CHECKS))
async def test_advertised_values_work(provider: Provider, field: str) -> None:
    await CHECKS[field](provider, (await metadata(provider))[field])


async def test_unsupported_features_are_not_advertised(provider: Provider) -> None:
    document = await metadata(provider)
    assert "claims_locales_supported" not in document
    assert "popup" not in document["display_values_supported"]
    assert "address" not in document["claims_supported"]  # accounts hold no address
