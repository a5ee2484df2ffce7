"""The bank for the bank-ID tests: panva's oidc-provider (tests/bank_provider/server.mjs) as a real
Node.js process on a loopback port, with people whose claims the tests rely on, and an in-process
idp configured as its client. ``BankBrowser`` follows the redirects like a browser: the idp's
pages through the in-process client, the bank's over real HTTP (its devInteractions login form)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi import FastAPI

from tests.conftest import idp_settings, running
from tests.live import free_port, wait_ready

ROOT = Path(__file__).resolve().parents[3]
BANK_DIR = ROOT / "tests/bank_provider"
ISSUER = "http://testserver"
CALLBACK = f"{ISSUER}/login/bank/callback"
CLIENT_ID = "idp-test"
CLIENT_SECRET = "idp-test-secret-at-the-bank-0123456789abcdef"
#: the idp's second client at the bank, authenticating with private_key_jwt (RFC 7523)
JWT_CLIENT_ID = "idp-test-jwt"
JWT_KID = "idp-at-bank-1"


def _rsa_pem() -> tuple[str, dict[str, Any]]:
    """A fresh RSA key: its PEM (the idp's setting) and its public JWK (registered at the bank)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from joserfc.jwk import RSAKey

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = RSAKey.import_key(pem).as_dict(private=False)
    return pem, {**public, "kid": JWT_KID, "alg": "RS256", "use": "sig"}


JWT_KEY_PEM, JWT_PUBLIC_JWK = _rsa_pem()

#: the bank's customers (login → claims); the idp's accounts are made per test
BANK_PEOPLE: dict[str, dict[str, Any]] = {
    # the SNILS and phone of tests/idp/conftest.CITIZEN, both checked by the bank
    "citizen": {
        "family_name": "Петрова",
        "given_name": "Анна",
        "middle_name": "Сергеевна",
        "birthdate": "1990-01-02",
        "snils": "112-233-445 95",
        "snils_verified": True,
        "phone_number": "+79161112233",
        "phone_number_verified": True,
    },
    # no SNILS; a phone some account has confirmed
    "phone-only": {
        "family_name": "Кузнецов",
        "given_name": "Павел",
        "phone_number": "+79165550001",
        "phone_number_verified": True,
    },
    # nobody the idp knows
    "newcomer": {
        "family_name": "Новикова",
        "given_name": "Ольга",
        "middle_name": "Петровна",
        "birthdate": "1992-03-08",
        "snils": "12345678964",
        "snils_verified": True,
        "phone_number": "+79165550002",
        "phone_number_verified": True,
    },
    # CITIZEN's SNILS, but the bank did not check it
    "unverified": {
        "family_name": "Смирнов",
        "given_name": "Олег",
        "birthdate": "1980-01-01",
        "snils": "11223344595",
        "snils_verified": False,
        "phone_number": "+79165550003",
        "phone_number_verified": False,
    },
}


@dataclass(frozen=True)
class Bank:
    issuer: str

    def provider(self, **overrides: Any) -> dict[str, Any]:
        values: dict[str, Any] = {
            "id": "testbank",
            "name_ru": "Тест-Банк",
            "name_en": "Test Bank",
            "issuer": self.issuer,
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "scopes": "openid profile phone snils",
        }
        values.update(overrides)
        return values

    def jwt_provider(self, private_key: str = JWT_KEY_PEM, **overrides: Any) -> dict[str, Any]:
        """The same bank through the idp's private_key_jwt client."""
        values = self.provider(
            client_id=JWT_CLIENT_ID,
            client_secret=None,
            token_endpoint_auth_method="private_key_jwt",
            private_key=private_key,
            private_key_id=JWT_KID,
        )
        values.update(overrides)
        return values


@pytest.fixture(scope="module")
def bank(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bank]:
    node = shutil.which("node")
    if node is None:
        pytest.skip("Node.js is not installed: no bank provider (make test installs its package)")
    assert (BANK_DIR / "node_modules/oidc-provider").is_dir(), "run `make bank-deps` (npm ci)"
    people = tmp_path_factory.mktemp("bank") / "people.json"
    people.write_text(json.dumps(BANK_PEOPLE, ensure_ascii=False), encoding="utf-8")
    port = free_port()
    env = {
        "PATH": str(Path(node).parent),
        "PORT": str(port),
        "CLIENT_ID": CLIENT_ID,
        "CLIENT_SECRET": CLIENT_SECRET,
        "REDIRECT_URI": CALLBACK,
        "JWT_CLIENT_ID": JWT_CLIENT_ID,
        "JWT_CLIENT_JWKS": json.dumps({"keys": [JWT_PUBLIC_JWK]}),
        "ACCOUNTS_FILE": str(people),
        "QUIET": "1",
    }
    process = subprocess.Popen(
        [node, "server.mjs"], cwd=BANK_DIR, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    issuer = f"http://127.0.0.1:{port}"
    try:
        wait_ready(f"{issuer}/.well-known/openid-configuration")
        yield Bank(issuer)
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def make_idp(make_db: Callable[..., str]) -> Callable[..., Any]:
    """An in-process idp whose banks are ``providers`` (dicts of BankProvider fields)."""
    from idp.main import create_app

    def build(providers: list[dict[str, Any]], **overrides: Any) -> FastAPI:
        return create_app(idp_settings(make_db("idp"), issuer=ISSUER, bank_providers=providers, **overrides))

    return build


@pytest.fixture
async def bank_idp(
    bank: Bank, make_idp: Callable[..., FastAPI]
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    app = make_idp([bank.provider()])
    async with running(app) as http:
        yield app, http


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, html
    return match.group(1)


class BankBrowser:
    """One browser: its idp cookies live in ``idp`` (an in-process client), the bank's in its own
    client. ``to_bank`` leaves from ``/login/bank/start`` and logs in at the bank as ``person``;
    it returns the URL the bank sends the browser back to (the idp's callback, not yet opened)."""

    def __init__(self, idp: httpx.AsyncClient) -> None:
        self.idp = idp
        self.bank = httpx.AsyncClient(timeout=30)

    async def to_bank(self, person: str, bank_id: str = "testbank", **query: str) -> str:
        start = await self.idp.get("/login/bank/start", params={"bank": bank_id, **query})
        assert start.status_code == 303, start.text
        location = start.headers["location"]
        for _ in range(12):
            if location.startswith(CALLBACK):
                return location
            response = await self.bank.get(location)
            if "/interaction/" in urlsplit(location).path and response.status_code == 200:
                assert 'name="prompt" value="login"' in response.text, response.text
                response = await self.bank.post(
                    location, data={"prompt": "login", "login": person, "password": "any"}
                )
            assert response.status_code in (302, 303), response.text
            location = str(response.url.join(response.headers["location"]))
        raise AssertionError("the bank never sent the browser back")

    async def back(self, callback_url: str) -> httpx.Response:
        """Open the idp's callback URL (as the bank's redirect would)."""
        parts = urlsplit(callback_url)
        return await self.idp.get(f"{parts.path}?{parts.query}")

    async def login(self, person: str) -> httpx.Response:
        return await self.back(await self.to_bank(person))

    async def aclose(self) -> None:
        await self.bank.aclose()


@pytest.fixture
async def browser(bank_idp: tuple[FastAPI, httpx.AsyncClient]) -> AsyncIterator[BankBrowser]:
    b = BankBrowser(bank_idp[1])
    yield b
    await b.aclose()
