from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import anyio.to_thread
from fastapi import APIRouter, Query, Request, Response

from egisz_api.audit import reading, service
from egisz_api.audit.schemas import AccessEventOut, WhoAmI
from egisz_api.dependencies import AuditSinkDep, ClaimsDep, SessionDep
from shared.clock import system_clock
from shared.db import read_only
from shared.logging import current_request_id
from shared.openapi import BEARER_ERRORS, problem_responses

router = APIRouter(prefix="/api/v1", tags=["access"])

FHIR_JSON = "application/fhir+json"


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


@router.get(
    "/audit-events",
    summary="Search AuditEvents («who looked at my record»): a FHIR searchset Bundle",
    description=(
        "The same search as `GET /fhir/AuditEvent` (docs/audit.md), which adds the FHIR compartment "
        "rules and `Prefer: handling=lenient`. "
        "A patient token (`patient/AuditEvent.rs`) sees its own patient's events; `user/` and `system/` "
        "scopes need the auditor or admin role. Every search is itself recorded as an AuditEvent."
    ),
    response_class=Response,
    responses={
        200: {"content": {FHIR_JSON: {}}, "description": "A searchset Bundle, newest first by default."},
        **problem_responses(
            {
                400: "Unsupported or malformed search parameter",
                401: BEARER_ERRORS[401],
                403: "No AuditEvent scope, another patient's record, or no reviewer role",
                503: "The audit log cannot record this search, so it is not run",
            }
        ),
    },
)
async def audit_events(
    request: Request,
    claims: ClaimsDep,
    sink: AuditSinkDep,
    session: SessionDep,
    patient: str | None = Query(None, description="`Patient/<id>` or `<id>`"),
    date: list[str] | None = Query(None, description="`recorded`, with eq/gt/lt/ge/le prefixes"),
    agent: str | None = Query(None, description="the person (`Practitioner/<id>`) or token subject"),
    action: list[str] | None = Query(None, description="C, R, U, D, E (comma = or)"),
    sort: str | None = Query(None, alias="_sort", description="`-date` (default) or `date`"),
    count: str | None = Query(None, alias="_count", description="page size, 1..100"),
    cursor: str | None = Query(None, alias="_cursor", description="from a `next` link"),
) -> Response:
    caller = reading.Caller.from_claims(
        claims, source_ip=request.client.host if request.client else None, request_id=current_request_id()
    )

    async def read(work: Any) -> Any:
        def run() -> Any:
            with read_only(session):
                return work(session)

        return await anyio.to_thread.run_sync(run)

    params = list(request.query_params.multi_items())
    page = await reading.search_as(
        caller, request.url.query, params, sink=sink, read=read, clock=system_clock
    )
    next_url = None
    if page.next_cursor is not None:
        kept = [(k, v) for k, v in params if k != "_cursor"] + [("_cursor", page.next_cursor)]
        next_url = str(request.url.replace(query=urlencode(kept)))
    body = reading.bundle(page, self_url=str(request.url), next_url=next_url)
    return Response(body, media_type=FHIR_JSON)
