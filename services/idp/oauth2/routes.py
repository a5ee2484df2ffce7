from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from idp.dependencies import AuthorizationServerDep, PayloadDep

router = APIRouter(tags=["oauth2"])


@router.post(
    "/token",
    summary="Token endpoint (RFC 6749 §3.2): client_credentials",
    response_description="An access token (RFC 6749 §5.1) or an OAuth error (§5.2)",
)
def token(payload: PayloadDep, server: AuthorizationServerDep) -> Response:
    response: Response = server.create_token_response(payload)
    return response
