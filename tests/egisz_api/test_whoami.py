"""egisz_api rejects requests without a valid idp JWT for its own audience."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import httpx
import pytest

from tests.conftest import LiveIdp, running


@pytest.fixture
async def egisz(make_db: Callable[..., str], live_idp: LiveIdp) -> AsyncIterator[httpx.AsyncClient]:
    from egisz_api.main import create_app
    from egisz_api.settings import EgiszSettings

    settings = EgiszSettings(
        database_url=make_db("egisz_api"),
        dev_mode=True,
        idp_issuer=live_idp.base_url,
        idp_jwks_url=f"{live_idp.base_url}/.well-known/jwks.json",
    )
    async with running(create_app(settings)) as client:
        yield client


async def test_whoami_with_an_egisz_token_records_the_access(
    egisz: httpx.AsyncClient, live_idp: LiveIdp
) -> None:
    headers = {"Authorization": f"Bearer {live_idp.token('egisz-caller')}"}
    first = await egisz.get("/api/v1/whoami", headers=headers)
    assert first.status_code == 200, first.text
    assert first.json()["subject"] == "egisz-caller" and first.json()["scope"] == ["egisz:read"]
    second = (await egisz.get("/api/v1/whoami", headers=headers)).json()
    assert len(second["recent_access"]) == 2


async def test_without_token_or_with_a_notifier_token_it_is_401(
    egisz: httpx.AsyncClient, live_idp: LiveIdp
) -> None:
    assert (await egisz.get("/api/v1/whoami")).status_code == 401
    headers = {"Authorization": f"Bearer {live_idp.token('notifier-caller')}"}
    response = await egisz.get("/api/v1/whoami", headers=headers)
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_token"
