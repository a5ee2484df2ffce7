"""An idp with an admin client, and the admin's bearer header."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from idp.clients.service import ClientSpec
from tests.idp.conftest import Provider, Rp


@dataclass
class Admin:
    provider: Provider
    client: Rp
    headers: dict[str, str]


async def admin_token(provider: Provider, rp: Rp) -> dict[str, str]:
    response = await provider.http.post(
        "/token", data={"grant_type": "client_credentials", "scope": "admin"}, auth=rp.basic()
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


@pytest.fixture
async def admin(provider: Provider) -> Admin:
    rp = provider.register(
        ClientSpec(client_id="ops-console", name="Ops", scopes=["admin"], grant_types=["client_credentials"])
    )
    return Admin(provider, rp, await admin_token(provider, rp))
