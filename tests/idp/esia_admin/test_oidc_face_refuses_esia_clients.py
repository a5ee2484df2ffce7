"""A client of the ESIA face (``token_endpoint_auth_method`` ``esia_signed_secret``) is nobody on the
OIDC face: ``/authorize`` answers ``unauthorized_client`` (RFC 6749 §4.1.2.1), the token,
introspection and revocation endpoints ``invalid_client`` (RFC 6749 §5.2), whatever credentials are
tried; and the OIDC clients admin API can neither create such a client nor turn one into its own."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from idp.clients.models import Client
from idp.esia import registry
from idp.esia.registry import EsiaClientSpec
from tests.idp.conftest import RP_REDIRECT, Provider, callback_params, pkce
from tests.idp.esia_admin.conftest import EsiaAdmin


@pytest.fixture
def esia_client(provider: Provider) -> str:
    with provider.app.state.session_factory() as session:
        registry.register_client(
            session,
            provider.app.state.secret_hasher,
            EsiaClientSpec(client_id="EGISZ", name="ЕГИСЗ", redirect_uris=[RP_REDIRECT], scopes=["openid"]),
        )
        session.commit()
    return "EGISZ"


async def test_authorize_redirects_unauthorized_client(provider: Provider, esia_client: str) -> None:
    _, challenge = pkce()
    response = await provider.http.get(
        "/authorize",
        params={
            "response_type": "code",
            "client_id": esia_client,
            "redirect_uri": RP_REDIRECT,
            "scope": "openid",
            "state": "s1",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        },
    )
    assert response.status_code == 302
    query = callback_params(response)
    assert query["error"] == "unauthorized_client" and query["state"] == "s1"
    assert "ESIA face only" in query["error_description"] and "code" not in query


@pytest.mark.parametrize(
    ("how", "grant"),
    [
        ("basic", "client_credentials"),
        ("post", "authorization_code"),
        ("none", "authorization_code"),
        ("none", "refresh_token"),
        ("basic_with_planted_secret", "client_credentials"),
        ("post_with_planted_secret", "refresh_token"),
    ],
)
async def test_token_endpoint_refuses_every_credential(
    provider: Provider, esia_client: str, how: str, grant: str
) -> None:
    secret = "x" * 43
    if how.endswith("planted_secret"):  # even a secret written into its row by someone does not help
        with provider.app.state.session_factory() as session:
            row = session.scalars(select(Client).where(Client.client_id == esia_client)).one()
            row.secret_hash = provider.app.state.secret_hasher.hash(secret)
            session.commit()
    form = {"grant_type": grant, "code": "c", "refresh_token": "r", "redirect_uri": RP_REDIRECT}
    if how.startswith("basic"):
        response = await provider.http.post("/token", data=form, auth=(esia_client, secret))
    elif how.startswith("post"):
        response = await provider.http.post(
            "/token", data={**form, "client_id": esia_client, "client_secret": secret}
        )
    else:
        response = await provider.http.post("/token", data={**form, "client_id": esia_client})
    assert response.status_code == 401, response.text
    assert response.json()["error"] == "invalid_client"
    assert "access_token" not in response.text


@pytest.mark.parametrize("path", ["/introspect", "/revoke"])
async def test_introspection_and_revocation_refuse_it(
    provider: Provider, esia_client: str, path: str
) -> None:
    response = await provider.http.post(path, data={"token": "t"}, auth=(esia_client, "x" * 43))
    assert response.status_code == 401 and response.json()["error"] == "invalid_client"


async def test_the_oidc_admin_api_cannot_create_or_take_over_an_esia_client(
    esia_admin: EsiaAdmin, esia_client: str
) -> None:
    http, headers = esia_admin.provider.http, esia_admin.headers
    body = {
        "client_id": "MIS01",
        "name": "МИС",
        "token_endpoint_auth_method": "esia_signed_secret",
        "grant_types": ["authorization_code"],
        "redirect_uris": [RP_REDIRECT],
    }
    created = await http.post("/admin/clients", json=body, headers=headers)
    assert created.status_code == 422 and created.json()["code"] == "validation_failed"
    replace = {**body, "client_id": esia_client, "token_endpoint_auth_method": "client_secret_basic"}
    put = await http.put(f"/admin/clients/{esia_client}", json=replace, headers=headers)
    assert put.status_code == 409 and put.json()["code"] == "esia_client"
    rotated = await http.post(f"/admin/clients/{esia_client}/secret", headers=headers)
    assert rotated.status_code == 409 and "client_secret" not in rotated.json()
    deleted = await http.delete(f"/admin/clients/{esia_client}", headers=headers)
    assert deleted.status_code == 409 and deleted.json()["code"] == "esia_client"
    still = (await http.get(f"/admin/esia/clients/{esia_client}", headers=headers)).json()
    assert still["client_id"] == esia_client and still["name"] == "ЕГИСЗ"
    oidc = (await http.get(f"/admin/clients/{esia_client}", headers=headers)).json()
    assert oidc["token_endpoint_auth_method"] == "esia_signed_secret"
