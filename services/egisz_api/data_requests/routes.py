"""«Обращения»: the patient files a correction or deletion request and follows its status."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from egisz_api.cabinet.dependencies import CabinetPersonDep, check_csrf
from egisz_api.cabinet.pages import render
from egisz_api.cabinet.schemas import CabinetPerson
from egisz_api.data_requests import service
from egisz_api.data_requests.errors import InvalidRequestTaskError
from egisz_api.data_requests.rules import KINDS, TEXT_MAX, focus_of
from egisz_api.dependencies import SessionDep
from egisz_api.exports.formatting import fhir_date
from egisz_api.pages import locale_of
from shared.web.rendering import PageRenderer

router = APIRouter(include_in_schema=False)
PATH = "/cabinet/requests"


@dataclass(frozen=True)
class RequestForm:
    kind: str = ""
    focus: str = ""
    text: str = ""


def _page(
    request: Request,
    db: SessionDep,
    person: CabinetPerson,
    form: RequestForm,
    errors: dict[str, str],
    *,
    sent: bool = False,
    status: int = 200,
) -> HTMLResponse:
    locale = locale_of(request)
    renderer: PageRenderer = request.app.state.pages
    options: list[tuple[str, str]] = []
    rows: list[list[str]] = []
    found = []
    if person.patient_id is not None:
        options = service.focus_options(db, person.patient_id, locale=locale)
        labels = dict(options)
        found = service.list_requests(db, person.patient_id)
        for item in found:
            status_key = f"requests_status_{item.status}"
            rows.append(
                [
                    fhir_date(item.authored_on),
                    renderer.text(f"requests_kind_{item.kind}", locale) if item.kind else "",
                    labels.get(item.focus or "", item.focus or "—"),
                    renderer.text(status_key, locale) if status_key in renderer.messages else item.status,
                    item.text,
                    item.reason or "—",
                ]
            )
    order = [k for k in ("kind", "focus", "text") if k in errors]
    return render(
        request,
        "data_requests/requests.html",
        title_key="requests_title",
        person=person,
        status=status,
        current=PATH,
        form=form,
        options=options,
        requests=found,
        rows=rows,
        sent=sent,
        field_errors=errors,
        errors=[(f"{k}-correction" if k == "kind" else k, errors[k]) for k in order],
    )


@router.get(PATH, response_class=HTMLResponse)
def requests_page(
    request: Request, db: SessionDep, person: CabinetPersonDep, sent: str = "", focus: str = ""
) -> HTMLResponse:
    return _page(request, db, person, RequestForm(focus=focus[:200]), {}, sent=sent == "1")


@router.post(PATH, response_class=HTMLResponse)
def file_request(
    request: Request,
    db: SessionDep,
    person: CabinetPersonDep,
    csrf_token: Annotated[str, Form(max_length=128)] = "",
    kind: Annotated[str, Form(max_length=32)] = "",
    focus: Annotated[str, Form(max_length=200)] = "",
    text: Annotated[str, Form(max_length=20000)] = "",
) -> Response:
    check_csrf(person, csrf_token)
    locale = locale_of(request)
    renderer: PageRenderer = request.app.state.pages
    form = RequestForm(kind, focus, text)
    errors: dict[str, str] = {}
    if kind not in KINDS:
        errors["kind"] = renderer.text("requests_error_kind", locale)
    if kind == "correction" and not focus:
        errors["focus"] = renderer.text("requests_error_focus", locale)
    if not text.strip():
        errors["text"] = renderer.text("requests_error_text", locale)
    elif len(text.strip()) > TEXT_MAX:
        errors["text"] = renderer.text("requests_error_text_long", locale)
    if person.patient_id is None or errors:
        return _page(request, db, person, form, errors, status=400)
    target = focus_of({"focus": {"reference": focus}}) if focus else None
    try:
        service.create_request(
            db,
            person.patient_id,
            kind=kind,  # type: ignore[arg-type]
            text=text,
            focus=target,
            clock=request.app.state.clock,
            subject=person.oid,
            trail=request.app.state.audit_sink.record,
        )
    except InvalidRequestTaskError as exc:
        key = "requests_error_focus_unknown" if exc.field == "focus" else "requests_error_text"
        return _page(request, db, person, form, {exc.field: renderer.text(key, locale)}, status=400)
    return RedirectResponse(f"{PATH}?sent=1", status_code=303)
