from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from idp.dependencies import KeyStoreDep

router = APIRouter(tags=["keys"])


@router.get(
    "/.well-known/jwks.json",
    summary="JSON Web Key Set: the next, current and previous public signing keys (RFC 7517)",
)
def jwks(keys: KeyStoreDep) -> JSONResponse:
    body: dict[str, Any] = keys.jwks()
    return JSONResponse(body, headers={"Cache-Control": "public, max-age=60"})
