"""The ESIA face names a signature login's certificate too (issue 14 "loose ends" item 1,
docs/oidc.md «cnf»): after a login by electronic signature, v2/ac → v3/te gives an access token
and an id_token with ``cnf`` ``x5t#S256`` (RFC 8705 §3.1: base64url SHA-256 of the DER) beside
``amr`` ``DS``; a password login's tokens carry none."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from jose import jwt

from idp.accounts.service import account_by_sub
from tests.idp.conftest import Provider
from tests.idp.esia.conftest import Esia
from tests.idp.esia.helpers import callback, through_pages
from tests.idp.oauth2.test_certificate_confirmation import x5t
from tests.idp.pki import signature_login as sl
from tests.idp.pki.openssl_signing import needs_gost

pytestmark = needs_gost


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> sl.LoginPki:
    return sl.build_pki(tmp_path_factory.mktemp("esia-cnf-pki"), dt.datetime.now(dt.UTC), with_gost=False)


async def _tokens(esia: Esia) -> tuple[dict[str, Any], dict[str, Any]]:
    first = await esia.http.get("/aas/oauth2/v2/ac", params=esia.rp.v2_ac())
    query = callback(await through_pages(esia.http, first))
    response = await esia.http.post("/aas/oauth2/v3/te", data=esia.rp.v3_te(query["code"], scope="openid"))
    assert response.status_code == 200, response.text
    body = response.json()
    return jwt.get_unverified_claims(body["access_token"]), jwt.get_unverified_claims(body["id_token"])


async def test_a_signature_login_names_its_certificate_in_esia_tokens(
    esia: Esia, provider: Provider, pki: sl.LoginPki
) -> None:
    sl.trust_pki(esia.app, pki)
    with esia.app.state.session_factory() as session:
        account = account_by_sub(session, provider.account_sub)
        assert account is not None
        account_id = account.id
    sl.bind(esia.app, account_id, pki, "ues")
    signed = await sl.sign_in(esia.http, pki, "ues")
    assert signed.status_code == 303, signed.text[:2000]
    access, id_token = await _tokens(esia)
    expected = {"x5t#S256": x5t(pki.certs["ues"].der)}
    assert id_token["amr"] == "DS" and id_token["cnf"] == expected
    assert access["cnf"] == expected


async def test_a_password_login_gives_esia_tokens_without_a_certificate(esia: Esia) -> None:
    access, id_token = await _tokens(esia)
    assert id_token["amr"] == "PWD"
    assert "cnf" not in access and "cnf" not in id_token
