"""ESIA.md §3-§5 end to end with our reference v2/v3 client: v2/ac → the real login form → consent
→ code → v3/te (raw GOST secrets made by ``openssl dgst -engine gost``) → tokens verified →
refresh → logout."""

from __future__ import annotations

import dataclasses
from typing import Any

from jose import jwt

from tests.idp.esia.conftest import Esia
from tests.idp.esia.helpers import REDIRECT, SCOPE, callback, through_pages
from tests.idp.pki.openssl_signing import needs_gost

pytestmark = needs_gost
ISSUER = "http://esia.gosuslugi.ru/"


async def _code(esia: Esia, **overrides: str) -> tuple[str, dict[str, str]]:
    params = esia.rp.v2_ac(**overrides)
    first = await esia.http.get("/aas/oauth2/v2/ac", params=params)
    query = callback(await through_pages(esia.http, first))
    assert "code" in query, query
    assert query["state"] == params["state"]
    return query["code"], params


def _verify_rs256(esia: Esia, token: str, jwks: dict[str, Any], **options: Any) -> dict[str, Any]:
    header = jwt.get_unverified_header(token)
    key = next(k for k in jwks["keys"] if k["kid"] == header["kid"])
    claims: dict[str, Any] = jwt.decode(
        token,
        key,
        algorithms=["RS256"],
        issuer="http://esia.gosuslugi.ru/",
        options={"verify_at_hash": False, **options},
    )
    return claims


async def test_v2_ac_without_a_session_goes_to_the_login_page(esia: Esia):
    response = await esia.http.get("/aas/oauth2/v2/ac", params=esia.rp.v2_ac())
    assert response.status_code == 302
    assert response.headers["location"].startswith("/login?i=")


async def test_v2_ac_v3_te_tokens_exactly_as_esia_md_5(esia: Esia):
    code, _ = await _code(esia)
    te = esia.rp.v3_te(code, scope="openid")  # the te scope need not equal the ac scope (§4.1)
    response = await esia.http.post("/aas/oauth2/v3/te", data=te)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["state"] == te["state"]  # echoed, a fresh UUID (§4.1)
    assert isinstance(body["expires_in"], int)
    assert body["token_type"] == "Bearer"
    assert body["refresh_token"]  # access_type=offline
    jwks = (await esia.http.get("/.well-known/jwks.json")).json()

    access_header = jwt.get_unverified_header(body["access_token"])
    assert {k: access_header[k] for k in ("ver", "typ", "sbt", "alg")} == {
        "ver": 1, "typ": "JWT", "sbt": "access", "alg": "RS256",
    }  # fmt: skip
    access = _verify_rs256(esia, body["access_token"], jwks, verify_aud=False)
    assert set(access) == {
        "nbf",
        "scope",
        "iss",
        "urn:esia:sid",
        "urn:esia:sbj_id",
        "exp",
        "iat",
        "client_id",
        "jti",
    }
    assert access["nbf"] == access["iat"]
    assert access["urn:esia:sbj_id"] == esia.oid and isinstance(access["urn:esia:sbj_id"], int)
    assert access["client_id"] == "EKAP01"
    oid = esia.oid
    assert sorted(access["scope"].split()) == sorted(
        ["openid", f"fullname?oid={oid}", f"birthdate?oid={oid}", f"snils?oid={oid}"]
    )

    id_header = jwt.get_unverified_header(body["id_token"])
    assert {k: id_header[k] for k in ("typ", "sbt", "ver")} == {"typ": "JWT", "sbt": "id", "ver": 0}
    key = next(k for k in jwks["keys"] if k["kid"] == id_header["kid"])
    options = {"verify_at_hash": False, "verify_sub": False}  # ESIA's sub is a number (§5.2)
    claims = jwt.decode(
        body["id_token"], key, algorithms=["RS256"], audience="EKAP01", issuer=ISSUER, options=options
    )
    assert claims["sub"] == oid and claims["aud"] == "EKAP01"
    assert claims["amr"] == "PWD" and claims["urn:esia:amd"] == "PWD"
    assert claims["urn:esia:sid"] == access["urn:esia:sid"]
    # not confirmed: no is_tru
    assert claims["urn:esia:sbj"] == {
        "urn:esia:sbj:typ": "P",
        "urn:esia:sbj:oid": oid,
        "urn:esia:sbj:nam": f"OID.{oid}",
        "urn:esia:sbj:lvl": "P",
    }
    for name in ("nbf", "iat", "exp", "auth_time"):
        assert isinstance(claims[name], int)


