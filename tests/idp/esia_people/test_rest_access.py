"""ESIA.md §5.1, §7.4 attacked: the REST API refuses a missing, forged, foreign-signed, expired,
not-yet-valid, revoked or wrong-kind token with 401 and ``WWW-Authenticate: Bearer``; another
person's oid (IDOR), a system token on a person, a scope about someone else, a missing scope, and an
organisation the person does not work in with 403 — each refusal in the security log."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jose import jwt

from idp.audit.models import SecurityEvent
from tests.idp.esia_people.conftest import World


async def get(world: World, path: str, token: str | None) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    return await world.provider.http.get(path, headers=headers)


def _refusals(world: World) -> list[dict[str, Any]]:
    with world.session() as session:
        rows = session.query(SecurityEvent).filter(SecurityEvent.event_type == "esia_rest_refused")
        return [{"account_id": e.account_id, "actor": e.actor, **e.details} for e in rows]


def _assert_401(response: Any) -> None:
    assert response.status_code == 401, response.text
    assert response.headers["www-authenticate"].startswith("Bearer ")
    assert response.json()["status"] == 401


async def test_no_token_and_a_basic_header_are_401(world: World) -> None:
    path = f"/rs/prns/{world.doctor.oid}"
    _assert_401(await get(world, path, None))
    basic = await world.provider.http.get(path, headers={"Authorization": "Basic dXNlcjpwYXNz"})
    _assert_401(basic)


@pytest.mark.parametrize("garbage", ["x", "a.b.c", "e30.e30.", "." * 3, "ы.ы.ы"])
async def test_garbage_tokens_are_401(world: World, garbage: str) -> None:
    headers = {"Authorization": f"Bearer {garbage}".encode()}  # UTF-8 bytes in the header too
    _assert_401(await world.provider.http.get(f"/rs/prns/{world.doctor.oid}", headers=headers))


async def test_expired_and_not_yet_valid_tokens_are_401(world: World) -> None:
    _assert_401(await get(world, f"/rs/prns/{world.doctor.oid}", world.mint(["fullname"], ttl=-60)))
    future = world.mint(["fullname"], claims={"nbf": int(time.time()) + 600})
    _assert_401(await get(world, f"/rs/prns/{world.doctor.oid}", future))


async def test_a_revoked_token_is_401(world: World) -> None:
    token = world.mint(["fullname"], record=True)
    path = f"/rs/prns/{world.doctor.oid}"
    assert (await get(world, path, token)).status_code == 200
    world.revoke(token)
    _assert_401(await get(world, path, token))


async def test_a_token_signed_by_another_key_with_our_kid_is_401(world: World) -> None:
    genuine = world.mint(["fullname"])
    header = json.loads(base64.urlsafe_b64decode(genuine.split(".")[0] + "=="))
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    claims = json.loads(base64.urlsafe_b64decode(genuine.split(".")[1] + "=="))
    forged = jwt.encode(
        claims, pem.decode(), algorithm="RS256", headers={k: v for k, v in header.items() if k != "alg"}
    )
    _assert_401(await get(world, f"/rs/prns/{world.doctor.oid}", forged))


async def test_alg_none_and_a_tampered_payload_are_401(world: World) -> None:
    genuine = world.mint(["fullname"])
    head, payload, signature = genuine.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["urn:esia:sbj_id"] = world.other.oid
    tampered = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    _assert_401(await get(world, f"/rs/prns/{world.other.oid}", f"{head}.{tampered}.{signature}"))
    none_head = base64.urlsafe_b64encode(b'{"alg":"none","typ":"JWT","sbt":"access"}').rstrip(b"=").decode()
    _assert_401(await get(world, f"/rs/prns/{world.doctor.oid}", f"{none_head}.{payload}."))


@pytest.mark.parametrize("header", [{"sbt": "id"}, {"sbt": None}, {"typ": "at+jwt", "sbt": None}])
async def test_tokens_that_are_not_esia_access_tokens_are_401(world: World, header: dict[str, Any]) -> None:
    token = world.mint(["fullname"], header=header)
    _assert_401(await get(world, f"/rs/prns/{world.doctor.oid}", token))


async def test_an_oidc_access_token_of_ours_is_not_an_esia_token(world: World) -> None:
    tokens = await world.provider.tokens(scope="openid profile")
    _assert_401(await get(world, f"/rs/prns/{world.doctor.oid}", tokens["access_token"]))


async def test_a_string_subject_is_refused(world: World) -> None:
    token = world.mint(["fullname"], claims={"urn:esia:sbj_id": str(world.doctor.oid)})
    _assert_401(await get(world, f"/rs/prns/{world.doctor.oid}", token))


@pytest.mark.parametrize("collection", ["", "/ctts", "/docs", "/ctts/1", "/roles"])
async def test_idor_another_persons_oid_is_403_and_logged(world: World, collection: str) -> None:
    token = world.mint(["fullname", "contacts", "id_doc", "usr_org"])
    response = await get(world, f"/rs/prns/{world.other.oid}{collection}", token)
    assert response.status_code == 403, response.text
    assert response.json()["code"] == "access_denied"
    assert "Чужой" not in response.text
    (event,) = _refusals(world)
    assert event["reason"] == "not_subject" and event["person_oid"] == world.other.oid
    assert event["subject_oid"] == world.doctor.oid and event["account_id"] == world.other.id
    assert event["actor"] == "client:ESIA-RP"


async def test_a_scope_naming_another_oid_grants_nothing(world: World) -> None:
    # the token is the doctor's, but its scope claims to be about the other person
    token = world.mint([], claims={"scope": f"contacts?oid={world.other.oid} fullname?oid={world.other.oid}"})
    response = await get(world, f"/rs/prns/{world.doctor.oid}/ctts", token)
    assert response.status_code == 403 and response.json()["code"] == "insufficient_scope"
    person = (await get(world, f"/rs/prns/{world.doctor.oid}", token)).json()
    assert "firstName" not in person


async def test_a_system_token_reads_no_person(world: World) -> None:
    token = world.mint(["fullname"], oid=False)
    response = await get(world, f"/rs/prns/{world.doctor.oid}", token)
    assert response.status_code == 403 and response.json()["code"] == "access_denied"


@pytest.mark.parametrize(
    ("collection", "scopes"),
    [("ctts", ["fullname"]), ("addrs", ["contacts"]), ("docs", ["snils"]), ("kids", ["fullname"]),
     ("vhls", ["addresses"]), ("roles", ["fullname"]), ("orgs", ["contacts"])],
)  # fmt: skip
async def test_a_collection_without_its_scope_is_403_and_logged(
    world: World, collection: str, scopes: list[str]
) -> None:
    response = await get(world, f"/rs/prns/{world.doctor.oid}/{collection}", world.mint(scopes))
    assert response.status_code == 403 and response.json()["code"] == "insufficient_scope"
    assert 'error="insufficient_scope"' in response.headers["www-authenticate"]
    assert [e["reason"] for e in _refusals(world)] == ["missing_scope"]


async def test_no_500_on_hostile_paths(world: World) -> None:
    token = world.mint(["fullname", "contacts"])
    for path in [
        "/rs/prns/99999999999999999999999999",
        "/rs/prns/-1",
        "/rs/prns/%00",
        "/rs/prns/1e9",
        f"/rs/prns/{world.doctor.oid}/ctts/%2e%2e",
        "/rs/orgs/abc",
        "/rs/orgs/1/emps/x/y",
    ]:
        response = await get(world, path, token)
        assert response.status_code in (403, 404), (path, response.status_code, response.text)
    # an embed ESIA cannot read embeds nothing (ESIA ignores what it does not know)
    odd = await get(world, f"/rs/prns/{world.doctor.oid}?embed=((((,x.y", token)
    assert odd.status_code == 200 and "contacts" not in odd.json()
