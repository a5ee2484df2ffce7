"""``GET /``: EGISZ's home page, in the shared design."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from egisz_api.pages import LANG_COOKIE, locale_of
from shared.web.policy import remember_choice
from shared.web.rendering import PageRenderer

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> HTMLResponse:
    renderer: PageRenderer = request.app.state.pages
    locale = locale_of(request)
    switch = urlencode({"lang": "en" if locale == "ru" else "ru"})
    response = renderer.page(
        "home.html", locale, title=renderer.text("home_title", locale), switch_url=f"/?{switch}"
    )
    remember_choice(request, response, LANG_COOKIE, locale, secure=not request.app.state.settings.dev_mode)
    return response
