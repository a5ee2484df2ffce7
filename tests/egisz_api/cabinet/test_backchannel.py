"""OpenID Connect Back-Channel Logout 1.0 §2.6 at ``POST /esia/backchannel-logout``: a valid logout
token from the idp ends the cabinet sessions of its ``sid``; every other token is refused with 400
and ends nothing (wrong audience, issuer, signature, type, events, a nonce, a replayed jti)."""

from __future__ import annotations

import time
import uuid
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI
from jose import jwt

from tests.egisz_api.cabinet.conftest import Issuer
from tests.egisz_api.cabinet.support import log_in

EVENT = "http://schemas.openid.net/event/backchannel-logout"
SNILS = "11223344595"


def logout_token(
    issuer: Issuer, *, key_pem: str | None = None, typ: str = "logout+jwt", **claims: Any
) -> str:
    now = int(time.time())
    body = {
        "iss": issuer.url,
        "aud": "EGISZ",
        "sub": "account-sub",
        "sid": "sid-1",
        "iat": now,
        "exp": now + 120,
        "jti": uuid.uuid4().hex,
        "events": {EVENT: {}},
        **claims,
    }
    body = {k: v for k, v in body.items() if v is not None}
    return jwt.encode(
        body, key_pem or issuer.key_pem.decode(), algorithm="RS256", headers={"kid": issuer.kid, "typ": typ}
    )


async def _post(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.post("/esia/backchannel-logout", data={"logout_token": token})


async def test_a_logout_token_for_the_sid_ends_that_cabinet_session_only(
    client: httpx.AsyncClient, cabinet_app: FastAPI, issuer: Issuer
) -> None:
    log_in(client, cabinet_app, patient_id="p1", snils=SNILS, idp_sid="sid-1")
    other = httpx.AsyncClient(
        transport=client._transport, base_url="http://testserver", headers={"Accept": "text/html"}
    )
    log_in(other, cabinet_app, patient_id="p2", snils="12345678964", idp_sid="sid-2", oid="2")
    response = await _post(client, logout_token(issuer))
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    page = await client.get("/cabinet")
    assert "Сессия истекла" in page.text and "госуслугах" in page.text
    assert (await other.get("/cabinet")).text.count("Сессия истекла") == 0
    await other.aclose()


def _stranger_key() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


BAD_TOKENS = {
    "wrong-aud": {"aud": "OTHER"},
    "wrong-iss": {"iss": "http://evil.example"},
    "no-events": {"events": None},
    "other-event": {"events": {"http://schemas.openid.net/event/other": {}}},
    "nonce": {"nonce": "n-1"},
    "no-sid-no-sub": {"sid": None, "sub": None},
    "expired": {"exp": int(time.time()) - 3600, "iat": int(time.time()) - 3700},
    "no-jti": {"jti": None},
}


@pytest.mark.parametrize("name", list(BAD_TOKENS))
async def test_a_bad_logout_token_is_refused_and_ends_nothing(
    client: httpx.AsyncClient, cabinet_app: FastAPI, issuer: Issuer, name: str
) -> None:
    log_in(client, cabinet_app, patient_id="p1", snils=SNILS, idp_sid="sid-1")
    response = await _post(client, logout_token(issuer, **BAD_TOKENS[name]))
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"
    assert (await client.get("/cabinet")).status_code == 200  # still logged in


async def test_a_logout_token_signed_by_a_stranger_key_is_refused(
    client: httpx.AsyncClient, cabinet_app: FastAPI, issuer: Issuer
) -> None:
    log_in(client, cabinet_app, patient_id="p1", snils=SNILS, idp_sid="sid-1")
    response = await _post(client, logout_token(issuer, key_pem=_stranger_key()))
    assert response.status_code == 400
    assert (await client.get("/cabinet")).status_code == 200


async def test_an_id_token_typed_token_is_not_a_logout_token(
    client: httpx.AsyncClient, cabinet_app: FastAPI, issuer: Issuer
) -> None:
    log_in(client, cabinet_app, patient_id="p1", snils=SNILS, idp_sid="sid-1")
    assert (await _post(client, logout_token(issuer, typ="JWT"))).status_code == 400
    assert (await _post(client, "not-a-jwt")).status_code == 400
    assert (await _post(client, "")).status_code == 400


async def test_a_replayed_logout_token_is_refused(
    client: httpx.AsyncClient, cabinet_app: FastAPI, issuer: Issuer
) -> None:
    token = logout_token(issuer, sid="sid-9")
    assert (await _post(client, token)).status_code == 200
    log_in(client, cabinet_app, patient_id="p1", snils=SNILS, idp_sid="sid-9")
    replay = await _post(client, token)
    assert replay.status_code == 400 and "already used" in replay.json()["error_description"]
    assert (await client.get("/cabinet")).status_code == 200
