"""R-SEC-1: every admin API action is an ``admin_action`` event in the security log, by
``admin:<client_id>`` with the admin client's id in its details; the chain still verifies."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from idp.accounts.models import Account
from idp.audit import service as audit
from idp.audit.models import SecurityEvent
from tests.idp.admin.conftest import Admin

NEW_CLIENT = {
    "client_id": "mis-polyclinic",
    "name": "МИС Поликлиника",
    "grant_types": ["authorization_code"],
    "scopes": ["openid"],
    "redirect_uris": ["https://mis.example.test/cb"],
}


def _events_after(admin: Admin, after_id: int) -> list[SecurityEvent]:
    with admin.provider.app.state.session_factory() as session:
        return list(
            session.scalars(
                select(SecurityEvent).where(SecurityEvent.id > after_id).order_by(SecurityEvent.id)
            )
        )


def _last_id(admin: Admin) -> int:
    with admin.provider.app.state.session_factory() as session:
        return max(session.scalars(select(SecurityEvent.id)).all(), default=0)


def _admin_actions(events: list[SecurityEvent]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(e.actor, e.result, dict(e.details)) for e in events if e.event_type == "admin_action"]


async def test_every_client_action_is_audited_with_the_admin_client_id(admin: Admin) -> None:
    http, headers = admin.provider.http, admin.headers
    start = _last_id(admin)
    assert (await http.post("/admin/clients", json=NEW_CLIENT, headers=headers)).status_code == 201
    updated = await http.put(
        "/admin/clients/mis-polyclinic", json={**NEW_CLIENT, "name": "Новое имя"}, headers=headers
    )
    assert updated.status_code == 200
    assert (await http.post("/admin/clients/mis-polyclinic/secret", headers=headers)).status_code == 200
    assert (await http.delete("/admin/clients/mis-polyclinic", headers=headers)).status_code == 204
    events = _events_after(admin, start)
    ours = {"admin_client_id": "ops-console", "client_id": "mis-polyclinic"}
    assert _admin_actions(events) == [
        ("admin:ops-console", "success", {"action": "client_created", **ours, "admin_client": False}),
        ("admin:ops-console", "success", {"action": "client_updated", **ours, "changed": ["name"]}),
        ("admin:ops-console", "success", {"action": "client_secret_rotated", **ours}),
        ("admin:ops-console", "success", {"action": "client_deleted", **ours}),
    ]
    assert all(e.ip for e in events), "where the admin called from"
    with admin.provider.app.state.session_factory() as session:
        assert audit.verify_chain(session).ok


async def test_a_refused_or_failed_admin_action_changes_nothing_and_a_read_logs_nothing(admin: Admin) -> None:
    http, headers = admin.provider.http, admin.headers
    start = _last_id(admin)
    assert (await http.get("/admin/clients", headers=headers)).status_code == 200
    assert (await http.get("/admin/clients/rp-web", headers=headers)).status_code == 200
    assert (await http.delete("/admin/clients/no-such-client", headers=headers)).status_code == 404
    assert _events_after(admin, start) == []


async def test_account_actions_are_audited_with_the_admin_client_id(admin: Admin) -> None:
    http, headers, state = admin.provider.http, admin.headers, admin.provider.app.state
    with state.session_factory() as session:
        account = session.scalars(select(Account)).one()
        account.locked_until = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=10)
        account.failed_logins = 5
        account.email_verified, account.level = True, "simplified"
        oid, account_id = account.oid, account.id
        session.commit()
    start = _last_id(admin)
    viewed = await http.get(f"/admin/accounts/{oid}", headers=headers)
    assert viewed.status_code == 200 and viewed.json()["locked"] is True
    unlocked = await http.post(f"/admin/accounts/{oid}/unlock", headers=headers)
    assert unlocked.status_code == 200 and unlocked.json()["locked"] is False
    confirmed = await http.post(
        f"/admin/accounts/{oid}/confirm-identity",
        json={"operator": "Иванова И.И.", "office": "МФЦ Тверской"},
        headers=headers,
    )
    assert confirmed.status_code == 200, confirmed.text
    events = _events_after(admin, start)
    ours = {"admin_client_id": "ops-console"}
    assert _admin_actions(events) == [
        ("admin:ops-console", "success", {"action": "account_viewed", **ours}),
        ("admin:ops-console", "success", {"action": "account_unlocked", **ours, "was_locked": True}),
        ("admin:ops-console", "success", {"action": "identity_confirmed", **ours, "office": "МФЦ Тверской"}),
    ]
    assert {e.account_id for e in events} == {account_id}
    assert "Иванова" not in str([e.details for e in events]), "the log holds ids, not names"
    assert confirmed.json()["level"] == "confirmed"
    assert [(e.actor, e.details) for e in events if e.event_type == "level_changed"] == [
        ("admin:ops-console", {"from": "simplified", "to": "confirmed"})
    ]
