"""Introspection (RFC 7662) and revocation (RFC 7009).

Both authenticate the calling client with Authlib's client authentication. Introspection is open
to resource servers (clients registered with the ``introspection`` scope) and to the client the
token was issued to; anyone else learns only ``{"active": false}``.
"""

from __future__ import annotations

import time
from typing import Any

from authlib.oauth2.rfc6749.errors import InvalidRequestError, OAuth2Error
from fastapi.responses import Response

from idp.accounts import service as accounts_service
from idp.keys.service import KeyStore
from idp.oauth2.client_auth import basic_client_id
from idp.oauth2.grants import CONFIDENTIAL_AUTH_METHODS
from idp.oauth2.requests import HttpPayload
from idp.oauth2.server import IdpAuthorizationServer
from idp.tokens import service as tokens_service
from idp.tokens.revocations import RevocationList
from idp.tokens.verify import OwnTokenError, verify_own_jwt
from shared.db import utcnow

INTROSPECTION_SCOPE = "introspection"
_TOKEN_HINTS = {"access_token", "refresh_token"}


def _find(
    server: IdpAuthorizationServer, keys: KeyStore, value: str, hint: str | None
) -> dict[str, Any] | None:
    """What we know about a token: {'kind': ..., ...} or None when it is not ours / not active."""
    order = (
        ["refresh_token", "access_token"] if hint == "refresh_token" else ["access_token", "refresh_token"]
    )
    for kind in order:
        if kind == "access_token" and value.count(".") == 2:
            try:
                claims = verify_own_jwt(value, keys, server.issuer, verify_exp=False)
            except OwnTokenError:
                continue
            if "jti" not in claims or "client_id" not in claims:
                continue
            return {"kind": kind, "claims": claims}
        if kind == "refresh_token":
            row = tokens_service.find_refresh_token(server.session, value)
            if row is not None:
                return {"kind": kind, "row": row}
    return None


_ACCESS_CLAIMS = (
    "scope",
    "client_id",
    "sub",
    "aud",
    "iss",
    "exp",
    "iat",
    "nbf",
    "jti",
    "acr",
    "amr",
    "auth_time",
    "sid",
)


def _access_payload(claims: dict[str, Any], revoked: bool) -> dict[str, Any]:
    if revoked or claims["exp"] <= time.time():
        return {"active": False}
    return {"active": True, "token_type": "Bearer", **{k: claims[k] for k in _ACCESS_CLAIMS if k in claims}}


def _active_payload(server: IdpAuthorizationServer, found: dict[str, Any]) -> dict[str, Any]:
    now = utcnow()
    if found["kind"] == "access_token":
        claims = found["claims"]
        return _access_payload(claims, tokens_service.access_token_revoked(server.session, claims["jti"]))
    row = found["row"]
    if row.revoked_at is not None or row.spent_at is not None or row.expires_at <= now:
        return {"active": False}
    account = accounts_service.get_account(server.session, row.account_id)
    return {
        "active": True,
        "token_type": "refresh_token",
        "scope": row.scope,
        "client_id": row.client_id,
        "sub": account.sub if account else None,
        "iss": server.issuer,
        "exp": int(row.expires_at.timestamp()),
        "iat": int(row.issued_at.timestamp()),
        "acr": row.acr,
        "amr": row.amr,
        "auth_time": int(row.auth_time.timestamp()),
    }


def _token_client(found: dict[str, Any]) -> str:
    return (
        str(found["claims"]["client_id"]) if found["kind"] == "access_token" else str(found["row"].client_id)
    )


def _params(payload: HttpPayload) -> tuple[str, str | None]:
    form = dict(payload.form)
    token = form.get("token")
    if not token:
        raise InvalidRequestError("Missing 'token'.")
    hint = form.get("token_type_hint")
    return token, hint if hint in _TOKEN_HINTS else None


async def introspect_from_memory(
    server: IdpAuthorizationServer, keys: KeyStore, payload: HttpPayload, revocations: RevocationList
) -> Response | None:
    """Introspection of one of our JWT access tokens by a cached client, on the event loop: the
    revocation list answers from memory (it asks the database only when it cannot vouch for itself).
    None when this path does not apply (refresh tokens, uncached clients): use :func:`introspect`."""
    form = dict(payload.form)
    token = form.get("token", "")
    if form.get("token_type_hint") == "refresh_token" or token.count(".") != 2 or "client_assertion" in form:
        return None
    client_id = form.get("client_id") or basic_client_id(payload.headers)
    if not client_id or not server.directory.peek(client_id)[0]:
        return None
    request = server.create_oauth2_request(payload)
    try:
        client = server.authenticate_client(request, CONFIDENTIAL_AUTH_METHODS, endpoint="introspection")
    except OAuth2Error as error:
        return server.handle_error_response(request, error)
    try:
        claims = verify_own_jwt(token, keys, server.issuer, verify_exp=False)
    except OwnTokenError:
        return None  # not ours as a JWT: let the full path look for a refresh token
    if "jti" not in claims or "client_id" not in claims:
        return None
    if INTROSPECTION_SCOPE not in client.row.scopes and claims["client_id"] != client.client_id:
        body: dict[str, Any] = {"active": False}
    else:
        body = _access_payload(claims, await revocations.is_revoked(str(claims["jti"])))
    return server.handle_response(200, body, [])


def introspect(server: IdpAuthorizationServer, keys: KeyStore, payload: HttpPayload) -> Response:
    request = server.create_oauth2_request(payload)
    try:
        client = server.authenticate_client(request, CONFIDENTIAL_AUTH_METHODS, endpoint="introspection")
        token, hint = _params(payload)
    except OAuth2Error as error:
        return server.handle_error_response(request, error)
    found = _find(server, keys, token, hint)
    allowed = found is not None and (
        INTROSPECTION_SCOPE in client.row.scopes or _token_client(found) == client.client_id
    )
    body = _active_payload(server, found) if found is not None and allowed else {"active": False}
    return server.handle_response(200, {k: v for k, v in body.items() if v is not None}, [])


def revoke(server: IdpAuthorizationServer, keys: KeyStore, payload: HttpPayload) -> Response:
    request = server.create_oauth2_request(payload)
    try:
        client = server.authenticate_client(
            request, [*CONFIDENTIAL_AUTH_METHODS, "none"], endpoint="revocation"
        )
        token, hint = _params(payload)
    except OAuth2Error as error:
        return server.handle_error_response(request, error)
    found = _find(server, keys, token, hint)
    # RFC 7009 §2.2: unknown tokens and other clients' tokens get a 200 all the same.
    if found is not None and _token_client(found) == client.client_id:
        if found["kind"] == "access_token":
            tokens_service.revoke_access_token(server.session, found["claims"])
        else:
            tokens_service.revoke_refresh_family(server.session, found["row"])
    return server.handle_response(200, {}, [])
