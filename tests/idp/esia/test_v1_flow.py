"""ESIA.md §3.2 v1: ``ac``/``te`` with a CMS ``client_secret`` over ``scope+timestamp+client_id+state``
made by ``openssl smime|cms -sign`` in the shapes the v1 clients send; and the ``lenient`` mode
(ESIA.md §14) for passport-esia and fr05t1k/esia 3.x."""

from __future__ import annotations

from jose import jwt

from idp.pki import client_secrets as cs
from tests.idp.esia.conftest import Esia
from tests.idp.esia.helpers import EsiaRp, b64url, callback, diagnosis_of, register, through_pages
from tests.idp.pki.openssl_signing import cms_sign, gost_signer, needs_gost, rsa_signer

pytestmark = needs_gost


async def _v1_code(esia: Esia, rp: EsiaRp) -> tuple[str, dict[str, str]]:
    params = rp.v1_params()
    response = await through_pages(esia.http, await esia.http.get("/aas/oauth2/ac", params=params))
    query = callback(response)
    assert "code" in query, query
    return query["code"], params


async def test_v1_detached_rsa_cms_as_esia_connector_end_to_end(esia: Esia):
    code, params = await _v1_code(esia, esia.v1)
    # esia-connector reuses the ac state at te (ESIA.md §4.1)
    te = esia.v1.v1_te(code, state=params["state"])
    response = await esia.http.post("/aas/oauth2/te", data=te)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["state"] == params["state"]
    claims = jwt.get_unverified_claims(body["id_token"])
    assert claims["urn:esia:sbj"]["urn:esia:sbj:oid"] == esia.oid
    assert claims["iss"] == "http://esia.gosuslugi.ru/"


async def test_v1_attached_unpadded_cms_as_npm_esia(esia: Esia):
    code, _ = await _v1_code(esia, esia.v1)
    te = esia.v1.v1_te(code, scope="openid")
    message = cs.v1_message(
        scope="openid", timestamp=te["timestamp"], client_id="INSP03211", state=te["state"]
    )
    te["client_secret"] = b64url(cms_sign(rsa_signer(), message, attached=True))
    response = await esia.http.post("/aas/oauth2/te", data=te)
    assert response.status_code == 200, response.text


async def test_v1_attached_cms_holding_another_string_shows_the_string_found(esia: Esia):
    code, _ = await _v1_code(esia, esia.v1)
    te = esia.v1.v1_te(code)
    te["client_secret"] = b64url(cms_sign(rsa_signer(), b"something else", attached=True))
    response = await esia.http.post("/aas/oauth2/te", data=te)
    assert response.status_code == 400
    description = response.json()["error_description"]
    assert description.startswith("ESIA-007053: ")
    diagnosis = diagnosis_of(esia.app, description)
    assert diagnosis["string_found_in_cms"] == "something else"
    assert diagnosis["cms_shape"] == "attached"
    assert diagnosis["expected_strings"] == [f"{te['scope']}{te['timestamp']}INSP03211{te['state']}"]


async def test_v1_gost_cms(esia: Esia):
    register(esia.app, "GOSTV1", [gost_signer()])
    rp = EsiaRp("GOSTV1", gost_signer())
    params = rp.v1_params()
    message = cs.v1_message(
        scope=params["scope"], timestamp=params["timestamp"], client_id="GOSTV1", state=params["state"]
    )
    params["client_secret"] = b64url(cms_sign(gost_signer(), message), pad=True)
    response = await esia.http.get("/aas/oauth2/ac", params=params)
    assert response.status_code == 302 and response.headers["location"].startswith("/login?i=")


async def test_a_v1_cms_on_v2_ac_is_refused_in_strict_mode(esia: Esia):
    rp = EsiaRp("INSP03211", rsa_signer())
    params = rp.v1_params()
    response = await esia.http.get("/aas/oauth2/v2/ac", params=params)
    assert "ESIA-007014" in response.headers["location"]  # no client_certificate_hash


async def test_lenient_accepts_v1_cms_on_v2_and_an_empty_secret_at_te(esia: Esia):
    register(esia.app, "LENIENT1", [rsa_signer()], mode="lenient")
    rp = EsiaRp("LENIENT1", rsa_signer())
    params = rp.v1_params()  # fr05t1k/esia 3.x: a v1 CMS at v2/ac
    response = await through_pages(esia.http, await esia.http.get("/aas/oauth2/v2/ac", params=params))
    code = callback(response)["code"]
    # passport-esia: no client_secret and no scope at te
    te = {
        "client_id": "LENIENT1",
        "code": code,
        "grant_type": "authorization_code",
        "redirect_uri": rp.redirect_uri,
        "timestamp": params["timestamp"],
        "state": params["state"],
    }
    answer = await esia.http.post("/aas/oauth2/te", data=te)
    assert answer.status_code == 200, answer.text


async def test_strict_refuses_an_empty_secret_at_te(esia: Esia):
    code, _ = await _v1_code(esia, esia.v1)
    te = esia.v1.v1_te(code, client_secret="")
    response = await esia.http.post("/aas/oauth2/te", data=te)
    assert response.status_code == 400
    assert response.json()["error_description"].startswith("ESIA-007014: ")
