"""The cabinet's «Выгрузка»: the page, and the two downloads (FHIR Bundle streamed, PDF)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse

from egisz_api.cabinet.dependencies import CabinetPersonDep
from egisz_api.cabinet.pages import render
from egisz_api.cabinet.schemas import CabinetPerson
from egisz_api.exports import service
from egisz_api.exports.errors import NoRecordError
from egisz_api.pages import locale_of

router = APIRouter(include_in_schema=False)
_DOWNLOAD = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}


def _patient_id(person: CabinetPerson) -> str:
    if person.patient_id is None:
        raise NoRecordError("No medical record is linked to this person.")
    return person.patient_id


@router.get("/cabinet/export", response_class=HTMLResponse)
def export_page(request: Request, person: CabinetPersonDep) -> HTMLResponse:
    return render(request, "exports/export.html", title_key="export_title", person=person)


@router.get("/cabinet/export/record.json")
def export_bundle(request: Request, person: CabinetPersonDep) -> StreamingResponse:
    state = request.app.state
    chunks = service.bundle_export(
        state.session_factory,
        _patient_id(person),
        base=str(request.base_url).rstrip("/") + "/fhir",
        subject=person.oid,
        trail=state.audit_sink.record,
        now=state.clock(),
    )
    headers = {**_DOWNLOAD, "Content-Disposition": 'attachment; filename="egisz-record.json"'}
    return StreamingResponse(chunks, media_type="application/fhir+json", headers=headers)


@router.get("/cabinet/export/record.pdf")
def export_pdf(request: Request, person: CabinetPersonDep) -> Response:
    state = request.app.state
    body = service.pdf_export(
        state.session_factory,
        _patient_id(person),
        locale=locale_of(request),
        font_dir=state.settings.pdf_font_dir,
        subject=person.oid,
        trail=state.audit_sink.record,
        now=state.clock(),
    )
    headers = {**_DOWNLOAD, "Content-Disposition": 'attachment; filename="egisz-record.pdf"'}
    return Response(body, media_type="application/pdf", headers=headers)
