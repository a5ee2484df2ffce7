"""``GET /privacy``: the personal-data processing policy every page's footer links to, and the
language choice both services remember the same way."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.requests import HTTPConnection

from shared.web.errors import switch_language_url
from shared.web.rendering import PageRenderer


def remember_choice(request: Request, response: Response, cookie: str, locale: str, *, secure: bool) -> None:
    """Set the language cookie only when the person chose the language with the switch (``?lang=``):
    a cookie written on every page would outrank a relying party's ``ui_locales``."""
    if request.query_params.get("lang") == locale:
        response.set_cookie(
            cookie, locale, httponly=True, samesite="lax", secure=secure, path="/", max_age=365 * 86400
        )


def policy_router(locale_of: Callable[[HTTPConnection], str], cookie: str, *, secure: bool) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/privacy", response_class=HTMLResponse)
    def privacy(request: Request) -> Response:
        renderer: PageRenderer = request.app.state.pages
        locale = locale_of(request)
        response = renderer.page(
            "privacy.html",
            locale,
            title=renderer.text("policy_title", locale),
            switch_url=switch_language_url(request, locale),
        )
        remember_choice(request, response, cookie, locale, secure=secure)
        return response

    return router
