"""``/cabinet/access-log``: «Кто смотрел мою карту». One service call; the service audits the view."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from egisz_api.access_log import service
from egisz_api.cabinet.dependencies import CabinetPersonDep
from egisz_api.cabinet.pages import render
from egisz_api.dependencies import SessionDep
from egisz_api.timeline.routes import viewer_of

router = APIRouter(include_in_schema=False)
ACCESS_LOG = "/cabinet/access-log"


@router.get(ACCESS_LOG, response_class=HTMLResponse)
def access_log(
    request: Request,
    person: CabinetPersonDep,
    db: SessionDep,
    after: str | None = Query(default=None, max_length=64),
) -> HTMLResponse:
    if person.patient_id is None:
        return render(
            request,
            "access_log/access_log.html",
            title_key="access_log_title",
            person=person,
            no_patient=True,
        )
    page = service.access_log_page(
        db,
        viewer_of(request, person, person.patient_id),
        after,
        trail=request.app.state.audit_sink,
        clock=request.app.state.clock,
    )
    return render(
        request,
        "access_log/access_log.html",
        title_key="access_log_title",
        person=person,
        current=ACCESS_LOG,
        page=page,
        older_url=f"{ACCESS_LOG}?{urlencode({'after': page.next_cursor})}" if page.next_cursor else None,
        newest_url=ACCESS_LOG if after else None,
    )
