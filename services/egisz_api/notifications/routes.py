"""«Уведомления»: the patient's event × channel grid (R-EGZ-6), a plain form without JavaScript."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from egisz_api.cabinet.dependencies import CabinetPersonDep, check_csrf
from egisz_api.cabinet.pages import render
from egisz_api.dependencies import SessionDep
from egisz_api.notifications import service
from egisz_api.notifications.events import CHANNELS, EVENTS, decode
from egisz_api.pages import locale_of
from shared.web.formatting import format_datetime
from shared.web.rendering import PageRenderer

router = APIRouter(include_in_schema=False)
PATH = "/cabinet/settings/notifications"


@router.get(PATH, response_class=HTMLResponse)
def settings_page(
    request: Request, db: SessionDep, person: CabinetPersonDep, saved: str = ""
) -> HTMLResponse:
    locale = locale_of(request)
    renderer: PageRenderer = request.app.state.pages
    context: dict[str, Any] = {}
    if person.patient_id is not None:
        prefs = service.preferences(db, person.patient_id)
        found = service.addresses(db, person.patient_id)
        missing = {"push": "notifications_no_device"}
        context = {
            "prefs": prefs,
            "addresses": [
                (
                    renderer.text(f"notifications_channel_{c}", locale),
                    found[c] or renderer.text(missing.get(c, "notifications_no_address"), locale),
                )
                for c in CHANNELS
            ],
            "recent": [
                [
                    format_datetime(n.created_at),
                    renderer.text(f"notifications_event_{n.event}", locale),
                    renderer.text(f"notifications_channel_{n.channel}", locale),
                    renderer.text(f"notifications_status_{n.status}", locale),
                ]
                for n in service.recent_notices(db, person.patient_id)
            ],
        }
    return render(
        request,
        "notifications/settings.html",
        title_key="notifications_title",
        person=person,
        current=PATH,
        events=EVENTS,
        channels=CHANNELS,
        saved=saved == "1",
        **context,
    )


@router.post(PATH)
def save_settings(
    request: Request,
    db: SessionDep,
    person: CabinetPersonDep,
    csrf_token: Annotated[str, Form(max_length=128)] = "",
    choice: Annotated[list[str] | None, Form(max_length=40)] = None,
) -> Response:
    check_csrf(person, csrf_token)
    if person.patient_id is not None:
        chosen = decode(" ".join(choice or []))
        service.save_preferences(
            db, person.patient_id, chosen, locale=locale_of(request), clock=request.app.state.clock
        )
    return RedirectResponse(f"{PATH}?saved=1", status_code=303)
