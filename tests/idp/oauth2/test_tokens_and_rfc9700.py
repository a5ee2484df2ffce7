"""Token endpoint rules and the RFC 9700 checklist, attacked."""

from __future__ import annotations

import asyncio
import time
import uuid

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from jose import jwk, jwt

from idp.clients.service import ClientSpec
from tests.idp.conftest import RP_REDIRECT, Provider, callback_params, pkce


async def _introspect(provider: Provider, token: str) -> dict[str, object]:
    response = await provider.http.post("/introspect", data={"token": token}, auth=provider.rp.basic())
    assert response.status_code == 200
    body: dict[str, object] = response.json()
    return body


async def test_oidcc_codereuse(provider: Provider) -> None:
    """oidcc-codereuse / -30seconds: a second use is invalid_grant and revokes what the first issued."""
    code, _ = await provider.code_for(scope="openid offline_access")
    first = await provider.exchange(code)
    assert first.status_code == 200
    tokens = first.json()
    assert (await _introspect(provider, tokens["access_token"]))["active"] is True
    second = await provider.exchange(code)
    assert second.status_code == 400 and second.json()["error"] == "invalid_grant"
    assert (await _introspect(provider, tokens["access_token"]))["active"] is False
    refreshed = await provider.http.post(
        "/token",
        data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        auth=provider.rp.basic(),
    )
    assert refreshed.json()["error"] == "invalid_grant"


async def test_parallel_exchanges_of_one_code_yield_one_token(provider: Provider) -> None:
    code, _ = await provider.code_for()
    results = await asyncio.gather(*[provider.exchange(code) for _ in range(5)])
    assert sorted(r.status_code for r in results) == [200, 400, 400, 400, 400]


async def test_code_bound_to_client_and_redirect_uri(provider: Provider) -> None:
    code, _ = await provider.code_for()
    stolen = await provider.http.post(
        "/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": provider.other_rp.redirect_uri,
        },
        auth=provider.other_rp.basic(),
    )
    assert stolen.json()["error"] == "invalid_grant"
    code, _ = await provider.code_for()
    wrong = await provider.http.post(
        "/token",
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": RP_REDIRECT + "x"},
        auth=provider.rp.basic(),
    )
    assert wrong.json()["error"] == "invalid_grant"


async def test_expired_code_is_invalid_grant(provider: Provider) -> None:
    from sqlalchemy import update

    from idp.tokens.models import AuthorizationCode
    from shared.db import utcnow

    code, _ = await provider.code_for()
    with provider.app.state.session_factory() as session:
        session.execute(update(AuthorizationCode).values(expires_at=utcnow()))
        session.commit()
    assert (await provider.exchange(code)).json()["error"] == "invalid_grant"


async def test_pkce_downgrade_verifier_without_challenge(provider: Provider) -> None:
    """RFC 9700 §4.8: a code_verifier for a code issued without a challenge is refused."""
    code, _ = await provider.code_for()
    response = await provider.exchange(code, code_verifier="a" * 50)
    assert response.status_code == 400 and response.json()["error"] == "invalid_request"


async def test_pkce_downgrade_challenge_without_verifier(provider: Provider) -> None:
    _, challenge = pkce()
    code, _ = await provider.code_for(code_challenge=challenge, code_challenge_method="S256")
    response = await provider.exchange(code)
    assert response.status_code == 400 and response.json()["error"] == "invalid_request"


async def test_pkce_wrong_verifier(provider: Provider) -> None:
    _, challenge = pkce()
    code, _ = await provider.code_for(code_challenge=challenge, code_challenge_method="S256")
    other_verifier, _ = pkce()
    assert (await provider.exchange(code, code_verifier=other_verifier)).json()["error"] == "invalid_grant"


@pytest.mark.parametrize("method", ["plain", None])
async def test_pkce_plain_or_implicit_plain_is_refused(provider: Provider, method: str | None) -> None:
    verifier, _ = pkce()
    response = await provider.http.get(
        "/authorize", params=provider.auth_params(code_challenge=verifier, code_challenge_method=method)
    )
    assert callback_params(response)["error"] == "invalid_request"


async def test_public_client_must_use_pkce(provider: Provider) -> None:
    response = await provider.http.get(
        "/authorize", params=provider.auth_params(provider.public_rp, scope="openid")
    )
    assert callback_params(response)["error"] == "invalid_request"


async def test_public_client_cannot_use_client_credentials_or_skip_verifier(provider: Provider) -> None:
    _, challenge = pkce()
    code, _ = await provider.code_for(
        provider.public_rp, code_challenge=challenge, code_challenge_method="S256", scope="openid"
    )
    response = await provider.exchange(code, provider.public_rp)
    assert response.json()["error"] == "invalid_request"


