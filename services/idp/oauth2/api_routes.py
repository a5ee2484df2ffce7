"""Machine-to-machine protocol endpoints: token, introspection, revocation, userinfo, discovery.

Mounted before every other router (route matching is linear in Starlette), and the hottest of them
(token, introspection, discovery) take no FastAPI dependencies: resolving them costs more than
answering a cached client_credentials grant. They read the form and open their session themselves,
with the same commit-before-respond rule as :func:`idp.dependencies.get_session`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool

from idp.dependencies import (
    AuthorizationServerDep,
    KeyStoreDep,
    PayloadDep,
    authorization_server,
)
from idp.oauth2 import endpoints
from idp.oauth2 import openapi as docs
from idp.oauth2 import userinfo as userinfo_module
from idp.oauth2.requests import HttpPayload, read_payload
from idp.oauth2.server import IdpAuthorizationServer
from shared.db import session_scope
from shared.tokens import InvalidRequestError, bearer_token

router = APIRouter(tags=["openid-connect"])


@asynccontextmanager
async def _protocol_request(
    request: Request, *, write: bool
) -> AsyncIterator[tuple[HttpPayload, IdpAuthorizationServer]]:
    """The form, and the Authlib server around a session this block owns (committed on exit,
    before the response goes out; on SQLite ``write`` takes the write lock up front)."""
    payload = await read_payload(request)
    state = request.app.state
    await state.key_store.ensure_fresh()
    factory = state.write_session_factory if write else state.session_factory
    async with session_scope(factory) as session:
        yield payload, authorization_server(state.oauth, session)


@router.post(
    "/token",
    summary="Token endpoint (RFC 6749 §3.2): authorization_code, refresh_token, client_credentials",
    response_class=Response,
    openapi_extra=docs.TOKEN_FORM,
    responses=docs.TOKEN_RESPONSES,
)
async def token(request: Request) -> Response:
    async with _protocol_request(request, write=True) as (payload, server):
        if server.answers_from_memory(payload):
            response: Response = server.create_token_response(payload)
        else:
            response = await run_in_threadpool(server.create_token_response, payload)
    return response


@router.post(
    "/introspect",
    summary="Token introspection (RFC 7662), for resource servers",
    response_class=Response,
    openapi_extra=docs.INTROSPECT_FORM,
    responses=docs.INTROSPECT_RESPONSES,
)
async def introspect(request: Request) -> Response:
    keys, revocations = request.app.state.key_store, request.app.state.revocations
    async with _protocol_request(request, write=False) as (payload, server):
        response = await endpoints.introspect_from_memory(server, keys, payload, revocations)
        if response is None:
            response = await run_in_threadpool(endpoints.introspect, server, keys, payload)
    return response


@router.get("/.well-known/openid-configuration", summary="OpenID Provider metadata (OIDC Discovery §4)")
@router.get("/.well-known/oauth-authorization-server", summary="Authorization server metadata (RFC 8414)")
async def discovery(request: Request) -> JSONResponse:
    state = request.app.state
    metadata = state.metadata_cache.peek()
    if metadata is None:
        async with session_scope(state.session_factory) as session:
            metadata = await run_in_threadpool(state.metadata_cache.get, session, state.settings.issuer)
    return JSONResponse(metadata, headers={"Cache-Control": "public, max-age=300"})


@router.get(
    "/userinfo",
    summary="UserInfo endpoint (OIDC Core §5.3)",
    operation_id="userinfo_get",
    responses=docs.USERINFO_RESPONSES,
)
@router.post(
    "/userinfo",
    summary="UserInfo endpoint (OIDC Core §5.3), token in the form",
    operation_id="userinfo_post",
    openapi_extra=docs.USERINFO_FORM,
    responses=docs.USERINFO_RESPONSES,
)
async def userinfo(request: Request) -> JSONResponse:
    payload = await read_payload(request)
    form_token = dict(payload.form).get("access_token")
    if form_token and request.headers.get("authorization"):
        raise InvalidRequestError("Send the access token in one place only.", realm=userinfo_module.REALM)
    token_value = form_token or bearer_token(request, realm=userinfo_module.REALM)  # RFC 6750 §2.1, §2.2
    state = request.app.state
    await state.key_store.ensure_fresh()
    access = await userinfo_module.check_access_token(
        state.key_store, state.settings.issuer, state.revocations, token_value
    )
    claims = await run_in_threadpool(
        userinfo_module.claims_of, state.session_factory, state.field_cipher, access
    )
    return JSONResponse(claims, headers={"Cache-Control": "no-store"})


@router.post(
    "/revoke",
    summary="Token revocation (RFC 7009)",
    response_class=Response,
    openapi_extra=docs.REVOKE_FORM,
    responses=docs.REVOKE_RESPONSES,
)
def revoke(payload: PayloadDep, server: AuthorizationServerDep, keys: KeyStoreDep) -> Response:
    return endpoints.revoke(server, keys, payload)


def hot_routes() -> list[APIRoute]:
    """Token, introspection, discovery and userinfo: dispatched ahead of the router
    (shared.exact_routes)."""
    hot = {token, introspect, discovery, userinfo}
    return [r for r in router.routes if isinstance(r, APIRoute) and r.endpoint in hot]
