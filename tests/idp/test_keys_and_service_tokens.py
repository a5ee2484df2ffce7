"""The idp's first feature: a JWKS from keys made on first start, and service tokens."""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any

import httpx
import pytest
from jose import jwt
from sqlalchemy import select

from idp.clients.secrets import SecretHasher
from idp.clients.service import ClientSpec, register_client
from idp.keys import service as keys_service
from idp.keys.crypto import KeyEncryptor
from idp.keys.models import SigningKey


def _register(app: Any, **kwargs: Any) -> tuple[str, str]:
    spec = ClientSpec(
        client_id=kwargs.pop("client_id", "svc"),
        name="svc",
        grant_types=["client_credentials"],
        scopes=["notify:send", "egisz:read"],
        default_audience="notifier",
        audiences=["notifier", "egisz"],
        **kwargs,
    )
    with app.state.session_factory() as session:
        client, secret = register_client(session, app.state.secret_hasher, spec)
        session.commit()
    assert secret is not None
    return client.client_id, secret


def _basic(client_id: str, secret: str) -> dict[str, str]:
    raw = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {raw}"}


async def test_first_start_generates_a_current_key_per_algorithm_and_publishes_it(idp: Any) -> None:
    app, client = idp
    response = await client.get("/.well-known/jwks.json")
    assert response.status_code == 200
    keys = response.json()["keys"]
    # the ESIA face's GOST key is made too, but published as a file, not in the JWKS (docs/esia.md)
    assert sorted(k["alg"] for k in keys) == ["ES256", "RS256"]
    for key in keys:
        assert key["use"] == "sig"
        assert "d" not in key and "p" not in key  # never a private member
    with app.state.session_factory() as session:
        rows = session.scalars(select(SigningKey)).all()
    assert {r.state for r in rows} == {"current"}


async def test_private_key_is_stored_encrypted_under_the_kek(idp: Any) -> None:
    app, _ = idp
    with app.state.session_factory() as session:
        row = session.scalars(select(SigningKey).where(SigningKey.alg == "RS256")).one()
    # PKCS#8 DER starts with a SEQUENCE header; ciphertext must not look like it nor contain it.
    assert not row.private_key_encrypted.startswith(b"\x30\x82")
    wrong = KeyEncryptor("another-key-encryption-key-0123456789abcdef")
    with pytest.raises(Exception, match=r".*"):
        wrong.open(row.private_key_encrypted, f"{row.kid}|{row.alg}".encode())


async def test_rotation_publishes_next_then_keeps_previous_until_retired(idp: Any) -> None:
    app, client = idp
    encryptor = app.state.key_encryptor
    with app.state.session_factory() as session:
        old_kid = session.scalars(
            select(SigningKey.kid).where(SigningKey.alg == "RS256", SigningKey.state == "current")
        ).one()
        nxt = keys_service.add_next_key(session, encryptor, "RS256")
        session.commit()
        next_kid = nxt.kid
    kids = {k["kid"] for k in (await client.get("/.well-known/jwks.json")).json()["keys"]}
    assert {old_kid, next_kid} <= kids

    with app.state.session_factory() as session:
        keys_service.promote_next_key(session, "RS256")
        # tokens signed by the old key may still be alive: it must stay published
        assert keys_service.retire_expired_previous_keys(session, "RS256", dt.timedelta(hours=1)) == []
        session.commit()
    client_id, secret = _register(app)
    token = (
        await client.post(
            "/token", data={"grant_type": "client_credentials"}, headers=_basic(client_id, secret)
        )
    ).json()["access_token"]
    assert jwt.get_unverified_header(token)["kid"] == next_kid
    kids = {k["kid"] for k in (await client.get("/.well-known/jwks.json")).json()["keys"]}
    assert old_kid in kids

    with app.state.session_factory() as session:
        assert keys_service.retire_expired_previous_keys(session, "RS256", dt.timedelta(0)) == [old_kid]
        session.commit()
    kids = {k["kid"] for k in (await client.get("/.well-known/jwks.json")).json()["keys"]}
    assert old_kid not in kids and next_kid in kids


async def test_client_credentials_issues_an_rfc9068_access_token(idp: Any) -> None:
    app, client = idp
    client_id, secret = _register(app)
    response = await client.post(
        "/token",
        data={"grant_type": "client_credentials", "scope": "notify:send"},
        headers=_basic(client_id, secret),
    )
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["token_type"] == "Bearer" and body["scope"] == "notify:send"
    header = jwt.get_unverified_header(body["access_token"])
    assert header["typ"] == "at+jwt" and header["alg"] == "RS256"
    jwks = (await client.get("/.well-known/jwks.json")).json()
    key = next(k for k in jwks["keys"] if k["kid"] == header["kid"])
    claims = jwt.decode(body["access_token"], key, algorithms=["RS256"], audience="notifier")
    assert claims["iss"] == app.state.settings.issuer
    assert claims["sub"] == claims["client_id"] == client_id
    assert claims["exp"] - claims["iat"] == body["expires_in"]


async def test_client_secret_post_and_resource_indicator_pick_the_audience(idp: Any) -> None:
    app, client = idp
    client_id, secret = _register(app, token_endpoint_auth_method="client_secret_post")
    response = await client.post(
        "/token",
        data={
            "grant_type": "client_credentials",
            "client_id": client_id,
            "client_secret": secret,
            "resource": "egisz",
        },
    )
    assert response.status_code == 200, response.text
    assert jwt.get_unverified_claims(response.json()["access_token"])["aud"] == "egisz"


@pytest.mark.parametrize(
    ("form", "auth", "status", "error"),
    [
        ({"grant_type": "client_credentials"}, ("svc", "wrong-secret"), 401, "invalid_client"),
        ({"grant_type": "client_credentials"}, ("nobody", "x"), 401, "invalid_client"),
        ({"grant_type": "client_credentials"}, None, 401, "invalid_client"),
        ({"grant_type": "password", "username": "a", "password": "b"}, "ok", 400, "unsupported_grant_type"),
        ({"grant_type": "client_credentials", "resource": "elsewhere"}, "ok", 400, "invalid_target"),
        ({"grant_type": "client_credentials", "scope": "admin"}, "ok", 400, "invalid_scope"),
    ],
)
async def test_token_endpoint_errors_follow_rfc6749_section_5_2(
    idp: Any, form: dict[str, str], auth: Any, status: int, error: str
) -> None:
    app, client = idp
    client_id, secret = _register(app)
    headers = {}
    if auth == "ok":
        headers = _basic(client_id, secret)
    elif auth is not None:
        headers = _basic(*auth)
    response = await client.post("/token", data=form, headers=headers)
    assert response.status_code == status, response.text
    assert response.json()["error"] == error


async def test_client_secret_is_stored_as_a_keyed_hash(idp: Any) -> None:
    app, _ = idp
    client_id, secret = _register(app)
    from idp.clients.models import Client

    with app.state.session_factory() as session:
        row = session.scalars(select(Client).where(Client.client_id == client_id)).one()
    assert secret not in (row.secret_hash or "")
    assert row.secret_hash == SecretHasher(app.state.settings.client_secret_pepper.get_secret_value()).hash(
        secret
    )


async def test_token_endpoint_is_post_only(idp: Any) -> None:
    _, client = idp
    response = await client.get("/token")
    assert response.status_code == 405
    assert response.headers["content-type"].startswith("application/problem+json")
    assert isinstance(response, httpx.Response)
