"""``POST /aas/oauth2/te`` (v1) and ``POST /aas/oauth2/v3/te`` (v3): the ESIA token endpoint
(ESIA.md §4). Parameters from the query string and the form body, merged (the body wins)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response

from idp.dependencies import PayloadDep, SessionDep
from idp.esia.context import EsiaContext
from idp.esia.token import TeRequest, exchange
from idp.oauth2 import openapi as docs
from shared.errors import PROBLEM_JSON

router = APIRouter(tags=["esia"])


async def _esia_context(request: Request) -> EsiaContext:
    ctx: EsiaContext = request.app.state.esia_context
    return ctx


EsiaContextDep = Annotated[EsiaContext, Depends(_esia_context)]

_SIGNED = {
    "client_id": "The client's mnemonic.",
    "grant_type": "authorization_code, refresh_token or client_credentials.",
    "code": "authorization_code: the code from the ac redirect.",
    "redirect_uri": "The redirect_uri of the ac request (signed at v3).",
    "refresh_token": "refresh_token: the refresh token (rotated on use).",
    "scope": "The scope as signed (the granted scopes come from the code).",
    "scope_org": "v3: organisation scopes, as signed.",
    "state": "A UUID; echoed in the answer.",
    "timestamp": "yyyy.MM.dd HH:mm:ss ±hhmm (ESIA.md §3.3).",
    "token_type": "Bearer.",
    "client_secret": "The signature: v1 CMS, v3 raw GOST R 34.10-2012 (base64url).",
    "client_certificate_hash": "v3: Streebog-256 of the DER certificate, 64 hex digits.",
}
_ANSWER: dict[str, Any] = {
    "type": "object",
    "title": "EsiaTokens",
    "required": ["access_token", "expires_in", "token_type"],
    "properties": {
        "access_token": {"type": "string"},
        "id_token": {"type": "string"},
        "refresh_token": {"type": "string"},
        "state": {"type": "string"},
        "token_type": {"type": "string"},
        "expires_in": {"type": "integer"},
    },
}
_ERROR: dict[str, Any] = {
    "type": "object",
    "title": "EsiaError",
    "required": ["error", "error_description"],
    "properties": {
        "error": {"type": "string"},
        "error_description": {"type": "string", "examples": ["ESIA-007014: …"]},
        "state": {"type": "string"},
    },
}
_RESPONSES: dict[int | str, dict[str, Any]] = docs.json_ok("The tokens (ESIA.md §4.4).", _ANSWER) | {
    400: {
        "description": "ESIA.md §4.5: an ESIA error (or the plumbing's problem JSON for a bad body).",
        "content": {"application/json": {"schema": _ERROR}, PROBLEM_JSON: {"schema": docs.PROBLEM}},
    },
    **docs.TOO_LARGE,
}


def _answer(request: Request, payload: Any, session: Any, ctx: EsiaContext, version: int) -> Response:
    data = dict(reversed(payload.query)) | dict(reversed(payload.form))  # first of each wins
    answer = exchange(TeRequest(session, ctx, data, version, "te" if version == 1 else "v3/te"))
    return JSONResponse(answer.body, status_code=answer.status, headers={"Cache-Control": "no-store"})


@router.post(
    "/aas/oauth2/te",
    summary="ESIA token endpoint v1 (ESIA.md §4): client_secret a CMS over scope+timestamp+client_id+state",
    response_class=Response,
    openapi_extra=docs.form(_SIGNED),
    responses=_RESPONSES,
)
def te_v1(request: Request, payload: PayloadDep, session: SessionDep, ctx: EsiaContextDep) -> Response:
    return _answer(request, payload, session, ctx, 1)


@router.post(
    "/aas/oauth2/v3/te",
    summary="ESIA token endpoint v3 (ESIA.md §4): client_secret a raw GOST signature",
    response_class=Response,
    openapi_extra=docs.form(_SIGNED),
    responses=_RESPONSES,
)
def te_v3(request: Request, payload: PayloadDep, session: SessionDep, ctx: EsiaContextDep) -> Response:
    return _answer(request, payload, session, ctx, 3)
