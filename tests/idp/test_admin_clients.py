"""Admin REST API for clients, guarded by an admin token (client_credentials, scope admin)."""

from __future__ import annotations

import pytest

from idp.clients.service import ClientSpec
from tests.idp.conftest import Provider

NEW_CLIENT = {
    "client_id": "mis-polyclinic",
    "name": "МИС Поликлиника",
    "grant_types": ["authorization_code", "refresh_token"],
    "scopes": ["openid", "profile", "offline_access"],
    "redirect_uris": ["https://mis.example.test/cb"],
}


@pytest.fixture
async def admin_headers(provider: Provider) -> dict[str, str]:
    admin = provider.register(ClientSpec(client_id="admin", name="Admin", scopes=["admin"]))
    response = await provider.http.post(
        "/token", data={"grant_type": "client_credentials", "scope": "admin"}, auth=admin.basic()
    )
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def test_crud_and_secret_rotation(provider: Provider, admin_headers: dict[str, str]) -> None:
    created = await provider.http.post("/admin/clients", json=NEW_CLIENT, headers=admin_headers)
    assert created.status_code == 201, created.text
    secret = created.json()["client_secret"]
    assert len(secret) >= 40
    read = await provider.http.get("/admin/clients/mis-polyclinic", headers=admin_headers)
    assert read.json()["name"] == "МИС Поликлиника" and "client_secret" not in read.json()
    updated = await provider.http.put(
        "/admin/clients/mis-polyclinic", json={**NEW_CLIENT, "name": "Новое имя"}, headers=admin_headers
    )
    assert updated.json()["name"] == "Новое имя"
    rotated = await provider.http.post("/admin/clients/mis-polyclinic/secret", headers=admin_headers)
    new_secret = rotated.json()["client_secret"]
    assert new_secret != secret
    old = await provider.http.post("/introspect", data={"token": "x"}, auth=("mis-polyclinic", secret))
    assert old.status_code == 401
    fresh = await provider.http.post("/introspect", data={"token": "x"}, auth=("mis-polyclinic", new_secret))
    assert fresh.status_code == 200
    listed = await provider.http.get("/admin/clients", headers=admin_headers)
    assert "mis-polyclinic" in {c["client_id"] for c in listed.json()}
    deleted = await provider.http.delete("/admin/clients/mis-polyclinic", headers=admin_headers)
    assert deleted.status_code == 204
    assert (
        await provider.http.get("/admin/clients/mis-polyclinic", headers=admin_headers)
    ).status_code == 404


async def test_admin_api_refuses_non_admin_tokens(provider: Provider) -> None:
    assert (await provider.http.get("/admin/clients")).status_code == 401
    svc = provider.register(ClientSpec(client_id="svc", name="svc", scopes=["egisz:read"]))
    token = (
        await provider.http.post("/token", data={"grant_type": "client_credentials"}, auth=svc.basic())
    ).json()["access_token"]
    response = await provider.http.get("/admin/clients", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 403 and response.json()["code"] == "insufficient_scope"
    user_token = (await provider.tokens())["access_token"]  # a user's token for another audience
    response = await provider.http.get("/admin/clients", headers={"Authorization": f"Bearer {user_token}"})
    assert response.status_code == 401


@pytest.mark.parametrize(
    "body",
    [
        {**NEW_CLIENT, "redirect_uris": ["not a url"]},
        {**NEW_CLIENT, "redirect_uris": ["https://mis.example.test/cb#frag"]},
        {**NEW_CLIENT, "client_type": "public"},
        {**NEW_CLIENT, "token_endpoint_auth_method": "private_key_jwt"},
        {**NEW_CLIENT, "redirect_uris": []},
        {**NEW_CLIENT, "client_id": "bad id!"},
        {**NEW_CLIENT, "grant_types": ["password"]},
    ],
)
async def test_bad_client_metadata_is_422(
    provider: Provider, admin_headers: dict[str, str], body: dict
) -> None:  # type: ignore[type-arg]
    response = await provider.http.post("/admin/clients", json=body, headers=admin_headers)
    assert response.status_code == 422 and response.json()["code"] == "validation_failed"


async def test_duplicate_client_is_409(provider: Provider, admin_headers: dict[str, str]) -> None:
    assert (
        await provider.http.post("/admin/clients", json=NEW_CLIENT, headers=admin_headers)
    ).status_code == 201
    again = await provider.http.post("/admin/clients", json=NEW_CLIENT, headers=admin_headers)
    assert again.status_code == 409 and again.json()["code"] == "client_exists"


async def test_with_the_client_cache_on_rotation_and_deletion_apply_at_once(
    provider: Provider, admin_headers: dict[str, str]
) -> None:
    provider.app.state.client_directory._ttl = 300  # the production default is 5 s; make staleness obvious
    svc = {
        **NEW_CLIENT,
        "client_id": "svc-cached",
        "grant_types": ["client_credentials"],
        "scopes": ["x:read"],
        "redirect_uris": [],
    }
    secret = (await provider.http.post("/admin/clients", json=svc, headers=admin_headers)).json()[
        "client_secret"
    ]
    form = {"grant_type": "client_credentials"}
    assert (await provider.http.post("/token", data=form, auth=("svc-cached", secret))).status_code == 200
    new = (await provider.http.post("/admin/clients/svc-cached/secret", headers=admin_headers)).json()
    assert (await provider.http.post("/token", data=form, auth=("svc-cached", secret))).status_code == 401
    assert (
        await provider.http.post("/token", data=form, auth=("svc-cached", new["client_secret"]))
    ).status_code == 200
    await provider.http.delete("/admin/clients/svc-cached", headers=admin_headers)
    gone = await provider.http.post("/token", data=form, auth=("svc-cached", new["client_secret"]))
    assert gone.status_code == 401
