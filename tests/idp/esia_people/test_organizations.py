"""Medical organisations and employments: the admin API attacked (no token, bad OGRN/INN/KPP,
unknown role, ids past BIGINT), audited, and the service answers the ESIA face asks
(``is_employee``, ``employments_of``)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from idp.audit.models import SecurityEvent
from idp.organizations import service as orgs
from tests.cli import invoke
from tests.idp.esia_people.conftest import World, inn, ogrn, org_body
from tests.integration.processes import run_cli


def _actions(world: World) -> list[str]:
    with world.session() as session:
        return [
            str(e.details.get("action"))
            for e in session.query(SecurityEvent).filter(SecurityEvent.event_type == "admin_action")
        ]


async def test_register_read_list_and_change_an_organisation(world: World) -> None:
    http, headers = world.provider.http, world.headers
    body = org_body(ogrn=ogrn("102770000077"), inn=inn("770000077"), short_name="ГП № 77")
    created = await http.post("/admin/organizations", json=body, headers=headers)
    assert created.status_code == 201, created.text
    org = created.json()
    assert org["oid"] >= 1_000_000_000 and org["type"] == "LEGAL" and org["active"] is True
    assert (await http.get(f"/admin/organizations/{org['oid']}", headers=headers)).json() == org
    listed = (await http.get("/admin/organizations", headers=headers)).json()
    assert org["oid"] in [o["oid"] for o in listed] and len(listed) == 3
    changed = await http.patch(
        f"/admin/organizations/{org['oid']}", json={"active": False, "short_name": "ГП 77"}, headers=headers
    )
    assert changed.status_code == 200 and changed.json()["active"] is False
    assert changed.json()["short_name"] == "ГП 77"
    again = await http.post("/admin/organizations", json=body, headers=headers)
    assert again.status_code == 409 and again.json()["code"] == "organization_exists"
    assert {"organization_added", "organization_updated"} <= set(_actions(world))


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("ogrn", "1027700000012"),  # check digit off by one
        ("ogrn", "10277000000"),  # too short
        ("inn", "7700000012"),  # check digit wrong
        ("kpp", "77AB1001X"),
        ("region_code", "7A"),
        ("type", "PERSON"),
    ],
)
async def test_invalid_organisation_fields_are_refused_by_name(world: World, field: str, value: str) -> None:
    body = org_body(ogrn=ogrn("102770000088"), inn=inn("770000088"))
    if field == "inn" and value == "7700000012":
        value = inn("770000001")[:9] + str((int(inn("770000001")[9]) + 1) % 10)
    if field == "ogrn" and len(value) == 13:
        good = ogrn("102770000088")
        value = good[:12] + str((int(good[12]) + 1) % 10)
    body[field] = value
    response = await world.provider.http.post("/admin/organizations", json=body, headers=world.headers)
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["code"] in ("organization_invalid", "validation_failed", "request_invalid") or problem.get(
        "errors"
    )
    if problem["code"] == "organization_invalid":
        assert problem["errors"][0]["field"] == field


async def test_patch_cannot_blank_a_required_field_or_change_ogrn(world: World) -> None:
    url = f"/admin/organizations/{world.org_oid}"
    blank = await world.provider.http.patch(url, json={"full_name": None}, headers=world.headers)
    assert blank.status_code == 422 and blank.json()["errors"][0]["field"] == "full_name"
    ogrn_change = await world.provider.http.patch(
        url, json={"ogrn": ogrn("102770000099")}, headers=world.headers
    )
    assert ogrn_change.status_code == 422


async def test_admin_routes_refuse_missing_and_non_admin_tokens(world: World) -> None:
    http = world.provider.http
    assert (await http.get("/admin/organizations")).status_code == 401
    assert (
        await http.get("/admin/organizations", headers={"Authorization": "Bearer x.y.z"})
    ).status_code == 401
    esia = world.mint(["fullname"])  # a person's ESIA token is no admin token
    refused = await http.get("/admin/organizations", headers={"Authorization": f"Bearer {esia}"})
    assert refused.status_code == 401


async def test_ids_past_bigint_and_unknown_ids_are_problems_not_500(world: World) -> None:
    http, headers = world.provider.http, world.headers
    assert (await http.get("/admin/organizations/9223372036854775808", headers=headers)).status_code == 422
    missing = await http.get("/admin/organizations/42", headers=headers)
    assert missing.status_code == 404 and missing.json()["code"] == "organization_not_found"
    nobody = await http.post(
        f"/admin/organizations/{world.org_oid}/employees",
        json={"account_oid": 7, "position": "Врач", "role": "doctor"},
        headers=headers,
    )
    assert nobody.status_code == 404 and nobody.json()["code"] == "account_not_found"


async def test_employ_list_dismiss_and_the_questions_of_the_esia_face(world: World) -> None:
    http, headers = world.provider.http, world.headers
    url = f"/admin/organizations/{world.org2_oid}/employees"
    bad_role = await http.post(
        url, json={"account_oid": world.other.oid, "position": "Санитар", "role": "janitor"}, headers=headers
    )
    assert bad_role.status_code == 422 and bad_role.json()["errors"][0]["loc"] == ["body", "role"]
    hired = await http.post(
        url,
        json={
            "account_oid": world.other.oid,
            "position": "Медицинская сестра",
            "role": "nurse",
            "since": "2024-02-01",
        },
        headers=headers,
    )
    assert hired.status_code == 201, hired.text
    assert hired.json()["since"] == "2024-02-01" and hired.json()["role"] == "nurse"
    staff = (await http.get(url, headers=headers)).json()
    assert [(e["account_oid"], e["position"]) for e in staff] == [(world.other.oid, "Медицинская сестра")]
    with world.session() as session:
        assert orgs.is_employee(session, world.other.id, world.org2_oid)
        assert not orgs.is_employee(session, world.other.id, world.org_oid)
        assert [m.org_oid for m in orgs.employments_of(session, world.doctor.id)] == [world.org_oid]
    gone = await http.delete(f"{url}/{world.other.oid}", headers=headers)
    assert gone.status_code == 200 and gone.json()["active"] is False
    twice = await http.delete(f"{url}/{world.other.oid}", headers=headers)
    assert twice.status_code == 404 and twice.json()["code"] == "employment_not_found"
    assert (await http.get(url, headers=headers)).json() == []
    with world.session() as session:
        assert not orgs.is_employee(session, world.other.id, world.org2_oid)
    assert {"employment_added", "employment_ended", "employees_viewed"} <= set(_actions(world))


async def test_an_inactive_organisation_has_no_employees_for_the_esia_face(world: World) -> None:
    await world.provider.http.patch(
        f"/admin/organizations/{world.org_oid}", json={"active": False}, headers=world.headers
    )
    with world.session() as session:
        assert not orgs.is_employee(session, world.doctor.id, world.org_oid)
        assert orgs.employments_of(session, world.doctor.id) == []


def test_cli_adds_employs_lists_and_dismisses(make_db: Callable[..., str]) -> None:
    settings = {"dev_mode": True, "database_url": make_db("idp")}
    org = run_cli(
        "idp", settings, "orgs", "add", "--ogrn", ogrn("102780000003"), "--inn", inn("780000003"),
        "--full-name", "СПб ГБУЗ «Поликлиника № 3»", "--short-name", "П № 3", "--region-code", "78",
        "--region-name", "Санкт-Петербург",
    )  # fmt: skip
    assert org["region_code"] == "78" and org["kpp"] is None
    assert [o["oid"] for o in run_cli("idp", settings, "orgs", "list")] == [org["oid"]]
    from idp.accounts.service import NewAccount, create_account
    from shared.db import make_engine, make_sessionmaker
    from tests.conftest import idp_settings

    engine = make_engine(settings["database_url"])
    from idp.accounts.protection import FieldCipher

    cipher = FieldCipher(idp_settings(settings["database_url"]).personal_data_key.get_secret_value())
    with make_sessionmaker(engine)() as session:
        account = create_account(
            session, cipher, NewAccount(last_name="Лаборантова", first_name="Ольга", password="x" * 12)
        )
        session.commit()
        account_oid = account.oid
    engine.dispose()
    hired = run_cli(
        "idp", settings, "orgs", "employ", str(org["oid"]), str(account_oid),
        "--position", "Медицинский лабораторный техник", "--role", "lab",
    )  # fmt: skip
    assert hired["role"] == "lab" and hired["active"] is True
    staff = run_cli("idp", settings, "orgs", "employees", str(org["oid"]))
    assert [e["account_oid"] for e in staff] == [account_oid]
    ended = run_cli("idp", settings, "orgs", "dismiss", str(org["oid"]), str(account_oid))
    assert ended["active"] is False


def test_cli_refuses_a_bad_ogrn_with_its_code(make_db: Callable[..., str]) -> None:
    settings = {"dev_mode": True, "database_url": make_db("idp")}
    refused = invoke(
        "idp", settings, "orgs", "add", "--ogrn", "1234567890123", "--inn", inn("780000003"),
        "--full-name", "X", "--short-name", "X", "--region-code", "78", "--region-name", "СПб",
    )  # fmt: skip
    assert refused.returncode == 2
    assert "organization_invalid: OGRN check digit does not match." in refused.stderr
