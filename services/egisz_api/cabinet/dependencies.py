"""What cabinet pages depend on: the logged-in person, a level gate, the CSRF check.

    @router.get("/cabinet/records")
    def records(request: Request, person: CabinetPersonDep) -> HTMLResponse: ...

    @router.get("/cabinet/export", dependencies=[Depends(require_level("standard"))])

Without a session the browser is sent (303) to ``/cabinet/login?return_to=<path>``; after an ended
session it sees «Сессия истекла» with «Войти снова» (the handlers are in
:mod:`egisz_api.cabinet.pages`, installed by :func:`egisz_api.cabinet.routes.install`).
"""

from __future__ import annotations

import datetime as dt
import hmac
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request

from egisz_api.cabinet import service
from egisz_api.cabinet.errors import (
    CabinetLoginRequiredError,
    CabinetSessionExpiredError,
    CsrfRejectedError,
    InsufficientLevelError,
)
from egisz_api.cabinet.levels import ORDER, at_least
from egisz_api.cabinet.pages import COOKIE
from egisz_api.cabinet.schemas import CabinetPerson, SessionPolicy
from egisz_api.dependencies import SessionDep
from egisz_api.settings import EgiszSettings

__all__ = [
    "COOKIE",
    "CabinetLoginDep",
    "CabinetPerson",
    "CabinetPersonDep",
    "check_csrf",
    "current_person",
    "require_level",
    "session_policy",
]


def session_policy(settings: EgiszSettings) -> SessionPolicy:
    return SessionPolicy(
        idle=dt.timedelta(minutes=settings.cabinet_idle_minutes),
        lifetime=dt.timedelta(minutes=settings.cabinet_lifetime_minutes),
    )


def _return_to(request: Request) -> str:
    query = request.url.query
    return request.url.path + (f"?{query}" if query and request.method == "GET" else "")


def current_person(request: Request, db: SessionDep) -> CabinetPerson:
    """The person of the request's cabinet session (the idle timer restarts), else a login redirect
    or «Сессия истекла»."""
    token = request.cookies.get(COOKIE, "")
    clock: Callable[[], dt.datetime] = request.app.state.clock
    resolved = service.resolve(db, token, now=clock(), policy=session_policy(request.app.state.settings))
    if isinstance(resolved, service.Active):
        return resolved.person
    if isinstance(resolved, service.Expired):
        raise CabinetSessionExpiredError(resolved.reason, _return_to(request))
    raise CabinetLoginRequiredError(_return_to(request))


#: any logged-in person, whatever their consent (the consent page itself, logout)
CabinetLoginDep = Annotated[CabinetPerson, Depends(current_person)]
#: a logged-in person allowed into the cabinet's sections (the consent helper adds: consent given)
CabinetPersonDep = Annotated[CabinetPerson, Depends(current_person)]


def require_level(needed: str) -> Callable[..., CabinetPerson]:
    """A dependency: the person, when their account level reaches ``needed``; else the page shows
    «Недостаточно прав» with how to raise the level (R-ACC-6)."""
    if needed not in ORDER:
        raise ValueError(f"unknown account level {needed!r}")

    def gate(request: Request, person: CabinetPersonDep) -> CabinetPerson:
        if not at_least(person.level, needed):
            raise InsufficientLevelError(person, needed, request.url.path)
        return person

    return gate


def check_csrf(person: CabinetPerson, presented: str | None) -> None:
    """Refuse a cabinet form without this session's CSRF token (``ui.csrf(person.csrf_token)``)."""
    if not (presented and person.csrf_token and hmac.compare_digest(person.csrf_token, presented)):
        raise CsrfRejectedError(person)
