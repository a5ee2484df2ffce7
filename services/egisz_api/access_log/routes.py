"""``/cabinet/access-log``: «Кто смотрел мою карту». One service call; the service audits the view."""

from __future__ import annotations

import logging
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from egisz_api.access_log import service
from egisz_api.cabinet.dependencies import CabinetPersonDep
from egisz_api.cabinet.pages import render
from egisz_api.dependencies import SessionDep
from egisz_api.timeline.routes import viewer_of

logger = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False)
ACCESS_LOG = "/cabinet/access-log"
#: the longest the page waits for AuditEvents acknowledged a moment ago to reach the database
FLUSH_TIMEOUT = 5.0


def audit_caught_up(request: Request) -> None:
    """Wait until every AuditEvent acknowledged so far is in the database (the trail is
    write-behind, docs/audit.md), so the log shows the views just made. It runs before the request's
    database session begins: on SQLite that session holds the write lock the trail's inserts need."""
    if not request.app.state.audit_sink.flush(FLUSH_TIMEOUT):
        logger.warning("access log read before the write-behind queue reached the database")


AuditCaughtUp = Annotated[None, Depends(audit_caught_up)]


@router.get(ACCESS_LOG, response_class=HTMLResponse)
def access_log(
    request: Request,
    _caught_up: AuditCaughtUp,
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
