"""``/rs/prns/…`` and ``/rs/orgs/…``: the ESIA REST API for person and organisation data (ESIA.md §7).

One route per family with a ``path`` tail, normalised here: ESIA clients send ``/rs/prns/{oid}/``
(npm ``esia``) and ``/rs/prns/{oid}//vhls`` (sokolovs), so empty segments are dropped. Any
``Accept`` is served (esia-connector sends ``application/json; schema="…"``, npm ``esia`` none).

The token is checked on the event loop (cached keys, the process's revocation list); the data is
read in one worker-thread hop (:mod:`idp.esia.rest`).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from idp.esia import rest
from idp.esia.access import REALM, EsiaAccess, EsiaTokenError, verify_access_token
from idp.esia.formats import parse_embed
from shared.openapi import problem_responses
from shared.tokens import MissingTokenError

router = APIRouter(tags=["esia"])

RESPONSES = problem_responses(
    {
        401: "No token, or one that is forged, expired, revoked or not an ESIA access token "
        "(`WWW-Authenticate: Bearer`)",
        403: "The token lacks the scope, is about another person (`access_denied`), or its person "
        "no longer works in the organisation",
        404: "No such person, collection or item (`not_found`)",
    }
)


def _token(request: Request) -> str:
    header = request.headers.get("authorization")
    if not header:
        raise MissingTokenError("A bearer token is required.", realm=REALM)
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise EsiaTokenError("The Authorization header must be 'Bearer <access_token>'.", realm=REALM)
    return value.strip()


async def _access(request: Request) -> EsiaAccess:
    state = request.app.state
    return await verify_access_token(_token(request), state.key_store, state.revocations)


def _request(request: Request, path: str) -> rest.Request:
    return rest.Request(
        segments=tuple(part for part in path.split("/") if part),
        embed=parse_embed(request.query_params.get("embed")),
        client_ip=request.client.host if request.client else None,
    )


def _json(body: dict[str, Any]) -> JSONResponse:
    return JSONResponse(body, headers={"Cache-Control": "no-store"})


@router.get(
    "/rs/prns/{path:path}",
    summary="A person (`/rs/prns/{oid}`), a collection of theirs (`/ctts`, `/addrs`, `/docs`, `/kids`, "
    "`/vhls`, `/roles`, `/orgs`) or one item (`/{collection}/{id}`); `?embed=(…)` (ESIA.md §7.1-7.3)",
    responses=RESPONSES,
)
async def person_data(request: Request, path: str) -> JSONResponse:
    access = await _access(request)
    body = await run_in_threadpool(
        rest.person_resource, request.app.state.esia_rest, access, _request(request, path)
    )
    return _json(body)


@router.get(
    "/rs/orgs/{path:path}",
    summary="An organisation (`/rs/orgs/{org_oid}`), its employees (`/emps`) or one of them, with an "
    "organisation-scoped token (`org_*?org_oid=`, ESIA.md §7.3)",
    responses=RESPONSES,
)
async def organization_data(request: Request, path: str) -> JSONResponse:
    access = await _access(request)
    body = await run_in_threadpool(
        rest.organization_resource, request.app.state.esia_rest, access, _request(request, path)
    )
    return _json(body)
