"""POST /v1/messages is open only to idp-signed tokens whose audience is the notifier."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from tests.conftest import LiveIdp, running

MESSAGE = {
    "template": "otp_code",
    "locale": "ru",
    "params": {"code": "123456"},
    "recipient": {"email": "citizen@example.test"},
    "channels": ["email"],
}


@pytest.fixture
async def notifier(make_db: Callable[..., str], live_idp: LiveIdp) -> AsyncIterator[httpx.AsyncClient]:
    from notifier.main import create_app
    from notifier.settings import NotifierSettings

    settings = NotifierSettings(
        database_url=make_db("notifier"),
        dev_mode=True,
        idp_issuer=live_idp.base_url,
        idp_jwks_url=f"{live_idp.base_url}/.well-known/jwks.json",
        dispatcher_enabled=False,  # accepting only: the message stays queued
    )
    async with running(create_app(settings)) as client:
        yield client


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_accepts_a_notifier_token_and_shows_the_message_to_its_sender(
    notifier: httpx.AsyncClient, live_idp: LiveIdp
) -> None:
    token = live_idp.token("notifier-caller")
    response = await notifier.post("/v1/messages", json=MESSAGE, headers=_bearer(token))
    assert response.status_code == 202, response.text
    message_id = response.json()["id"]
    status = await notifier.get(f"/v1/messages/{message_id}", headers=_bearer(token))
    assert status.status_code == 200 and status.json()["status"] == "queued"


async def test_a_token_for_another_audience_is_refused(
    notifier: httpx.AsyncClient, live_idp: LiveIdp
) -> None:
    token = live_idp.token("egisz-caller")
    response = await notifier.post("/v1/messages", json=MESSAGE, headers=_bearer(token))
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["www-authenticate"]
    assert response.json()["code"] == "invalid_token"


@pytest.mark.parametrize(
    ("headers", "status", "code"),
    [
        ({}, 401, "missing_token"),
        ({"Authorization": "Basic abc"}, 400, "invalid_request"),
        ({"Authorization": "Bearer not.a.jwt"}, 401, "invalid_token"),
    ],
)
async def test_missing_or_malformed_credentials(
    notifier: httpx.AsyncClient, headers: dict[str, str], status: int, code: str
) -> None:
    response = await notifier.post("/v1/messages", json=MESSAGE, headers=headers)
    assert response.status_code == status
    assert response.json()["code"] == code
    assert response.headers["www-authenticate"].startswith('Bearer realm="notifier"')


async def test_another_callers_message_is_not_found(notifier: httpx.AsyncClient, live_idp: LiveIdp) -> None:
    live_idp.register("second-caller", scopes=["notify:send"], audience="notifier")
    first = live_idp.token("notifier-caller")
    created = await notifier.post("/v1/messages", json=MESSAGE, headers=_bearer(first))
    other = live_idp.token("second-caller")
    response = await notifier.get(f"/v1/messages/{created.json()['id']}", headers=_bearer(other))
    assert response.status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {**MESSAGE, "channels": ["sms"]},
        {**MESSAGE, "channels": []},
        {**MESSAGE, "recipient": {"phone": "89161234567"}, "channels": ["sms"]},
        {**MESSAGE, "unknown": 1},
    ],
)
async def test_bad_bodies_are_422(
    notifier: httpx.AsyncClient, live_idp: LiveIdp, body: dict[str, Any]
) -> None:
    response = await notifier.post(
        "/v1/messages", json=body, headers=_bearer(live_idp.token("notifier-caller"))
    )
    assert response.status_code == 422
    assert response.json()["code"] == "validation_failed"