async def test_oidcc_refresh_token(provider: Provider) -> None:
    """oidcc-refresh-token: RT characters, refresh works, consistent ID token, bound to its client."""
    tokens = await provider.tokens(scope="openid profile offline_access", prompt="consent")
    refresh = tokens["refresh_token"]
    assert all(c.isalnum() or c in "-_" for c in refresh)
    stolen = await provider.http.post(
        "/token",
        data={"grant_type": "refresh_token", "refresh_token": refresh},
        auth=provider.other_rp.basic(),
    )
    assert stolen.json()["error"] == "invalid_grant"
    response = await provider.http.post(
        "/token", data={"grant_type": "refresh_token", "refresh_token": refresh}, auth=provider.rp.basic()
    )
    assert response.status_code == 200, response.text
    new = response.json()
    assert new["refresh_token"] != refresh
    first = jwt.get_unverified_claims(tokens["id_token"])
    again = jwt.get_unverified_claims(new["id_token"])
    assert (again["sub"], again["iss"], again["aud"], again["auth_time"]) == (
        first["sub"],
        first["iss"],
        first["aud"],
        first["auth_time"],
    )


async def test_refresh_reuse_revokes_the_whole_family(provider: Provider) -> None:
    """RFC 9700 §4.14: replaying a spent refresh token kills its live successor too."""
    tokens = await provider.tokens(scope="openid offline_access")
    first = tokens["refresh_token"]
    rotate = await provider.http.post(
        "/token", data={"grant_type": "refresh_token", "refresh_token": first}, auth=provider.rp.basic()
    )
    successor = rotate.json()
    replay = await provider.http.post(
        "/token", data={"grant_type": "refresh_token", "refresh_token": first}, auth=provider.rp.basic()
    )
    assert replay.json()["error"] == "invalid_grant"
    live = await provider.http.post(
        "/token",
        data={"grant_type": "refresh_token", "refresh_token": successor["refresh_token"]},
        auth=provider.rp.basic(),
    )
    assert live.json()["error"] == "invalid_grant"
    assert (await _introspect(provider, successor["access_token"]))["active"] is False


async def test_refresh_grace_period_allows_one_retry(provider: Provider) -> None:
    provider.app.state.settings.refresh_reuse_grace_seconds = 30
    tokens = await provider.tokens(scope="openid offline_access")
    data = {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    first = await provider.http.post("/token", data=data, auth=provider.rp.basic())
    retry = await provider.http.post("/token", data=data, auth=provider.rp.basic())
    assert first.status_code == retry.status_code == 200
    after = await provider.http.post(
        "/token",
        data={"grant_type": "refresh_token", "refresh_token": first.json()["refresh_token"]},
        auth=provider.rp.basic(),
    )
    assert after.status_code == 200


async def test_offline_access_governs_refresh_tokens(provider: Provider) -> None:
    assert "refresh_token" not in await provider.tokens(scope="openid profile")
    assert "refresh_token" in await provider.tokens(scope="openid offline_access")


async def test_refresh_cannot_widen_scope(provider: Provider) -> None:
    tokens = await provider.tokens(scope="openid offline_access")
    response = await provider.http.post(
        "/token",
        data={
            "grant_type": "refresh_token",
            "scope": "openid email",
            "refresh_token": tokens["refresh_token"],
        },
        auth=provider.rp.basic(),
    )
    assert response.json()["error"] == "invalid_scope"


async def test_password_grant_is_not_offered(provider: Provider) -> None:
    """RFC 9700 §2.4."""
    response = await provider.http.post(
        "/token",
        data={"grant_type": "password", "username": "anna@example.test", "password": "x"},
        auth=provider.rp.basic(),
    )
    assert response.json()["error"] in ("unsupported_grant_type", "unauthorized_client")


async def test_wrong_client_secret_is_invalid_client(provider: Provider) -> None:
    code, _ = await provider.code_for()
    response = await provider.http.post(
        "/token",
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": RP_REDIRECT},
        auth=(provider.rp.client_id, "wrong"),
    )
    assert response.status_code == 401 and response.json()["error"] == "invalid_client"


def _assertion(key: ec.EllipticCurvePrivateKey, client_id: str, *, jti: str | None = None, aud: str) -> str:
    from cryptography.hazmat.primitives import serialization

    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    now = int(time.time())
    claims = {
        "iss": client_id,
        "sub": client_id,
        "aud": aud,
        "iat": now,
        "exp": now + 60,
        "jti": jti or str(uuid.uuid4()),
    }
    return jwt.encode(claims, pem, algorithm="ES256", headers={"kid": "k1"})


async def test_private_key_jwt_and_jti_replay(provider: Provider) -> None:
    from cryptography.hazmat.primitives import serialization

    key = ec.generate_private_key(ec.SECP256R1())
    public_pem = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    public = jwk.construct(public_pem, algorithm="ES256").to_dict()
    public = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in public.items()} | {"kid": "k1"}
    rp = provider.register(
        ClientSpec(
            client_id="rp-keys",
            name="Keys",
            token_endpoint_auth_method="private_key_jwt",
            grant_types=["client_credentials"],
            scopes=["egisz:read"],
            jwks={"keys": [public]},
            default_audience="egisz",
        )
    )
    assertion = _assertion(key, rp.client_id, jti="once", aud="http://testserver/token")
    data = {
        "grant_type": "client_credentials",
        "client_assertion": assertion,
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
    }
    ok = await provider.http.post("/token", data=data)
    assert ok.status_code == 200, ok.text
    replay = await provider.http.post("/token", data=data)
    assert replay.status_code in (400, 401) and replay.json()["error"] == "invalid_client"
    stranger = ec.generate_private_key(ec.SECP256R1())
    forged = {**data, "client_assertion": _assertion(stranger, rp.client_id, aud="http://testserver/token")}
    assert (await provider.http.post("/token", data=forged)).json()["error"] == "invalid_client"
    wrong_aud = {**data, "client_assertion": _assertion(key, rp.client_id, aud="https://elsewhere/token")}
    assert (await provider.http.post("/token", data=wrong_aud)).json()["error"] == "invalid_client"


