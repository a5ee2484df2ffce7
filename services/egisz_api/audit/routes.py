from __future__ import annotations

from fastapi import APIRouter, Request

from egisz_api.audit import service
from egisz_api.audit.schemas import AccessEventOut, WhoAmI
from egisz_api.dependencies import ClaimsDep, SessionDep
from shared.openapi import BEARER_ERRORS, problem_responses

router = APIRouter(prefix="/api/v1", tags=["access"])


@router.get(
    "/whoami",
    response_model=WhoAmI,
    summary="The caller as the token describes it, and its last accesses",
    responses=problem_responses({401: BEARER_ERRORS[401]}),
)
def whoami(request: Request, claims: ClaimsDep, session: SessionDep) -> WhoAmI:
    subject = str(claims["sub"])
    client_id = claims.get("client_id")
    service.record_access(
        session,
        subject=subject,
        client_id=client_id,
        action="read",
        resource="whoami",
        outcome="granted",
        source_ip=request.client.host if request.client else None,
    )
    events = service.recent_access(session, subject)
    return WhoAmI(
        subject=subject,
        client_id=client_id,
        scope=str(claims.get("scope", "")).split(),
        recent_access=[AccessEventOut.model_validate(e, from_attributes=True) for e in events],
    )
