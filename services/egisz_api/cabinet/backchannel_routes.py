"""``POST /esia/backchannel-logout``: the idp tells EGISZ a session ended (OIDC Back-Channel Logout
1.0 §2.5-§2.8): 200 when done, 400 ``{"error": "invalid_request"}`` for a token we refuse."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import JSONResponse, Response

from egisz_api.cabinet import backchannel
from egisz_api.cabinet.errors import LogoutTokenError
from egisz_api.dependencies import SessionDep
from egisz_api.settings import EgiszSettings
from shared.tokens import JwtVerifier

logger = logging.getLogger("egisz_api.cabinet")
router = APIRouter(include_in_schema=False)
NO_STORE = {"Cache-Control": "no-store"}


def logout_verifier(request: Request) -> JwtVerifier:
    verifier: JwtVerifier | None = getattr(request.app.state, "logout_token_verifier", None)
    if verifier is None:
        settings: EgiszSettings = request.app.state.settings
        verifier = JwtVerifier(
            request.app.state.token_verifier.keys,  # the idp's JWKS, one cache for the service
            issuer=settings.idp_issuer,
            audience=settings.esia_client_id,
            allowed_types=["logout+jwt"],
            realm="egisz",
        )
        request.app.state.logout_token_verifier = verifier
    return verifier


@router.post("/esia/backchannel-logout")
def backchannel_logout(
    request: Request, db: SessionDep, logout_token: Annotated[str, Form(max_length=8192)] = ""
) -> Response:
    try:
        ended = backchannel.receive(db, logout_verifier(request), logout_token, now=request.app.state.clock())
    except LogoutTokenError as exc:
        logger.warning("back-channel logout refused: %s", exc.detail)
        # §2.8: 400 with an OAuth-style error; the detail names the check, never the token
        return JSONResponse(
            {"error": "invalid_request", "error_description": exc.detail}, status_code=400, headers=NO_STORE
        )
    logger.info("back-channel logout", extra={"sessions_ended": ended})
    return Response(status_code=200, headers=NO_STORE)
