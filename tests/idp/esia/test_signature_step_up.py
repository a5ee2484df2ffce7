"""The ESIA face's signature step (not ESIA's own: issue 14, the EGISZ cabinet's writing forms ask
for it): ``acr_values=urn:idp:acr:sig urn:idp:acr:qes`` at ``ac`` inside a password session sends
the person to ``/login/signature``; after the signature the code's id_token carries the ``acr``
reached; without ``acr_values`` the password session is enough (nothing changes for ESIA clients)."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

import pytest
from jose import jwt

from tests.idp.conftest import Provider
from tests.idp.esia.conftest import Esia
from tests.idp.esia.helpers import callback, through_pages
from tests.idp.oauth2.test_acr_signature import account_id
from tests.idp.pki import signature_login as sl

STEP_UP = "urn:idp:acr:sig urn:idp:acr:qes"


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> sl.LoginPki:
    return sl.build_pki(tmp_path_factory.mktemp("esia-stepup-pki"), dt.datetime.now(dt.UTC), with_gost=False)


async def _id_token(esia: Esia, code: str) -> dict[str, object]:
    response = await esia.http.post("/aas/oauth2/v3/te", data=esia.rp.v3_te(code))
    assert response.status_code == 200, response.text
    return dict(jwt.get_unverified_claims(response.json()["id_token"]))


async def _password_session(esia: Esia) -> None:
    query = callback(
        await through_pages(esia.http, await esia.http.get("/aas/oauth2/v2/ac", params=esia.rp.v2_ac()))
    )
    claims = await _id_token(esia, query["code"])
    assert claims["acr"] == "urn:idp:acr:pwd" and claims["amr"] == "PWD"


async def test_acr_values_in_a_password_session_go_to_the_signature_page_then_a_qes_token(
    esia: Esia, pki: sl.LoginPki, provider: Provider
):
    sl.trust_pki(esia.app, pki)
    sl.bind(esia.app, account_id(provider), pki, "qes")
    await _password_session(esia)
    params = esia.rp.v2_ac(acr_values=STEP_UP)
    first = await esia.http.get("/aas/oauth2/v2/ac", params=params)
    assert first.status_code == 302
    location = first.headers["location"]
    assert urlsplit(location).path == "/login/signature", location
    signed = await sl.sign_in(esia.http, pki, "qes", location)
    assert signed.status_code == 303, signed.text[:2000]
    query = callback(await through_pages(esia.http, signed))
    assert query["state"] == params["state"]
    claims = await _id_token(esia, query["code"])
    assert claims["acr"] == "urn:idp:acr:qes" and claims["amr"] == "DS"


async def test_without_acr_values_the_password_session_gets_a_code_at_once(esia: Esia):
    await _password_session(esia)
    response = await esia.http.get("/aas/oauth2/v2/ac", params=esia.rp.v2_ac())
    assert "code" in callback(response)


async def test_a_signature_session_satisfies_acr_values_without_a_new_signature(
    esia: Esia, pki: sl.LoginPki, provider: Provider
):
    sl.trust_pki(esia.app, pki)
    sl.bind(esia.app, account_id(provider), pki, "qes")
    await _password_session(esia)
    first = await esia.http.get("/aas/oauth2/v2/ac", params=esia.rp.v2_ac(acr_values=STEP_UP))
    await through_pages(esia.http, await sl.sign_in(esia.http, pki, "qes", first.headers["location"]))
    again = await esia.http.get("/aas/oauth2/v2/ac", params=esia.rp.v2_ac(acr_values=STEP_UP))
    claims = await _id_token(esia, callback(again)["code"])
    assert claims["acr"] == "urn:idp:acr:qes"