async def test_introspection_reports_and_is_restricted(provider: Provider) -> None:
    tokens = await provider.tokens(scope="openid offline_access")
    body = await _introspect(provider, tokens["access_token"])
    assert body["active"] is True
    assert body["sub"] == provider.account_sub and body["client_id"] == provider.rp.client_id
    assert body["acr"] == "urn:idp:acr:pwd" and body["amr"] == ["pwd"] and "exp" in body and "scope" in body
    refresh = await provider.http.post(
        "/introspect",
        data={"token": tokens["refresh_token"], "token_type_hint": "refresh_token"},
        auth=provider.rp.basic(),
    )
    assert refresh.json()["active"] is True
    # another client that is no resource server learns nothing
    other = await provider.http.post(
        "/introspect", data={"token": tokens["access_token"]}, auth=provider.other_rp.basic()
    )
    assert other.json() == {"active": False}
    rs = provider.register(
        ClientSpec(
            client_id="rs-egisz", name="RS", grant_types=["client_credentials"], scopes=["introspection"]
        )
    )
    as_rs = await provider.http.post("/introspect", data={"token": tokens["access_token"]}, auth=rs.basic())
    assert as_rs.json()["active"] is True
    anonymous = await provider.http.post("/introspect", data={"token": tokens["access_token"]})
    assert anonymous.status_code == 401
    assert (await provider.http.post("/introspect", data={"token": "garbage"}, auth=rs.basic())).json() == {
        "active": False
    }


async def test_revocation_rfc7009(provider: Provider) -> None:
    tokens = await provider.tokens(scope="openid offline_access")
    response = await provider.http.post(
        "/revoke", data={"token": tokens["access_token"]}, auth=provider.rp.basic()
    )
    assert response.status_code == 200
    assert (await _introspect(provider, tokens["access_token"]))["active"] is False
    info = await provider.http.get("/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert info.status_code == 401
    await provider.http.post(
        "/revoke",
        data={"token": tokens["refresh_token"], "token_type_hint": "refresh_token"},
        auth=provider.rp.basic(),
    )
    refreshed = await provider.http.post(
        "/token",
        data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        auth=provider.rp.basic(),
    )
    assert refreshed.json()["error"] == "invalid_grant"
    # unknown tokens and other clients' tokens: 200 and nothing happens
    assert (
        await provider.http.post("/revoke", data={"token": "nope"}, auth=provider.rp.basic())
    ).status_code == 200
    fresh = await provider.tokens(scope="openid")
    await provider.http.post("/revoke", data={"token": fresh["access_token"]}, auth=provider.other_rp.basic())
    assert (await _introspect(provider, fresh["access_token"]))["active"] is True


async def test_token_responses_are_not_cached(provider: Provider) -> None:
    code, _ = await provider.code_for()
    response = await provider.exchange(code)
    assert response.headers["cache-control"] == "no-store" and response.headers["pragma"] == "no-cache"
    assert isinstance(response, httpx.Response)


async def test_with_the_client_cache_on_introspection_still_sees_revocation_at_once(
    provider: Provider,
) -> None:
    """The in-memory paths (cached client) still read revocation from the database every time."""
    provider.app.state.client_directory._ttl = 300
    rs = provider.register(
        ClientSpec(
            client_id="rs-fast", name="RS", grant_types=["client_credentials"], scopes=["introspection"]
        )
    )
    tokens = await provider.tokens(scope="openid")
    for _ in range(2):  # the second call is served with the client from memory
        body = (
            await provider.http.post("/introspect", data={"token": tokens["access_token"]}, auth=rs.basic())
        ).json()
        assert body["active"] is True and body["sub"] == provider.account_sub
    await provider.http.post("/revoke", data={"token": tokens["access_token"]}, auth=provider.rp.basic())
    body = (
        await provider.http.post("/introspect", data={"token": tokens["access_token"]}, auth=rs.basic())
    ).json()
    assert body == {"active": False}
    wrong = await provider.http.post(
        "/introspect", data={"token": tokens["access_token"]}, auth=("rs-fast", "nope")
    )
    assert wrong.status_code == 401
