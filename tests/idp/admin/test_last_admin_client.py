"""The admin API cannot lock operators out: the last client that can get an admin token is neither
deleted nor changed into one that cannot (a schemathesis run once deleted every client, the admin
included). Refusals are 409 problem JSON, and are in the security log too."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import select

from idp.audit.models import SecurityEvent
from idp.audit.service import AdminCaller
from idp.clients import admin as clients_admin
from idp.clients.errors import LastAdminClientError
from idp.clients.service import ClientSpec
from tests.idp.admin.conftest import Admin, admin_token

OPS = {
    "client_id": "ops-console",
    "name": "Ops",
    "grant_types": ["client_credentials"],
    "scopes": ["admin"],
}


def _is_last_admin_problem(response: Any) -> None:
    assert response.status_code == 409, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["code"] == "last_admin_client"
    assert "last client that can get an admin token" in body["detail"]


async def test_the_last_admin_client_cannot_delete_itself(admin: Admin) -> None:
    http = admin.provider.http
    _is_last_admin_problem(await http.delete("/admin/clients/ops-console", headers=admin.headers))
    assert (await http.get("/admin/clients/ops-console", headers=admin.headers)).status_code == 200
    with admin.provider.app.state.session_factory() as session:
        event = session.scalars(select(SecurityEvent).order_by(SecurityEvent.id.desc())).first()
    assert event is not None and (event.actor, event.result) == ("admin:ops-console", "failure")
    assert event.details == {
        "action": "client_deleted",
        "admin_client_id": "ops-console",
        "client_id": "ops-console",
        "reason": "last_admin_client",
    }


async def test_deleting_every_client_keeps_the_last_admin(admin: Admin) -> None:
    """The schemathesis run, replayed: DELETE each listed client in turn."""
    http = admin.provider.http
    listed = (await http.get("/admin/clients", headers=admin.headers)).json()
    statuses = {
        c["client_id"]: (
            await http.delete(f"/admin/clients/{c['client_id']}", headers=admin.headers)
        ).status_code
        for c in listed
    }
    assert statuses == {"rp-web": 204, "rp-spa": 204, "rp-other": 204, "ops-console": 409}
    remaining = (await http.get("/admin/clients", headers=admin.headers)).json()
    assert [c["client_id"] for c in remaining] == ["ops-console"]


@pytest.mark.parametrize(
    "change",
    [
        {"scopes": ["openid"]},
        {"grant_types": ["authorization_code"], "redirect_uris": ["https://ops.example.test/cb"]},
    ],
    ids=["admin-scope-removed", "client-credentials-removed"],
)
async def test_the_last_admin_client_cannot_be_disabled(admin: Admin, change: dict[str, Any]) -> None:
    http = admin.provider.http
    _is_last_admin_problem(
        await http.put("/admin/clients/ops-console", json={**OPS, **change}, headers=admin.headers)
    )
    assert (await http.get("/admin/clients/ops-console", headers=admin.headers)).json()["scopes"] == ["admin"]
    assert (await http.get("/admin/clients", headers=admin.headers)).status_code == 200, "still an admin"


async def test_an_admin_client_may_go_once_another_exists(admin: Admin) -> None:
    http = admin.provider.http
    created = await http.post(
        "/admin/clients", json={**OPS, "client_id": "ops-backup"}, headers=admin.headers
    )
    assert created.status_code == 201, created.text
    renamed = await http.put(
        "/admin/clients/ops-console", json={**OPS, "name": "Ops (renamed)"}, headers=admin.headers
    )
    assert renamed.status_code == 200, "an admin client that stays one may change"
    assert (await http.delete("/admin/clients/ops-console", headers=admin.headers)).status_code == 204
    secret = created.json()["client_secret"]
    headers = await _token_of(admin, "ops-backup", secret)
    _is_last_admin_problem(await http.delete("/admin/clients/ops-backup", headers=headers))


async def _token_of(admin: Admin, client_id: str, secret: str) -> dict[str, str]:
    from tests.idp.conftest import Rp

    return await admin_token(admin.provider, Rp(client_id, secret))


async def test_two_admins_deleting_the_last_two_admin_clients_at_once_leave_one(admin: Admin) -> None:
    """Row locks (PostgreSQL) or the write lock (SQLite): the second delete sees the first."""
    state = admin.provider.app.state
    admin.provider.register(ClientSpec(client_id="ops-backup", name="Ops 2", scopes=["admin"]))
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def delete(client_id: str) -> None:
        with state.write_session_factory() as session:
            barrier.wait()
            try:
                clients_admin.delete_client(
                    session, state.client_directory, client_id, caller=AdminCaller(client_id)
                )
                session.commit()
                outcomes[client_id] = "deleted"
            except LastAdminClientError:
                session.rollback()
                outcomes[client_id] = "refused"

    threads = [threading.Thread(target=delete, args=(c,)) for c in ("ops-console", "ops-backup")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes.values()) == ["deleted", "refused"]


@pytest.mark.parametrize("how", ["deleted", "demoted"])
async def test_a_removed_admin_clients_token_stops_working_at_once(admin: Admin, how: str) -> None:
    http = admin.provider.http
    created = await http.post(
        "/admin/clients", json={**OPS, "client_id": "ops-backup"}, headers=admin.headers
    )
    backup = await _token_of(admin, "ops-backup", created.json()["client_secret"])
    if how == "deleted":
        assert (await http.delete("/admin/clients/ops-console", headers=backup)).status_code == 204
    else:
        demoted = await http.put(
            "/admin/clients/ops-console", json={**OPS, "scopes": ["openid"]}, headers=backup
        )
        assert demoted.status_code == 200, demoted.text
    refused = await http.get("/admin/clients", headers=admin.headers)  # ops-console's token, still unexpired
    assert refused.status_code == 401 and refused.json()["code"] == "invalid_token"
    assert (await http.get("/admin/clients", headers=backup)).status_code == 200
