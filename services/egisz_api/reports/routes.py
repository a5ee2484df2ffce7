"""The authorities' reports over HTTP (EGISZ.md §5 row 31): FHIR ``Measure`` and ``MeasureReport``
at ``/fhir``, the CSV download at ``/api/v1/reports``. Each route verifies the token, calls one
service function in the threadpool, renders, and waits until its AuditEvent is durable."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from concurrent.futures import Future
from typing import Annotated, Any, TypeVar
from urllib.parse import urlencode

import anyio.to_thread
from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from egisz_api.cabinet.dependencies import CabinetLoginDep
from egisz_api.cabinet.pages import render
from egisz_api.dependencies import ClaimsDep, SessionDep
from egisz_api.fhir.auditing import AccessRecord, AuditSink
from egisz_api.pages import locale_of
from egisz_api.reports import service
from egisz_api.reports.charts import bar_chart, bars
from egisz_api.reports.definitions import MEASURES, measure_resource
from egisz_api.reports.errors import ReportRequestError, UnknownMeasureError
from egisz_api.reports.rendering import csv_body, measure_report
from shared.errors import AppError
from shared.tokens import InsufficientScopeError

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
                outcome=outcome,
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


# --- the cabinet page ----------------------------------------------------------------------------

page_router = APIRouter(include_in_schema=False)
PAGE = "/cabinet/reports"


def _stratum_label(renderer: Any, locale: str, stratum: str) -> str:
    if stratum.isdigit():
        return str(renderer.text("reports_stratum_dose", locale, n=stratum))
    key = "reports_stratum_other" if stratum == "other" else f"reports_stratum_{stratum}"
    return str(renderer.text(key, locale))


@page_router.get(PAGE, response_class=HTMLResponse)
def reports_page(
    request: Request,
    person: CabinetLoginDep,
    db: SessionDep,
    measure: Annotated[str, Query(max_length=64)] = "covid-tests",
    start: Annotated[str | None, Query(alias="from", max_length=32)] = None,
    to: Annotated[str | None, Query(max_length=32)] = None,
    period: Annotated[str | None, Query(max_length=8)] = None,
    region: Annotated[str | None, Query(max_length=8)] = None,
) -> HTMLResponse:
    """Charts and a table of one report, filtered by a GET form (no JavaScript)."""
    renderer, locale = request.app.state.pages, locale_of(request)
    try:
        authority = service.page_authority(person.roles, person.region)
    except InsufficientScopeError:
        # «Недостаточно прав» in the cabinet's own words (the error page would only say «Ошибка»)
        return render(
            request, "reports/reports.html", title_key="reports_title", person=person, status=403, denied=True
        )
    today = request.app.state.clock().date()
    report, error = None, None
    try:
        report = service.page_report(
            db, person.roles, person.region, measure, start, to, region, period, today
        )
    except (ReportRequestError, UnknownMeasureError) as exc:
        error = exc.detail
    form = {"start": start or "", "end": to or "", "region": region or ""}
    chosen = report.query.unit if report else (period or "month")
    units = [
        {"value": u, "label": renderer.text(f"reports_unit_{u}", locale), "checked": u == chosen}
        for u in ("day", "week", "month")
    ]
    measures = [
        {"value": m, "label": renderer.text(f"reports_measure_{m}", locale), "checked": m == measure}
        for m in MEASURES
    ]
    chart, strata, csv_url = "", [], None
    if report is not None:
        strata = [(s, _stratum_label(renderer, locale, s)) for s in report.strata]
        title = renderer.text(f"reports_measure_{report.query.measure.id}", locale)
        chart = bar_chart(
            bars(report, renderer.text("reports_unknown_region", locale)),
            title,
            renderer.text("reports_chart_desc", locale),
            "report-chart",
        )
        query = [("from", report.query.start.isoformat()), ("to", report.query.end.isoformat())]
        query.append(("period", report.query.unit))
        if report.query.region:
            query.append(("region", report.query.region))
        csv_url = f"/api/v1/reports/{report.query.measure.id}.csv?{urlencode(query)}"
    return render(
        request,
        "reports/reports.html",
        title_key="reports_title",
        person=person,
        current=PAGE,
        status=400 if error else 200,
        report=report,
        error=error,
        form=form,
        units=units,
        measures=measures,
        chart=chart,
        strata=strata,
        csv_url=csv_url,
        bound_region=authority.region,
    )
