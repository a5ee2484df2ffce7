"""Rendering the idp's server-side pages with the shared design (:mod:`shared.web`): the idp's
templates first, then the shared layout, components and error page; the idp's texts first, then
the shared ones."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.requests import HTTPConnection

from idp.esia.texts import MESSAGES as ESIA_MESSAGES
from idp.login.i18n import MESSAGES, text
from idp.settings import IdpSettings
from shared.web import texts
from shared.web.errors import ErrorPages
from shared.web.rendering import PAGE_HEADERS, PageRenderer, Site

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
#: set only when the person chooses a language with the switch (issue 10)
LANG_COOKIE = "idp_lang"

__all__ = [
    "LANG_COOKIE",
    "PAGE_HEADERS",
    "build_renderer",
    "error_locale",
    "error_pages",
    "person_locale",
    "redirect",
    "render",
]


def build_renderer(settings: IdpSettings) -> PageRenderer:
    site = Site(
        name=MESSAGES["home_title"],
        home_url="/",
        support_phone=settings.support_phone,
        support_email=settings.support_email,
        policy_url=settings.privacy_policy_url,
        timezone=settings.timezone,
    )
    # templates are re-read when edited only in dev mode; otherwise compiled once
    return PageRenderer(
        site, templates=TEMPLATES, messages={**MESSAGES, **ESIA_MESSAGES}, auto_reload=settings.dev_mode
    )


def person_locale(connection: HTTPConnection, hinted: str | None = None) -> str:
    """Issue 10 item 5: the choice on this page (``?lang=``), the relying party's ``ui_locales``
    for the pages of its interaction (``hinted``), the remembered choice, the browser's
    ``Accept-Language``, Russian."""
    return texts.negotiate(
        connection.query_params.get("lang"),
        hinted,
        connection.cookies.get(LANG_COOKIE),
        accept_language=connection.headers.get("accept-language"),
    )


def error_locale(connection: HTTPConnection) -> str:
    return person_locale(connection)


def error_pages(renderer: PageRenderer) -> ErrorPages:
    """404, 405, 413, 422 and 500 as pages for browsers, in the person's language."""
    return ErrorPages(renderer, error_locale)


def render(request: Request, template: str, locale: str, status: int = 200, **context: Any) -> HTMLResponse:
    renderer: PageRenderer = request.app.state.pages
    return renderer.page(template, locale, status, **context)


def redirect(location: str, status: int = 302) -> RedirectResponse:
    """302 after a GET, 303 after a POST (RFC 9700 §4.12: never 307 with credentials)."""
    return RedirectResponse(
        location, status_code=status, headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
    )


def logged_out(request: Request, target: str | None, status: int, cookies: tuple[str, ...]) -> Response:
    """The end of a logout on either face: back to ``target`` when the client named an allowed one,
    else the «logged out» page; the browser's session and CSRF ``cookies`` are cleared."""
    response: Response
    if target:
        response = redirect(target, status)
    else:
        locale = person_locale(request, None)
        response = render(
            request,
            "message.html",
            locale,
            title=text("title_logged_out", locale),
            message=text("logged_out", locale),
            success=True,
            next_url="/login",
            next_text=text("login_again", locale),
        )
    for name in cookies:
        response.delete_cookie(name, path="/")
    return response
