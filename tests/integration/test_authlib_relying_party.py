"""A real third-party RP library (Authlib's OAuth2 client) against a uvicorn-served idp over real
HTTP: discovery, authorization code + PKCE S256, ID token validation against the JWKS, userinfo,
refresh, revocation. So we are not only testing ourselves against ourselves."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from authlib.integrations.httpx_client import OAuth2Client
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jwt
from joserfc.jwk import KeySet

from idp.accounts.service import create_account
from idp.clients.service import ClientSpec, register_client
from tests.conftest import idp_settings
from tests.idp.conftest import CITIZEN, PASSWORD
from tests.live import free_port, serve_in_thread

pytestmark = pytest.mark.integration
REDIRECT = "http://127.0.0.1:9/callback"


@pytest.fixture
def live(make_db: Callable[..., str]) -> Iterator[dict[str, Any]]:
    from idp.main import create_app

    port = free_port()
    issuer = f"http://127.0.0.1:{port}"
    app = create_app(idp_settings(make_db("idp"), issuer=issuer))
    with serve_in_thread(app, port):
        with app.state.session_factory() as session:
            create_account(session, app.state.field_cipher, CITIZEN)
            _, secret = register_client(
                session,
                app.state.secret_hasher,
                ClientSpec(
                    client_id="authlib-rp",
                    name="Authlib RP",
                    grant_types=["authorization_code", "refresh_token"],
                    scopes=["openid", "profile", "email", "offline_access"],
                    redirect_uris=[REDIRECT],
                ),
            )
            session.commit()
        yield {"issuer": issuer, "secret": secret}


def _browser_login(issuer: str, authorize_url: str) -> str:
    """What a person does in the browser: the login and consent pages. Returns the callback URL."""
    with httpx.Client(base_url=issuer, follow_redirects=False) as browser:
        response = browser.get(authorize_url)
        for _ in range(10):
            location = response.headers["location"]
            if location.startswith(REDIRECT):
                return str(location)
            page = browser.get(location)
            token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
            handle = parse_qs(urlsplit(location).query).get("i", [""])[0]
            if location.startswith("/login"):
                assert token
                response = browser.post(
                    "/login",
                    data={
                        "login": CITIZEN.email,
                        "password": PASSWORD,
                        "csrf_token": token.group(1),
                        "interaction": handle,
                    },
                )
            elif location.startswith("/consent"):
                assert token
                response = browser.post(
                    "/consent",
                    data={"decision": "allow", "csrf_token": token.group(1), "interaction": handle},
                )
            else:
                response = page
    raise AssertionError("no callback")


def test_authlib_client_full_flow(live: dict[str, Any]) -> None:
    issuer = live["issuer"]
    meta = httpx.get(f"{issuer}/.well-known/openid-configuration").json()
    client = OAuth2Client(
        client_id="authlib-rp",
        client_secret=live["secret"],
        scope="openid profile email offline_access",
        redirect_uri=REDIRECT,
        code_challenge_method="S256",
        token_endpoint_auth_method="client_secret_basic",
    )
    verifier = "v" * 20 + "erifier-of-at-least-43-characters-xyz"
    url, state = client.create_authorization_url(
        meta["authorization_endpoint"], code_verifier=verifier, nonce="n-123"
    )
    assert create_s256_code_challenge(verifier) in url
    callback = _browser_login(issuer, url)
    params = parse_qs(urlsplit(callback).query)
    assert params["iss"] == [issuer] and params["state"] == [state]
    token = client.fetch_token(
        meta["token_endpoint"], authorization_response=callback, code_verifier=verifier
    )
    keys = KeySet.import_key_set(httpx.get(meta["jwks_uri"]).json())
    id_token = jwt.decode(token["id_token"], keys)
    claims = jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": issuer},
        aud={"essential": True, "value": "authlib-rp"},
        nonce={"essential": True, "value": "n-123"},
    )
    claims.validate(id_token.claims)
    info = client.get(meta["userinfo_endpoint"]).json()
    assert info["email"] == CITIZEN.email and info["sub"] == id_token.claims["sub"]
    refreshed = client.refresh_token(meta["token_endpoint"], refresh_token=token["refresh_token"])
    assert refreshed["refresh_token"] != token["refresh_token"]
    client.revoke_token(meta["revocation_endpoint"], token=refreshed["access_token"])
    assert client.get(meta["userinfo_endpoint"]).status_code == 401
    client.close()
