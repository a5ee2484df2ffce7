"""The authorities' reports over HTTP (EGISZ.md §5 row 31): FHIR ``Measure`` and ``MeasureReport``
at ``/fhir``, the CSV download at ``/api/v1/reports``. Each route verifies the token, calls one
service function in the threadpool, renders, and waits until its AuditEvent is durable."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from concurrent.futures import Future
from typing import Annotated, Any, TypeVar

import anyio.to_thread
from fastapi import APIRouter, Query, Request, Response
from sqlalchemy.orm import Session

from egisz_api.dependencies import ClaimsDep, SessionDep
from egisz_api.fhir.auditing import AccessRecord, AuditSink
from egisz_api.reports import service
from egisz_api.reports.definitions import measure_resource
from egisz_api.reports.rendering import csv_body, measure_report
from shared.errors import AppError

FHIR_JSON = "application/fhir+json"
T = TypeVar("T")
_ERRORS: dict[int | str, Any] = {
    400: {"description": "Bad parameter (OperationOutcome / problem JSON)"},
    401: {"description": "No valid bearer token"},
    403: {"description": "Not an authority or admin, no MeasureReport scope, or another region"},
    404: {"description": "Unknown measure"},
}
fhir_router = APIRouter(prefix="/fhir", tags=["fhir reports"])
api_router = APIRouter(prefix="/api/v1/reports", tags=["reports"])


def _json(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def _pairs(request: Request) -> list[tuple[str, str]]:
    return [(k, v) for k, v in request.query_params.multi_items() if k != "_format"]


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/") + "/fhir"


async def _audited(
    request: Request, session: Session, claims: dict[str, Any], action: str, what: str, work: Callable[[], T]
) -> T:
    """Run ``work`` in the threadpool and record one AccessRecord (granted or the refusal's code);
    the response leaves only once it is durable (EGISZ.md §5 (B))."""
    sink: AuditSink = request.app.state.audit_sink_factory(session)
    outcome = "granted"
    try:
        return await anyio.to_thread.run_sync(work)
    except AppError as exc:
        outcome = exc.code
        raise
    finally:
        roles = claims.get("roles")
        sink.record(
            AccessRecord(
                who=str(claims.get("sub", "")),
                client=str(claims["client_id"]) if claims.get("client_id") is not None else None,
                action=action,
                what=what,
                patient=None,
                outcome=outcome[:16],
                purpose="PUBHLTH",
                source_ip=request.client.host if request.client else None,
                roles=tuple(str(r) for r in roles) if isinstance(roles, list) else (),
                token_id=str(claims.get("jti")) if claims.get("jti") else None,
            )
        )
        pending: list[Future[None]] = getattr(sink, "pending", [])
        for acknowledgement in pending:
            await asyncio.wrap_future(acknowledgement)


def _today(request: Request) -> Any:
    return request.app.state.clock().date()


def _searchset(self_url: str, resources: list[dict[str, Any]], base: str) -> bytes:
    entries = [
        {
            **({"fullUrl": f"{base}/{r['resourceType']}/{r['id']}"} if "id" in r else {}),
            "resource": r,
            "search": {"mode": "match"},
        }
        for r in resources
    ]
    bundle: dict[str, Any] = {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": len(resources),
        "link": [{"relation": "self", "url": self_url}],
    }
    if entries:
        bundle["entry"] = entries
    return _json(bundle)


@fhir_router.get("/Measure", responses=_ERRORS, summary="Search the report Measures (EGISZ.md §5 #31)")
async def measure_search(request: Request, session: SessionDep, claims: ClaimsDep) -> Response:
    pairs = _pairs(request)
    found = await _audited(
        request, session, claims, "search", "Measure", lambda: service.measure_definitions(claims, pairs)
    )
    body = _searchset(str(request.url), [measure_resource(d) for d in found], _base(request))
    return Response(body, media_type=FHIR_JSON)


@fhir_router.get("/Measure/{measure_id}", responses=_ERRORS, summary="Read a report Measure")
async def measure_read(request: Request, session: SessionDep, claims: ClaimsDep, measure_id: str) -> Response:
    found = await _audited(
        request,
        session,
        claims,
        "read",
        f"Measure/{measure_id[:64]}",
        lambda: service.measure_definition(claims, measure_id),
    )
    return Response(_json(measure_resource(found)), media_type=FHIR_JSON)


@fhir_router.get(
    "/Measure/{measure_id}/$evaluate-measure",
    responses=_ERRORS,
    summary="A summary MeasureReport: counts per region, period and stratum, small cells «<5»",
)
async def evaluate_measure(
    request: Request, session: SessionDep, claims: ClaimsDep, measure_id: str
) -> Response:
    pairs, today = _pairs(request), _today(request)
    report = await _audited(
        request,
        session,
        claims,
        "operation",
        f"Measure/{measure_id[:64]}/$evaluate-measure",
        lambda: service.evaluate_measure(session, claims, measure_id, pairs, today),
    )
    return Response(_json(measure_report(report, request.app.state.clock())), media_type=FHIR_JSON)


@fhir_router.get(
    "/MeasureReport",
    responses=_ERRORS,
    summary="Summary MeasureReports computed on request (measure, period, subject=region, status)",
)
async def measure_report_search(request: Request, session: SessionDep, claims: ClaimsDep) -> Response:
    pairs, today = _pairs(request), _today(request)
    names = ",".join(sorted({k for k, _ in pairs}))
    reports = await _audited(
        request,
        session,
        claims,
        "search",
        f"MeasureReport?{names}",
        lambda: service.search_reports(session, claims, pairs, today),
    )
    now = request.app.state.clock()
    body = _searchset(str(request.url), [measure_report(r, now) for r in reports], _base(request))
    return Response(body, media_type=FHIR_JSON)


@api_router.get(
    "/{measure}.csv",
    responses={200: {"content": {"text/csv": {}}, "description": "The report as CSV"}, **_ERRORS},
    summary="A report as CSV (semicolons, UTF-8 with BOM; suppressed cells «<5»)",
)
async def report_csv(
    request: Request,
    session: SessionDep,
    claims: ClaimsDep,
    measure: str,
    start: Annotated[str | None, Query(alias="from", description="First day (YYYY[-MM[-DD]])")] = None,
    to: Annotated[str | None, Query(description="Last day (YYYY[-MM[-DD]])")] = None,
    region: str | None = None,
    period: str | None = None,
) -> Response:
    today = _today(request)
    report = await _audited(
        request,
        session,
        claims,
        "export",
        f"Measure/{measure[:64]}",
        lambda: service.csv_report(session, claims, measure, start, to, region, period, today),
    )
    filename = f"{report.query.measure.id}_{report.query.start}_{report.query.end}.csv"
    return Response(
        csv_body(report),
        media_type="text/csv; charset=utf-8; header=present",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
