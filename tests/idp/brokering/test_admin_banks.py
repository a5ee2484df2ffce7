"""The banks' admin API (``/admin/banks``, docs/bank-id.md): a bank added through it works like one
from the settings (a whole login against the real oidc-provider), its secret never comes back,
removing it removes its links, and every change is an admin action in the security log."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from idp.accounts.service import create_account
from idp.audit.models import SecurityEvent
from idp.brokering.models import BankLink
from idp.clients.service import ClientSpec, register_client
from tests.conftest import running
from tests.idp.brokering.conftest import CLIENT_SECRET, Bank, BankBrowser
from tests.idp.conftest import CITIZEN


@pytest.fixture
async def admin_idp(
    bank: Bank, make_idp: Callable[..., FastAPI]
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient, dict[str, str]]]:
    app = make_idp([bank.provider(id="settingsbank")])
    async with running(app) as http:
        with app.state.session_factory() as session:
            _, secret = register_client(
                session,
                app.state.secret_hasher,
                ClientSpec(client_id="admin", name="Admin", scopes=["admin"]),
            )
            session.commit()
        token = await http.post(
            "/token",
            data={"grant_type": "client_credentials", "scope": "admin"},
            auth=("admin", secret or ""),
        )
        yield app, http, {"Authorization": f"Bearer {token.json()['access_token']}"}


def _admin_actions(app: FastAPI) -> list[dict[str, Any]]:
    with app.state.session_factory() as session:
        events = session.scalars(select(SecurityEvent).where(SecurityEvent.event_type == "admin_action"))
        return [e.details for e in events]


async def test_a_bank_added_by_the_api_signs_people_in_and_its_removal_unlinks_them(
    admin_idp: tuple[FastAPI, httpx.AsyncClient, dict[str, str]], bank: Bank
) -> None:
    app, http, admin = admin_idp
    body = bank.provider(id="apibank", name_ru="АПИ-Банк", name_en="API Bank")
    added = await http.post("/admin/banks", json=body, headers=admin)
    assert added.status_code == 201, added.text
    assert "client_secret" not in added.json() and added.json()["source"] == "admin"
    listed = (await http.get("/admin/banks", headers=admin)).json()
    assert [(b["id"], b["source"]) for b in listed] == [("settingsbank", "settings"), ("apibank", "admin")]
    assert CLIENT_SECRET not in str(listed)
    with app.state.session_factory() as session:
        create_account(session, app.state.field_cipher, CITIZEN)
        session.commit()
    browser = BankBrowser(http)
    try:
        response = await browser.back(await browser.to_bank("citizen", bank_id="apibank"))
    finally:
        await browser.aclose()
    assert response.status_code == 303 and response.headers["location"] == "/account"
    removed = await http.delete("/admin/banks/apibank", headers=admin)
    assert removed.status_code == 204
    with app.state.session_factory() as session:
        assert list(session.scalars(select(BankLink))) == []
    assert (await http.get("/login/bank/start", params={"bank": "apibank"})).status_code == 404
    actions = [d for d in _admin_actions(app) if d["action"].startswith("bank_")]
    assert actions == [
        {"action": "bank_added", "admin_client_id": "admin", "bank": "apibank", "issuer": bank.issuer},
        {"action": "bank_removed", "admin_client_id": "admin", "bank": "apibank", "links_removed": 1},
    ]


async def test_the_admin_api_refuses_what_it_cannot_do(
    admin_idp: tuple[FastAPI, httpx.AsyncClient, dict[str, str]], bank: Bank
) -> None:
    _, http, admin = admin_idp
    assert (await http.get("/admin/banks")).status_code == 401
    duplicate = await http.post("/admin/banks", json=bank.provider(id="settingsbank"), headers=admin)
    assert duplicate.status_code == 409 and duplicate.json()["code"] == "bank_exists"
    in_settings = await http.delete("/admin/banks/settingsbank", headers=admin)
    assert in_settings.status_code == 409 and in_settings.json()["code"] == "bank_in_settings"
    missing = await http.delete("/admin/banks/nobank", headers=admin)
    assert missing.status_code == 404 and missing.json()["code"] == "bank_not_found"
    bad = await http.post("/admin/banks", json={**bank.provider(), "id": "Not An Id"}, headers=admin)
    assert bad.status_code == 422
    assert bad.headers["content-type"].startswith("application/problem+json")


async def test_a_private_key_jwt_bank_added_by_the_api_signs_in_and_its_key_never_comes_back(
    admin_idp: tuple[FastAPI, httpx.AsyncClient, dict[str, str]], bank: Bank
) -> None:
    from idp.brokering.models import BankProviderRecord
    from tests.idp.brokering.conftest import JWT_KEY_PEM

    app, http, admin = admin_idp
    body = bank.jwt_provider(id="jwtbank", name_ru="JWT-Банк", name_en="JWT Bank")
    body.pop("client_secret")
    added = await http.post("/admin/banks", json=body, headers=admin)
    assert added.status_code == 201, added.text
    assert added.json()["token_endpoint_auth_method"] == "private_key_jwt"
    listed = str((await http.get("/admin/banks", headers=admin)).json())
    pem_body = JWT_KEY_PEM.splitlines()[1]
    assert "private_key'" not in listed and pem_body not in listed and pem_body not in added.text
    with app.state.session_factory() as session:
        [record] = session.scalars(select(BankProviderRecord).where(BankProviderRecord.bank == "jwtbank"))
        assert pem_body not in record.config and pem_body not in record.client_secret_encrypted
        create_account(session, app.state.field_cipher, CITIZEN)
        session.commit()
    browser = BankBrowser(http)
    try:
        response = await browser.back(await browser.to_bank("citizen", bank_id="jwtbank"))
    finally:
        await browser.aclose()
    assert response.status_code == 303 and response.headers["location"] == "/account"
    # a private_key_jwt bank without a key, or with something that is not an RSA PEM: 422
    for broken in ({**body, "id": "nokey", "private_key": None}, {**body, "id": "junk", "private_key": "x"}):
        assert (await http.post("/admin/banks", json=broken, headers=admin)).status_code == 422
