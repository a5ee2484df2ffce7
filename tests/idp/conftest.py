"""Fixtures for the OpenID provider: a running idp, a citizen, registered relying parties, and a
scripted browser that follows the login and consent pages like a person would."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import re
import secrets
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from fastapi import FastAPI

from idp.accounts.service import NewAccount, create_account
from idp.clients.service import ClientSpec, register_client
from tests.conftest import idp_settings, running

ISSUER = "http://testserver"
RP_REDIRECT = "https://rp.example.test/cb"
RP_LOGOUT = "https://rp.example.test/logged-out"
PASSWORD = "Correct-Horse-9"
CITIZEN = NewAccount(
    last_name="Петрова",
    first_name="Анна",
    middle_name="Сергеевна",
    birth_date=dt.date(1990, 1, 2),
    gender="F",
    email="anna@example.test",
    phone="+79161112233",
    snils="112-233-445 95",
    password=PASSWORD,
    # contacts unconfirmed, so the protocol tests need no second factor (tests/idp/test_login_flows.py
    # covers the code step through a real notifier)
)


#: the FHIR Patient of CITIZEN (by SNILS) in the tests' patient directory
CITIZEN_PATIENT = "pat-petrova"


class SnilsPatients:
    """The patient directory of the in-process idp: SNILS digits → Patient id, as the EGISZ FHIR
    server answers it (tests/integration/test_smart_standalone_launch.py asks the real one).
    ``down`` makes it answer like an unreachable server."""

    def __init__(self, patients: dict[str, str]) -> None:
        self.patients = patients
        self.asked: list[str] = []
        self.down = False

    def patient_by_snils(self, snils_digits: str, subject: str) -> str | None:
        from idp.smart.client import PatientDirectoryUnavailableError

        self.asked.append(snils_digits)
        if self.down:
            raise PatientDirectoryUnavailableError("down")
        return self.patients.get(snils_digits)


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


@dataclass
class Rp:
    client_id: str
    secret: str | None
    redirect_uri: str = RP_REDIRECT

    def basic(self) -> tuple[str, str]:
        assert self.secret
        return (self.client_id, self.secret)


@dataclass
class Provider:
    app: FastAPI
    http: httpx.AsyncClient
    rp: Rp
    public_rp: Rp
    other_rp: Rp
    account_sub: str
    extras: dict[str, Any] = field(default_factory=dict)

    def register(self, spec: ClientSpec) -> Rp:
        with self.app.state.session_factory() as session:
            client, secret = register_client(session, self.app.state.secret_hasher, spec)
            session.commit()
        return Rp(client.client_id, secret, spec.redirect_uris[0] if spec.redirect_uris else RP_REDIRECT)

    def auth_params(self, rp: Rp | None = None, **extra: str | None) -> dict[str, str]:
        rp = rp or self.rp
        params: dict[str, str | None] = {
            "response_type": "code",
            "client_id": rp.client_id,
            "redirect_uri": rp.redirect_uri,
            "scope": "openid profile email",
            "state": secrets.token_urlsafe(8),
            "nonce": secrets.token_urlsafe(8),
        }
        params.update(extra)
        return {k: v for k, v in params.items() if v is not None}

    async def login(
        self,
        params: dict[str, str],
        *,
        password: str = PASSWORD,
        consent: bool = True,
        login: str = CITIZEN.email or "",
    ) -> httpx.Response:
        """Drive /authorize through the pages; returns the final redirect back to the RP."""
        response = await self.http.get("/authorize", params=params)
        for _ in range(10):
            if response.status_code not in (302, 303):
                return response
            location = response.headers["location"]
            if not location.startswith("/"):
                return response
            path = urlsplit(location).path
            page = await self.http.get(location)
            if path == "/login":
                token = _csrf(page.text)
                handle = parse_qs(urlsplit(location).query)["i"][0]
                response = await self.http.post(
                    "/login",
                    data={"login": login, "password": password, "csrf_token": token, "interaction": handle},
                )
            elif path == "/consent":
                token = _csrf(page.text)
                handle = parse_qs(urlsplit(location).query)["i"][0]
                response = await self.http.post(
                    "/consent",
                    data={
                        "decision": "allow" if consent else "deny",
                        "csrf_token": token,
                        "interaction": handle,
                    },
                )
            else:
                response = page
        raise AssertionError("too many hops")

    async def code_for(self, rp: Rp | None = None, **extra: str | None) -> tuple[str, dict[str, str]]:
        params = self.auth_params(rp, **extra)
        response = await self.login(params)
        assert response.status_code in (302, 303), response.text
        query = callback_params(response)
        assert "code" in query, query
        return query["code"], params

    async def exchange(self, code: str, rp: Rp | None = None, **extra: str) -> httpx.Response:
        rp = rp or self.rp
        data = {"grant_type": "authorization_code", "code": code, "redirect_uri": rp.redirect_uri, **extra}
        if rp.secret:
            return await self.http.post("/token", data=data, auth=rp.basic())
        return await self.http.post("/token", data={**data, "client_id": rp.client_id})

    async def tokens(self, rp: Rp | None = None, **extra: str | None) -> dict[str, Any]:
        code, _ = await self.code_for(rp, **extra)
        response = await self.exchange(code, rp)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def jwks(self) -> dict[str, Any]:
        data: dict[str, Any] = (await self.http.get("/.well-known/jwks.json")).json()
        return data


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, html
    return match.group(1)


def callback_params(response: httpx.Response) -> dict[str, str]:
    location = response.headers["location"]
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def decode(token: str, jwks: dict[str, Any], audience: str | None = None) -> dict[str, Any]:
    from jose import jwt

    header = jwt.get_unverified_header(token)
    key = next(k for k in jwks["keys"] if k["kid"] == header["kid"])
    options = {"verify_aud": audience is not None, "verify_at_hash": False}
    claims: dict[str, Any] = jwt.decode(
        token, key, algorithms=[header["alg"]], audience=audience, issuer=ISSUER, options=options
    )
    return claims


@pytest.fixture
async def provider(make_db: Callable[..., str]) -> AsyncIterator[Provider]:
    from idp.main import create_app

    patients = SnilsPatients({"11223344595": CITIZEN_PATIENT})
    app = create_app(idp_settings(make_db("idp"), issuer=ISSUER), patient_directory=patients)
    async with running(app) as http:
        with app.state.session_factory() as session:
            account = create_account(session, app.state.field_cipher, CITIZEN)
            session.commit()
            sub = account.sub
        stub = Provider(app, http, Rp("", None), Rp("", None), Rp("", None), sub, {"patients": patients})
        stub.rp = stub.register(
            ClientSpec(
                client_id="rp-web",
                name="Поликлиника онлайн",
                grant_types=["authorization_code", "refresh_token"],
                scopes=["openid", "profile", "email", "phone", "address", "snils", "offline_access"],
                redirect_uris=[RP_REDIRECT],
                post_logout_redirect_uris=[RP_LOGOUT],
                backchannel_logout_uri="http://127.0.0.1:9/backchannel",
                default_audience="egisz",
                audiences=["egisz"],
            )
        )
        stub.public_rp = stub.register(
            ClientSpec(
                client_id="rp-spa",
                name="SPA",
                client_type="public",
                token_endpoint_auth_method="none",
                grant_types=["authorization_code", "refresh_token"],
                scopes=["openid", "profile", "offline_access"],
                redirect_uris=["http://127.0.0.1:5173/cb"],
            )
        )
        stub.other_rp = stub.register(
            ClientSpec(
                client_id="rp-other",
                name="Other",
                grant_types=["authorization_code", "refresh_token"],
                scopes=["openid", "profile", "offline_access"],
                redirect_uris=["https://other.example.test/cb"],
                post_logout_redirect_uris=["https://other.example.test/bye"],
            )
        )
        yield stub


def query(params: dict[str, str]) -> str:
    return urlencode(params)
