"""ESIA.md §7.1-7.2: ``/rs/prns/{oid}`` and its collections, in the exact shapes ESIA clients parse
(field names, ``DD.MM.YYYY``, ``XXX-XXX-XXX YY``, ``+7(XXX)XXXXXXX``, 40-hex ``eTag``), fields
released by scope, absolute element URLs, ``embed`` both ways, and the slashes clients send."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.idp.esia_people.conftest import POLICY_NUMBER, World

BASE = "http://testserver"
ALL_PERSON = ["openid", "fullname", "birthdate", "gender", "snils", "inn", "birthplace", "id_doc"]
HEX40 = re.compile(r"^[0-9a-f]{40}$")


async def get(world: World, path: str, token: str, **headers: str) -> Any:
    return await world.provider.http.get(path, headers={"Authorization": f"Bearer {token}", **headers})


async def test_person_with_every_person_scope_has_esia_fields_and_formats(world: World) -> None:
    token = world.mint(ALL_PERSON)
    response = await get(world, f"/rs/prns/{world.doctor.oid}", token)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert HEX40.match(body.pop("eTag"))
    assert isinstance(body.pop("updatedOn"), int)
    assert body == {
        "stateFacts": ["EntityRoot"],
        "firstName": "Елена",
        "lastName": "Врачёва",
        "middleName": "Петровна",
        "birthDate": "11.04.1982",
        "birthPlace": "г. Тула",
        "gender": "F",
        "snils": "567-890-123 43",
        "inn": "500100732259",
        "rIdDoc": world.doctor.oid * 10 + 3,
        "trusted": True,
        "citizenship": "RUS",
        "status": "REGISTERED",
        "verifying": False,
        "containsUpCfmCode": False,
    }


@pytest.mark.parametrize(
    ("scopes", "present", "absent"),
    [
        (["openid"], set(), {"firstName", "birthDate", "gender", "snils", "inn", "birthPlace", "rIdDoc"}),
        (["fullname"], {"firstName", "lastName", "middleName"}, {"snils", "birthDate", "inn"}),
        (["snils"], {"snils"}, {"firstName", "inn", "rIdDoc"}),
        (["birthdate", "gender"], {"birthDate", "gender"}, {"birthPlace", "snils"}),
        (["id_doc"], {"rIdDoc"}, {"snils", "firstName"}),
    ],
)
async def test_person_fields_are_released_by_scope(
    world: World, scopes: list[str], present: set[str], absent: set[str]
) -> None:
    body = (await get(world, f"/rs/prns/{world.doctor.oid}", world.mint(scopes))).json()
    assert present <= set(body) and not (absent & set(body))
    assert body["trusted"] is True and body["stateFacts"] == ["EntityRoot"]


async def test_etag_changes_with_what_the_client_sees(world: World) -> None:
    one = (await get(world, f"/rs/prns/{world.doctor.oid}", world.mint(["fullname"]))).json()
    two = (await get(world, f"/rs/prns/{world.doctor.oid}", world.mint(["fullname", "snils"]))).json()
    again = (await get(world, f"/rs/prns/{world.doctor.oid}", world.mint(["fullname"]))).json()
    assert one["eTag"] == again["eTag"] != two["eTag"]


async def test_an_unconfirmed_account_is_not_trusted(world: World) -> None:
    token = world.mint(["fullname"], oid=world.other.oid)
    body = (await get(world, f"/rs/prns/{world.other.oid}", token)).json()
    assert body["trusted"] is False and body["lastName"] == "Чужой"
    assert "citizenship" not in body  # no record: not invented


async def test_contacts_as_absolute_urls_then_each_item(world: World) -> None:
    token = world.mint(["contacts"])
    listing = (await get(world, f"/rs/prns/{world.doctor.oid}/ctts", token)).json()
    oid = world.doctor.oid
    assert listing["stateFacts"] == ["hasSize"] and listing["size"] == 2 and HEX40.match(listing["eTag"])
    assert listing["elements"] == [f"{BASE}/rs/prns/{oid}/ctts/{oid}1", f"{BASE}/rs/prns/{oid}/ctts/{oid}2"]
    mobile = (await get(world, listing["elements"][0].removeprefix(BASE), token)).json()
    email = (await get(world, listing["elements"][1].removeprefix(BASE), token)).json()
    assert HEX40.match(mobile.pop("eTag")) and HEX40.match(email.pop("eTag"))
    assert mobile == {
        "stateFacts": ["Identifiable"],
        "id": int(f"{oid}1"),
        "type": "MBT",
        "vrfStu": "VERIFIED",
        "value": "+7(916)0000006",
    }
    assert email == {
        "stateFacts": ["Identifiable"],
        "id": int(f"{oid}2"),
        "type": "EML",
        "vrfStu": "NOT_VERIFIED",
        "value": "doc@example.test",
    }


async def test_embed_elements_inlines_the_same_objects(world: World) -> None:
    token = world.mint(["contacts"])
    oid = world.doctor.oid
    embedded = (await get(world, f"/rs/prns/{oid}/ctts?embed=(elements)", token)).json()
    items = [(await get(world, f"/rs/prns/{oid}/ctts/{oid}{n}", token)).json() for n in (1, 2)]
    assert embedded["elements"] == items and embedded["size"] == 2


@pytest.mark.parametrize(
    ("scope", "types"), [("email", ["EML"]), ("mobile", ["MBT"]), ("contacts", ["MBT", "EML"])]
)
async def test_contact_kinds_follow_their_scopes(world: World, scope: str, types: list[str]) -> None:
    body = (
        await get(world, f"/rs/prns/{world.doctor.oid}/ctts?embed=(elements)", world.mint([scope]))
    ).json()
    assert [e["type"] for e in body["elements"]] == types


async def test_documents_passport_by_id_doc_and_policy_by_medical_doc(world: World) -> None:
    oid = world.doctor.oid
    url = f"/rs/prns/{oid}/docs?embed=(elements)"
    passport_only = (await get(world, url, world.mint(["id_doc"]))).json()["elements"]
    policy_only = (await get(world, url, world.mint(["medical_doc"]))).json()["elements"]
    both = (await get(world, url, world.mint(["id_doc", "medical_doc"]))).json()["elements"]
    assert [d["type"] for d in passport_only] == ["RF_PASSPORT"]
    assert [d["type"] for d in policy_only] == ["MDCL_PLCY"]
    assert [d["type"] for d in both] == ["RF_PASSPORT", "MDCL_PLCY"]
    passport, policy = both
    assert HEX40.match(passport.pop("eTag")) and HEX40.match(policy.pop("eTag"))
    assert passport == {
        "stateFacts": ["Identifiable"],
        "id": oid * 10 + 3,
        "type": "RF_PASSPORT",
        "vrfStu": "VERIFIED",
        "series": "4514",
        "number": "555666",
        "issueDate": "06.05.2010",
        "issueId": "770001",
        "issuedBy": "ОВД района Тестовый г. Москвы",
    }
    assert policy == {
        "stateFacts": ["Identifiable"],
        "id": policy["id"],
        "type": "MDCL_PLCY",
        "vrfStu": "NOT_VERIFIED",
        "number": POLICY_NUMBER,
        "issueDate": "04.03.2021",
        "issuedBy": "АО «Тест-Мед»",
    }


async def test_addresses_vehicles_and_kids_shapes(world: World) -> None:
    oid = world.doctor.oid
    addrs = (await get(world, f"/rs/prns/{oid}/addrs?embed=(elements)", world.mint(["addresses"]))).json()
    (address,) = addrs["elements"]
    assert HEX40.match(address.pop("eTag"))
    assert address == {
        "stateFacts": ["Identifiable"],
        "id": address["id"],
        "type": "PRG",
        "addressStr": "г. Москва, ул. Тестовая, д. 1, кв. 2",
        "fiasCode": "77-0-000-000-000-000-0000-0000-000",
        "countryId": "RUS",
        "zipCode": "101000",
        "region": "Москва",
        "city": "Москва",
        "street": "Тестовая",
        "house": "1",
        "flat": "2",
    }
    vhls = (await get(world, f"/rs/prns/{oid}/vhls?embed=(elements)", world.mint(["vehicles"]))).json()
    (car,) = vhls["elements"]
    assert HEX40.match(car.pop("eTag"))
    assert car == {
        "stateFacts": ["Identifiable"],
        "id": car["id"],
        "name": "LADA Vesta",
        "numberPlate": "А001АА77",
        "regCertificate": {"series": "7700", "number": "123456"},
    }
    kid_scopes = ["kid_fullname", "kid_birthdate", "kid_gender", "kid_snils", "kid_birth_cert_doc"]
    kids = (await get(world, f"/rs/prns/{oid}/kids?embed=(elements)", world.mint(kid_scopes))).json()
    (kid,) = kids["elements"]
    assert kid["firstName"] == "Миша" and kid["lastName"] == "Врачёв" and kid["birthDate"] == "08.07.2015"
    assert kid["gender"] == "M" and kid["snils"] == "112-233-445 95"
    (certificate,) = kid["documents"]["elements"]
    assert certificate["type"] == "RF_BRTH_CERT" and certificate["series"] == "IV-МЮ"
    assert certificate["issueDate"] == "20.07.2015"
    names_only = (
        await get(world, f"/rs/prns/{oid}/kids?embed=(elements)", world.mint(["kid_fullname"]))
    ).json()
    assert set(names_only["elements"][0]) == {"stateFacts", "id", "firstName", "lastName", "eTag"}


async def test_roles_inline_organisations_and_orgs_as_urls(world: World) -> None:
    oid = world.doctor.oid
    token = world.mint(["usr_org"])
    roles = (await get(world, f"/rs/prns/{oid}/roles", token)).json()
    assert roles["size"] == 1
    assert roles["elements"] == [
        {
            "oid": world.org_oid,
            "prnOid": oid,
            "fullName": 'ГБУЗ "Тестовая поликлиника № 1"',
            "shortName": "ГП № 1",
            "ogrn": roles["elements"][0]["ogrn"],
            "type": "LEGAL",
            "chief": False,
            "admin": True,
            "phone": "+74950000001",
            "email": "gp1@example.test",
            "active": True,
            # not ESIA's: the employment's position and role, what the EGISZ cabinet needs
            "position": "Врач-терапевт",
            "role": "doctor",
            "region": "77",  # not ESIA's: a regional health authority's region for EGISZ
            "hasRightOfSubstitution": False,
            "hasApprovalTabAccess": False,
            "isLiquidated": False,
        }
    ]
    orgs = (await get(world, f"/rs/prns/{oid}/orgs", token)).json()
    assert orgs["elements"] == [f"{BASE}/rs/orgs/{world.org_oid}"]


async def test_person_embed_inlines_what_the_scopes_open(world: World) -> None:
    oid = world.doctor.oid
    token = world.mint(["fullname", "contacts", "id_doc", "medical_doc", "addresses", "usr_org"])
    embed = (
        "(contacts.elements,documents.elements,addresses.elements,vehicles.elements,organizations.elements)"
    )
    body = (await get(world, f"/rs/prns/{oid}?embed={embed}", token)).json()
    assert [c["type"] for c in body["contacts"]["elements"]] == ["MBT", "EML"]
    assert [d["type"] for d in body["documents"]["elements"]] == ["RF_PASSPORT", "MDCL_PLCY"]
    assert body["addresses"]["size"] == 1 and body["addresses"]["elements"][0]["type"] == "PRG"
    assert "vehicles" not in body  # no vehicles scope: not embedded
    assert body["organizations"]["elements"][0]["oid"] == world.org_oid
    urls = (await get(world, f"/rs/prns/{oid}?embed=(contacts)", token)).json()
    assert urls["contacts"]["elements"][0] == f"{BASE}/rs/prns/{oid}/ctts/{oid}1"


@pytest.mark.parametrize("suffix", ["/", "//", "//ctts", "/ctts/", "///ctts//"])
async def test_trailing_and_double_slashes_are_tolerated(world: World, suffix: str) -> None:
    oid = world.doctor.oid
    response = await get(world, f"/rs/prns/{oid}{suffix}", world.mint(["fullname", "contacts"]))
    assert response.status_code == 200, response.text
    assert ("size" in response.json()) == ("ctts" in suffix)


async def test_sokolovs_double_slash_vehicles(world: World) -> None:
    response = await get(world, f"/rs/prns/{world.doctor.oid}//vhls", world.mint(["vehicles"]))
    assert response.status_code == 200 and response.json()["size"] == 1


@pytest.mark.parametrize(
    "accept",
    [None, "application/json", 'application/json; schema="https://esia.gosuslugi.ru/"', "*/*", "text/html"],
)
async def test_any_accept_header_gets_json(world: World, accept: str | None) -> None:
    headers = {"Authorization": f"Bearer {world.mint(['fullname'])}"}
    if accept:
        headers["Accept"] = accept
    response = await world.provider.http.get(f"/rs/prns/{world.doctor.oid}", headers=headers)
    assert response.status_code == 200 and response.json()["lastName"] == "Врачёва"


@pytest.mark.parametrize(
    "path",
    ["/ctts/1", "/ctts/abc", "/nope", "/ctts/1/2", "/docs/99999999999999999999999"],
)
async def test_unknown_items_and_collections_are_404(world: World, path: str) -> None:
    response = await get(world, f"/rs/prns/{world.doctor.oid}{path}", world.mint(["contacts", "id_doc"]))
    assert response.status_code == 404 and response.json()["code"] == "not_found"


async def test_element_urls_honour_esia_public_url(make_db: Any) -> None:
    from idp.accounts.service import create_account
    from idp.main import create_app
    from tests.conftest import idp_settings, running
    from tests.idp.esia_people.conftest import DOCTOR

    app = create_app(idp_settings(make_db("idp"), esia_public_url="https://esia.example.test/"))
    async with running(app) as http:
        with app.state.write_session_factory() as session:
            account = create_account(session, app.state.field_cipher, DOCTOR)
            session.commit()
            oid = account.oid
        token = app.state.key_store.sign(
            {"exp": 2**31, "nbf": 0, "iat": 0, "iss": "x", "client_id": "RP", "jti": "j1",
             "urn:esia:sbj_id": oid, "scope": f"contacts?oid={oid}"},
            "RS256",
            header={"typ": "JWT", "sbt": "access", "ver": 1},
        )  # fmt: skip
        body = (await http.get(f"/rs/prns/{oid}/ctts", headers={"Authorization": f"Bearer {token}"})).json()
    assert body["elements"] == [
        f"https://esia.example.test/rs/prns/{oid}/ctts/{oid}1",
        f"https://esia.example.test/rs/prns/{oid}/ctts/{oid}2",
    ]