async def test_within_the_session_ac_skips_the_login_form(esia: Esia):
    await _code(esia)
    again = await esia.http.get("/aas/oauth2/v2/ac", params=esia.rp.v2_ac())
    assert again.status_code == 302
    assert again.headers["location"].startswith(REDIRECT + "?code=")


async def test_refresh_rotates_and_a_spent_refresh_token_revokes_the_family(esia: Esia):
    code, _ = await _code(esia)
    first = (await esia.http.post("/aas/oauth2/v3/te", data=esia.rp.v3_te(code))).json()
    refresh = esia.rp.v3_refresh(first["refresh_token"])
    second = await esia.http.post("/aas/oauth2/v3/te", data=refresh)
    assert second.status_code == 200, second.text
    body = second.json()
    assert body["state"] == refresh["state"]
    assert body["refresh_token"] != first["refresh_token"]
    again = await esia.http.post("/aas/oauth2/v3/te", data=esia.rp.v3_refresh(first["refresh_token"]))
    assert again.status_code == 400
    assert again.json()["error_description"].startswith("ESIA-007011:")
    # the successor went with the family
    third = await esia.http.post("/aas/oauth2/v3/te", data=esia.rp.v3_refresh(body["refresh_token"]))
    assert third.json()["error_description"].startswith("ESIA-007011:")


async def test_logout_ends_the_session_and_returns_to_the_clients_origin(esia: Esia):
    await _code(esia)
    response = await esia.http.get(
        "/idp/ext/Logout", params={"client_id": "EKAP01", "redirect_url": "https://esia-rp.example.test/bye"}
    )
    assert response.status_code == 302
    assert response.headers["location"] == "https://esia-rp.example.test/bye"
    # the SSO session is over: ac sends the person to the login form again
    again = await esia.http.get("/aas/oauth2/v2/ac", params=esia.rp.v2_ac())
    assert again.headers["location"].startswith("/login?i=")


async def test_scope_is_as_sent(esia: Esia):
    code, _ = await _code(esia, scope=SCOPE)
    assert code


async def test_the_consent_page_shows_esia_scopes_and_organisations(esia: Esia):
    """The OIDC face's consent page, with the ESIA catalogue's texts (ESIA.md §6)."""
    _employ(esia, "1000000001")
    params = esia.rp.v2_ac(scope="openid snils birthdate", scope_org="org_emps?org_oid=1000000001")
    response = await esia.http.get("/aas/oauth2/v2/ac", params=params)
    login_page = await esia.http.get(response.headers["location"])
    handle = response.headers["location"].split("i=")[1]
    token = login_page.text.split('name="csrf_token" value="')[1].split('"')[0]
    from tests.idp.conftest import CITIZEN, PASSWORD

    signed_in = await esia.http.post(
        "/login",
        data={"login": CITIZEN.email, "password": PASSWORD, "csrf_token": token, "interaction": handle},
    )
    resumed = await esia.http.get(signed_in.headers["location"])
    assert resumed.headers["location"].startswith("/consent?i=")
    page = (await esia.http.get(resumed.headers["location"])).text
    for line in ("СНИЛС", "Дата рождения", "Сотрудники организации (организация 1000000001)"):
        assert line in page


def _employ(esia: Esia, *org_oids: str) -> None:
    """Plug an employment check in (the organisations feature provides the real one)."""
    ctx = esia.app.state.esia_context
    esia.app.state.esia_context = dataclasses.replace(ctx, employment=lambda _s, _a, oid: oid in org_oids)


async def test_organisation_scopes_of_the_persons_organisation_reach_the_token(esia: Esia):
    _employ(esia, "1000000001")
    code, _ = await _code(esia, scope="openid fullname", scope_org="org_emps?org_oid=1000000001")
    body = (
        await esia.http.post("/aas/oauth2/v3/te", data=esia.rp.v3_te(code, scope="openid fullname"))
    ).json()
    scope = jwt.get_unverified_claims(body["access_token"])["scope"].split()
    assert sorted(scope) == sorted(["openid", f"fullname?oid={esia.oid}", "org_emps?org_oid=1000000001"])
