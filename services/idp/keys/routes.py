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
async def jwks(keys: KeyStoreDep) -> JSONResponse:
    # Served from memory on the event loop: resource servers fetch it while the idp may be busy
    # (a full threadpool, waiting on them, must not keep them from the keys). Only when the cache
    # (IDP_KEY_CACHE_SECONDS) has expired does the database read go to a thread.
    await keys.ensure_fresh()
    body: dict[str, Any] = keys.jwks()
    return JSONResponse(body, headers={"Cache-Control": "public, max-age=60"})
