"""The record pages of the cabinet: ``/cabinet/records`` (the timeline) and
``/cabinet/records/{type}/{id}`` (one entry). One service call per page; the service audits."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from egisz_api.cabinet.dependencies import CabinetPerson, CabinetPersonDep
from egisz_api.cabinet.pages import render
from egisz_api.dependencies import SessionDep
from egisz_api.pages import locale_of
from egisz_api.timeline import service
from egisz_api.timeline.errors import EntryNotFoundError
from egisz_api.timeline.kinds import KINDS
from egisz_api.timeline.texts import STATUSES
from shared.logging import current_request_id

router = APIRouter(include_in_schema=False)
RECORDS = "/cabinet/records"


def viewer_of(request: Request, person: CabinetPerson, patient_id: str) -> service.Viewer:
    return service.Viewer(
        patient_id=patient_id,
        subject=person.oid,
        name=person.display_name,
        source_ip=request.client.host if request.client else None,
        request_id=current_request_id(),
    )


def _link(kinds: tuple[str, ...], after: str | None = None) -> str:
    query = [("kind", k) for k in kinds] + ([("after", after)] if after else [])
    return f"{RECORDS}?{urlencode(query)}" if query else RECORDS


@router.get(RECORDS, response_class=HTMLResponse)
def records(
    request: Request,
    person: CabinetPersonDep,
    db: SessionDep,
    kind: list[str] = Query(default=[]),
    after: str | None = Query(default=None, max_length=64),
) -> HTMLResponse:
    if person.patient_id is None:
        return render(
            request, "timeline/records.html", title_key="records_title", person=person, no_patient=True
        )
    renderer = request.app.state.pages
    locale = locale_of(request)
    page = service.timeline_page(
        db,
        viewer_of(request, person, person.patient_id),
        kind,
        after,
        trail=request.app.state.audit_sink,
        clock=request.app.state.clock,
        timezone=request.app.state.settings.timezone,
    )
    kinds = page.kinds
    options = [
        {"value": k, "label": renderer.text(f"rec_kind_{k}", locale), "checked": k in kinds} for k in KINDS
    ]
    return render(
        request,
        "timeline/records.html",
        title_key="records_title",
        person=person,
        current=RECORDS,
        page=page,
        kind_options=options,
        statuses=STATUSES,
        now=request.app.state.clock(),
        older_url=_link(kinds, page.next_cursor) if page.next_cursor else None,
        newest_url=_link(kinds) if after else None,
    )


@router.get(RECORDS + "/{resource_type}/{resource_id}", response_class=HTMLResponse)
def record(
    request: Request, person: CabinetPersonDep, db: SessionDep, resource_type: str, resource_id: str
) -> HTMLResponse:
    if person.patient_id is None:  # no record, so no entry of it
        raise EntryNotFoundError("No such entry in your record.")
    detail = service.entry_detail(
        db,
        viewer_of(request, person, person.patient_id),
        resource_type,
        resource_id,
        trail=request.app.state.audit_sink,
        clock=request.app.state.clock,
    )
    return render(
        request,
        "timeline/record.html",
        title_key=f"rec_one_{detail.entry.resource_type}",
        person=person,
        current=RECORDS,
        detail=detail,
        statuses=STATUSES,
        now=request.app.state.clock(),
    )
