"""Person records (R-SEC-2): sealed at rest — the raw table holds no plaintext — bound to their
account and kind, set through the admin API and the CLI with field-by-field refusals, audited
without their content."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import text

from idp.accounts import records
from idp.accounts.protection import UndecryptableValueError
from idp.audit.models import SecurityEvent
from tests.cli import invoke
from tests.idp.esia_people.conftest import POLICY_NUMBER, World
from tests.integration.processes import run_cli


def _raw_rows(world: World) -> list[dict[str, Any]]:
    with world.provider.app.state.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(text("SELECT * FROM person_records"))]


async def test_the_raw_table_holds_no_plaintext(world: World) -> None:
    rows = _raw_rows(world)
    assert len(rows) == 6
    dump = json.dumps(rows, default=str, ensure_ascii=False)
    for secret in (POLICY_NUMBER, "Тестовая", "Миша", "11223344595", "А001АА77", "Тула", "Тест-Мед"):
        assert secret not in dump
    assert all(str(r["payload_encrypted"]).count(".") == 1 for r in rows)  # <kid>.<base64>


async def test_a_sealed_payload_moved_to_another_account_does_not_open(world: World) -> None:
    cipher = world.provider.app.state.field_cipher
    with world.provider.app.state.write_session_factory() as session:
        session.execute(text("UPDATE person_records SET account_id = :other"), {"other": world.other.id})
        session.commit()
        with pytest.raises(UndecryptableValueError):
            records.list_records(session, cipher, world.other.id)


async def test_admin_sets_lists_replaces_and_removes_records(world: World) -> None:
    http, headers = world.provider.http, world.headers
    url = f"/admin/accounts/{world.other.oid}/records"
    first = await http.post(
        url, json={"kind": "medical_policy", "data": {"number": "1234567890123456"}}, headers=headers
    )
    assert first.status_code == 201, first.text
    assert first.json()["data"] == {"number": "1234567890123456"} and len(first.json()["etag"]) == 40
    second = await http.post(
        url, json={"kind": "medical_policy", "data": {"number": "6543210987654321"}}, headers=headers
    )
    assert second.json()["id"] == first.json()["id"] and second.json()["etag"] != first.json()["etag"]
    car = await http.post(
        url, json={"kind": "vehicle", "data": {"name": "ГАЗель", "number_plate": "В002ВВ78"}}, headers=headers
    )
    listed = (await http.get(url, headers=headers)).json()
    assert [(r["kind"], r["data"].get("number")) for r in listed] == [
        ("medical_policy", "6543210987654321"),
        ("vehicle", None),
    ]
    gone = await http.delete(f"{url}/{car.json()['id']}", headers=headers)
    assert gone.status_code == 204
    again = await http.delete(f"{url}/{car.json()['id']}", headers=headers)
    assert again.status_code == 404 and again.json()["code"] == "person_record_not_found"
    # another person's record id through this account: not found, not removed
    doctors = (await http.get(f"/admin/accounts/{world.doctor.oid}/records", headers=headers)).json()
    cross = await http.delete(f"{url}/{doctors[0]['id']}", headers=headers)
    assert cross.status_code == 404
    with world.session() as session:
        events = [
            e.details for e in session.query(SecurityEvent).filter(SecurityEvent.event_type == "admin_action")
        ]
    actions = [e["action"] for e in events]
    assert actions.count("person_record_set") == 3 and "person_record_removed" in actions
    assert "person_records_viewed" in actions
    assert "6543210987654321" not in json.dumps(events)


@pytest.mark.parametrize(
    ("kind", "data", "field"),
    [
        ("medical_policy", {"number": "12ab"}, "number"),
        ("medical_policy", {"number": "1234567890123456", "color": "red"}, "color"),
        ("address", {"type": "HOME", "address_str": "x"}, "type"),
        ("address", {"type": "PLV", "address_str": "x", "zip_code": "1"}, "zip_code"),
        (
            "child",
            {
                "last_name": "А",
                "first_name": "Б",
                "birth_date": "2015-01-01",
                "gender": "M",
                "snils": "112-233-445 96",
            },
            "snils",
        ),
        (
            "child",
            {"last_name": "А", "first_name": "Б", "birth_date": "01.01.2015", "gender": "M"},
            "birth_date",
        ),
        ("vehicle", {"name": "x"}, "number_plate"),
        ("citizenship", {"value": "Russia"}, "value"),
    ],
)
async def test_invalid_records_are_refused_by_field(
    world: World, kind: str, data: dict[str, Any], field: str
) -> None:
    response = await world.provider.http.post(
        f"/admin/accounts/{world.other.oid}/records", json={"kind": kind, "data": data}, headers=world.headers
    )
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["code"] == "person_record_invalid"
    assert problem["errors"][0]["field"] == field
    assert "112-233-445 96" not in response.text or field != "snils"


async def test_records_api_needs_an_admin_token_and_a_known_account(world: World) -> None:
    http = world.provider.http
    url = f"/admin/accounts/{world.other.oid}/records"
    assert (await http.get(url)).status_code == 401
    esia = {"Authorization": f"Bearer {world.mint(['fullname'])}"}
    assert (await http.get(url, headers=esia)).status_code == 401
    unknown = await http.get("/admin/accounts/5/records", headers=world.headers)
    assert unknown.status_code == 404 and unknown.json()["code"] == "account_not_found"
    bad_kind = await http.post(url, json={"kind": "pet", "data": {}}, headers=world.headers)
    assert bad_kind.status_code == 422


def test_cli_adds_lists_and_removes_a_record(make_db: Callable[..., str]) -> None:
    from idp.accounts.protection import FieldCipher
    from idp.accounts.service import NewAccount, create_account
    from shared.db import make_engine, make_sessionmaker
    from tests.conftest import idp_settings

    settings = {"dev_mode": True, "database_url": make_db("idp")}
    cipher = FieldCipher(idp_settings(settings["database_url"]).personal_data_key.get_secret_value())
    engine = make_engine(settings["database_url"])
    with make_sessionmaker(engine)() as session:
        oid = create_account(
            session, cipher, NewAccount(last_name="Полисов", first_name="Иван", password="x" * 12)
        ).oid
        session.commit()
    engine.dispose()
    added = run_cli(
        "idp", settings, "records", "add", str(oid), "medical_policy",
        "--data", json.dumps({"number": "7700000000000001", "issued_by": "АО «СК»"}),
    )  # fmt: skip
    assert added["kind"] == "medical_policy" and added["data"]["issued_by"] == "АО «СК»"
    listed = run_cli("idp", settings, "records", "list", str(oid))
    assert [r["id"] for r in listed] == [added["id"]]
    assert run_cli("idp", settings, "records", "remove", str(oid), str(added["id"])) == {
        "removed": added["id"]
    }
    refused = invoke("idp", settings, "records", "add", str(oid), "vehicle", "--data", "{}")
    assert refused.returncode == 2 and "person_record_invalid" in refused.stderr
    assert "name: Field required" in refused.stderr


async def test_reencryption_moves_records_to_the_new_key_in_batches(world: World) -> None:
    from idp.accounts.protection import FieldCipher

    old_secret = world.provider.app.state.settings.personal_data_key.get_secret_value()
    new_secret = "a-brand-new-personal-data-key-0123456789"
    rotated, only_new = FieldCipher(new_secret, previous=(old_secret,)), FieldCipher(new_secret)
    with world.provider.app.state.write_session_factory() as session:
        before = {v.id: (v.data, v.etag) for v in records.list_records(session, rotated, world.doctor.id)}
        session.execute(
            text("UPDATE person_records SET payload_encrypted = 'ffffffff.AAAA' WHERE kind = 'vehicle'")
        )
        first = records.reencrypt_records(session, rotated, start_after_id=0, max_rows=4)
        rest = records.reencrypt_records(session, rotated, start_after_id=first.last_id, max_rows=4)
        session.commit()
        assert (first.rows, rest.rows, first.reencrypted + rest.reencrypted) == (4, 2, 5)
        (broken,) = first.failed + rest.failed
        after = {
            v.id: (v.data, v.etag) for v in records.list_records(session, only_new, world.doctor.id, "child")
        }
        assert all(before[i] == after[i] for i in after)  # same content, same eTag, new key
        again = records.reencrypt_records(session, rotated, start_after_id=0, max_rows=10)
        assert again.reencrypted == 0 and again.failed == [broken]
