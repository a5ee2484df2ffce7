"""ESIA.md §7.3: ``/rs/orgs/{org_oid}`` and ``/emps`` with organisation-scoped tokens
(``org_*?org_oid=``): fields by scope, a person's token only while they work there, system tokens,
missing scopes, unknown organisations."""

from __future__ import annotations

from typing import Any

from idp.audit.models import SecurityEvent
from idp.organizations import service as orgs
from tests.idp.esia_people.conftest import World

BASE = "http://testserver"
ORG_SCOPES = ["org_shortname", "org_fullname", "org_ogrn", "org_inn", "org_kpp", "org_type", "org_emps"]


async def get(world: World, path: str, token: str) -> Any:
    return await world.provider.http.get(path, headers={"Authorization": f"Bearer {token}"})


async def test_organisation_fields_by_scope(world: World) -> None:
    token = world.mint(["openid"], org_scopes={world.org_oid: ORG_SCOPES})
    body = (await get(world, f"/rs/orgs/{world.org_oid}", token)).json()
    etag = body.pop("eTag")
    assert len(etag) == 40
    assert body == {
        "stateFacts": ["Identifiable"],
        "oid": world.org_oid,
        "shortName": "ГП № 1",
        "fullName": 'ГБУЗ "Тестовая поликлиника № 1"',
        "ogrn": body["ogrn"],
        "inn": body["inn"],
        "kpp": "770101001",
        "type": "LEGAL",
        "active": True,
    }
    short = (
        await get(
            world, f"/rs/orgs/{world.org_oid}", world.mint([], org_scopes={world.org_oid: ["org_shortname"]})
        )
    ).json()
    assert set(short) == {"stateFacts", "oid", "shortName", "active", "eTag"}


async def test_employees_as_urls_then_embedded_then_one(world: World) -> None:
    token = world.mint([], org_scopes={world.org_oid: ["org_emps"]})
    listing = (await get(world, f"/rs/orgs/{world.org_oid}/emps", token)).json()
    assert listing["elements"] == [f"{BASE}/rs/orgs/{world.org_oid}/emps/{world.doctor.oid}"]
    embedded = (await get(world, f"/rs/orgs/{world.org_oid}/emps/?embed=(elements)", token)).json()
    (doctor,) = embedded["elements"]
    assert doctor["prnOid"] == world.doctor.oid and doctor["position"] == "Врач-терапевт"
    assert doctor["lastName"] == "Врачёва" and doctor["admin"] is True and doctor["active"] is True
    one = (await get(world, listing["elements"][0].removeprefix(BASE), token)).json()
    assert one == doctor
    assert (await get(world, f"/rs/orgs/{world.org_oid}/emps/{world.other.oid}", token)).status_code == 404


async def test_a_system_token_with_org_scopes_reads_the_organisation(world: World) -> None:
    token = world.mint([], oid=False, org_scopes={world.org2_oid: ["org_fullname", "org_emps"]})
    body = (await get(world, f"/rs/orgs/{world.org2_oid}", token)).json()
    assert body["oid"] == world.org2_oid and "fullName" in body
    assert (await get(world, f"/rs/orgs/{world.org2_oid}/emps", token)).json()["size"] == 0


async def test_a_person_who_does_not_work_there_is_refused_esia_007194(world: World) -> None:
    token = world.mint([], org_scopes={world.org2_oid: ORG_SCOPES})
    response = await get(world, f"/rs/orgs/{world.org2_oid}", token)
    assert response.status_code == 403
    with world.session() as session:
        reasons = [
            e.details["reason"]
            for e in session.query(SecurityEvent).filter_by(event_type="esia_rest_refused")
        ]
    assert reasons == ["not_employee"]


async def test_a_dismissed_person_loses_access_at_once(world: World) -> None:
    token = world.mint([], org_scopes={world.org_oid: ["org_shortname"]})
    assert (await get(world, f"/rs/orgs/{world.org_oid}", token)).status_code == 200
    with world.provider.app.state.write_session_factory() as session:
        orgs.dismiss(session, world.doctor.id, orgs.get_organization(session, world.org_oid))
        session.commit()
    assert (await get(world, f"/rs/orgs/{world.org_oid}", token)).status_code == 403


async def test_missing_org_scopes_are_403(world: World) -> None:
    other_org = world.mint([], org_scopes={world.org2_oid: ORG_SCOPES})
    assert (await get(world, f"/rs/orgs/{world.org_oid}", other_org)).status_code == 403
    person_only = world.mint(["fullname", "usr_org"])
    assert (await get(world, f"/rs/orgs/{world.org_oid}", person_only)).status_code == 403
    no_emps = world.mint([], org_scopes={world.org_oid: ["org_shortname"]})
    response = await get(world, f"/rs/orgs/{world.org_oid}/emps", no_emps)
    assert response.status_code == 403 and 'scope="org_emps"' in response.headers["www-authenticate"]


async def test_an_unknown_organisation_with_scopes_is_404(world: World) -> None:
    token = world.mint([], oid=False, org_scopes={1234: ["org_shortname"]})
    response = await get(world, "/rs/orgs/1234", token)
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert (await get(world, "/rs/orgs/1234/nope", token)).status_code == 404
