"""The cabinet's pages: ``/cabinet`` (overview) and ``/cabinet/logout``; the login endpoints are in
:mod:`egisz_api.cabinet.login_routes`, the back-channel logout in
:mod:`egisz_api.cabinet.backchannel_routes`."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from egisz_api.cabinet import service
from egisz_api.cabinet.backchannel_routes import router as backchannel_router
from egisz_api.cabinet.dependencies import CabinetPersonDep, check_csrf, current_person
from egisz_api.cabinet.errors import CabinetLoginRequiredError, CabinetSessionExpiredError
from egisz_api.cabinet.login_routes import router as login_router
from egisz_api.cabinet.pages import COOKIE, forget_session, install_handlers, render
from egisz_api.dependencies import SessionDep

router = APIRouter(include_in_schema=False)


@router.get("/cabinet", response_class=HTMLResponse)
def overview(request: Request, person: CabinetPersonDep) -> Response:
    if person.is_authority and not person.is_worker:
        # a health authority lands on its reports (EGISZ.md §5 row 31), the login's default return
        return RedirectResponse("/cabinet/reports", status_code=303)
    return render(request, "cabinet/overview.html", title_key="cabinet_title", person=person)


@router.post("/cabinet/logout")
def logout(
    request: Request, db: SessionDep, csrf_token: Annotated[str, Form(max_length=128)] = ""
) -> Response:
    """End the cabinet session, then the idp's SSO session: ``/idp/ext/Logout`` brings the browser back
    to EGISZ's home (ESIA.md §10). Without a live session only the cookie is dropped."""
    settings = request.app.state.settings
    try:
        person = current_person(request, db)
    except (CabinetLoginRequiredError, CabinetSessionExpiredError):
        response = RedirectResponse("/", status_code=303)
        forget_session(response, request)
        return response
    check_csrf(person, csrf_token)
    service.end_session(db, request.cookies.get(COOKIE, ""), now=request.app.state.clock())
    query = urlencode(
        {"client_id": settings.esia_client_id, "redirect_url": settings.public_url.rstrip("/") + "/"}
    )
    response = RedirectResponse(f"{settings.esia_url.rstrip('/')}/idp/ext/Logout?{query}", status_code=303)
    forget_session(response, request)
    return response


def install(app: FastAPI) -> None:
    install_handlers(app)
    app.include_router(router)
    app.include_router(login_router)
    app.include_router(backchannel_router)


def close(app: FastAPI) -> None:
    gateway = getattr(app.state, "esia_gateway", None)
    if gateway is not None:
        gateway.close()
