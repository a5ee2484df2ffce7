"""ESIA.md §4.3: system tokens (``grant_type=client_credentials``) with organisation scopes as full
URLs ``http://esia.gosuslugi.ru/<scope>?org_oid=<oid>`` (ilimurzin 3.x, v1 signature)."""

from __future__ import annotations

import uuid

from jose import jwt

from idp.pki import client_secrets as cs
from tests.idp.esia.conftest import Esia
from tests.idp.esia.helpers import b64url, diagnosis_of, register, timestamp
from tests.idp.pki.openssl_signing import cms_sign, needs_gost, rsa_signer

pytestmark = needs_gost
ORG_SCOPE = "http://esia.gosuslugi.ru/org_emps?org_oid=1000000001 http://esia.gosuslugi.ru/org_shortname?org_oid=1000000001"


def _request(client_id: str, scope: str) -> dict[str, str]:
    params = {
        "client_id": client_id,
        "grant_type": "client_credentials",
        "response_type": "token",
        "scope": scope,
        "timestamp": timestamp(offset_hours=0),
        "state": str(uuid.uuid4()),
        "token_type": "Bearer",
    }
    message = cs.v1_message(
        scope=scope, timestamp=params["timestamp"], client_id=client_id, state=params["state"]
    )
    params["client_secret"] = b64url(cms_sign(rsa_signer(), message, command="smime"), pad=True)
    return params


async def test_a_system_token_for_organisation_scopes(esia: Esia):
    register(
        esia.app,
        "SYS01",
        [rsa_signer()],
        scopes=["org_emps", "org_shortname"],
        grant_types=["client_credentials"],
    )
    params = _request("SYS01", ORG_SCOPE)
    response = await esia.http.post("/aas/oauth2/te", data=params)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["state"] == params["state"] and isinstance(body["expires_in"], int)
    assert "refresh_token" not in body and "id_token" not in body
    claims = jwt.get_unverified_claims(body["access_token"])
    assert claims["scope"] == "org_emps?org_oid=1000000001 org_shortname?org_oid=1000000001"
    assert claims["client_id"] == "SYS01" and "urn:esia:sbj_id" not in claims


async def test_a_client_not_registered_for_system_tokens_is_007005(esia: Esia):
    params = _request("INSP03211", ORG_SCOPE)
    response = await esia.http.post("/aas/oauth2/te", data=params)
    assert response.status_code == 400
    description = response.json()["error_description"]
    assert description.startswith("ESIA-007005: ")
    assert "client_credentials" in diagnosis_of(esia.app, description)["problem"]


async def test_an_organisation_scope_without_org_oid_is_007006(esia: Esia):
    register(esia.app, "SYS02", [rsa_signer()], scopes=["org_emps"], grant_types=["client_credentials"])
    params = _request("SYS02", "http://esia.gosuslugi.ru/org_emps")
    response = await esia.http.post("/aas/oauth2/te", data=params)
    description = response.json()["error_description"]
    assert description.startswith("ESIA-007006: ")
    assert "org_oid" in str(diagnosis_of(esia.app, description)["unknown_scopes"])
