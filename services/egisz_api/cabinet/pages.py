"""Rendering cabinet pages: :func:`render` for every cabinet page (the layout's tabs, the language
switch, the chosen language remembered), and the pages the cabinet's dependencies end in (login
redirect, «Сессия истекла», «Недостаточно прав», a stale form)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from egisz_api.cabinet.errors import (
    CabinetLoginRequiredError,
    CabinetSessionExpiredError,
    CsrfRejectedError,
    InsufficientLevelError,
)
from egisz_api.cabinet.schemas import CabinetPerson
from egisz_api.pages import LANG_COOKIE, locale_of
from shared.web.errors import switch_language_url
from shared.web.policy import remember_choice
from shared.web.rendering import PageRenderer

#: the cabinet session cookie: only a random token (the row is keyed by its hash)
COOKIE = "egisz_cabinet"
LOGIN_PATH = "/cabinet/login"


def secure_cookies(request: Request) -> bool:
    return not request.app.state.settings.dev_mode


def login_url(return_to: str = "/cabinet") -> str:
    return f"{LOGIN_PATH}?{urlencode({'return_to': return_to})}"


def render(
    request: Request,
    template: str,
    *,
    title_key: str,
    person: CabinetPerson | None,
    status: int = 200,
    current: str | None = None,
    language_switch: bool = True,
    **context: Any,
) -> HTMLResponse:
    """A cabinet page in the person's language, inside ``cabinet/layout.html``. ``language_switch``
    off where the address must not be repeated in a link (the login callback carries a code)."""
    renderer: PageRenderer = request.app.state.pages
    locale = locale_of(request)
    switch = switch_language_url(request, locale) if request.method == "GET" and language_switch else None
    response = renderer.page(
        template,
        locale,
        status=status,
        title=renderer.text(title_key, locale),
        switch_url=switch,
        person=person,
        current=current if current is not None else request.url.path,
        idp_account_url=request.app.state.settings.idp_account_url,
        **context,
    )
    remember_choice(request, response, LANG_COOKIE, locale, secure=secure_cookies(request))
    return response


def forget_session(response: Response, request: Request) -> None:
    response.delete_cookie(COOKIE, path="/", secure=secure_cookies(request), httponly=True, samesite="lax")


def _login_required(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, CabinetLoginRequiredError)
    response = RedirectResponse(login_url(exc.return_to), status_code=303)
    if COOKIE in request.cookies:
        forget_session(response, request)  # a cookie naming no session is dropped
    return response


def _expired(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, CabinetSessionExpiredError)
    response = render(
        request,
        "cabinet/expired.html",
        title_key="cabinet_expired_title",
        person=None,
        reason=exc.reason,
        minutes=request.app.state.settings.cabinet_idle_minutes,
        login_url=login_url(exc.return_to),
    )
    forget_session(response, request)
    return response


def _insufficient(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, InsufficientLevelError)
    return render(
        request,
        "cabinet/insufficient.html",
        title_key="cabinet_insufficient_title",
        person=exc.person if isinstance(exc.person, CabinetPerson) else None,
        status=403,
        current=exc.current,
        needed=exc.needed,
    )


def _csrf(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, CsrfRejectedError)
    return problem(
        request,
        exc.person if isinstance(exc.person, CabinetPerson) else None,
        status=403,
        title_key="cabinet_csrf_title",
        message_key="cabinet_csrf",
        action_url="/cabinet",
        action_key="cabinet_back_to_overview",
    )


def problem(
    request: Request,
    person: CabinetPerson | None,
    *,
    status: int,
    title_key: str,
    message_key: str,
    action_url: str | None,
    action_key: str,
    language_switch: bool = True,
) -> HTMLResponse:
    renderer: PageRenderer = request.app.state.pages
    locale = locale_of(request)
    return render(
        request,
        "cabinet/problem.html",
        title_key=title_key,
        person=person,
        status=status,
        message=renderer.text(message_key, locale),
        action_url=action_url,
        action_text=renderer.text(action_key, locale),
        language_switch=language_switch,
    )


def install_handlers(app: FastAPI) -> None:
    app.add_exception_handler(CabinetLoginRequiredError, _login_required)
    app.add_exception_handler(CabinetSessionExpiredError, _expired)
    app.add_exception_handler(InsufficientLevelError, _insufficient)
    app.add_exception_handler(CsrfRejectedError, _csrf)
