"""The ESIA face's browser endpoints: ``ac`` (v1), ``v2/ac``, their resumption after the login and
consent pages, and ``/idp/ext/Logout`` (ESIA.md §2, §3, §10).

They are left out of the OpenAPI schema like ``/authorize/resume``: browsers follow them, and their
answers are redirects and pages (docs/esia.md describes them)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from idp.accounts import service as accounts_service
from idp.dependencies import (
    CSRF_COOKIE,
    SESSION_COOKIE,
    BackchannelDep,
    BrowserSessionDep,
    PayloadDep,
    SessionDep,
)
from idp.esia import logout
from idp.esia.authorize import RESUME_PATH, AcRequest, Outcome, authorize, version_of
from idp.esia.context import EsiaContext
from idp.login import interactions
from idp.login.i18n import text
from idp.login.pages import logged_out, person_locale, redirect, render
from idp.sessions import service as sessions_service

router = APIRouter(tags=["esia"], include_in_schema=False)


async def _esia_context(request: Request) -> EsiaContext:
    ctx: EsiaContext = request.app.state.esia_context
    return ctx


EsiaContextDep = Annotated[EsiaContext, Depends(_esia_context)]


def _respond(request: Request, outcome: Outcome, session: Any) -> Response:
    if outcome.kind == "error_page":
        assert outcome.error is not None
        locale = person_locale(request, None)
        return render(
            request,
            "message.html",
            locale,
            400,
            title=text("title_bad_request", locale),
            is_error=True,
            message=text("bad_authorization_request", locale),
            detail=text("go_back_to_app", locale),
            developer_detail=outcome.description,
        )
    if outcome.finished is not None:
        interactions.finish_interaction(session, outcome.finished)
    assert outcome.location is not None
    return redirect(outcome.location, 302)


@router.get("/aas/oauth2/ac")
def ac_v1(
    request: Request,
    payload: PayloadDep,
    browser: BrowserSessionDep,
    session: SessionDep,
    ctx: EsiaContextDep,
) -> Response:
    """ESIA.md §3 v1: ``client_secret`` a CMS over ``scope+timestamp+client_id+state``."""
    r = AcRequest(session, ctx, payload.query, 1, browser.session, "ac")
    return _respond(request, authorize(r), session)


@router.get("/aas/oauth2/v2/ac")
def ac_v2(
    request: Request,
    payload: PayloadDep,
    browser: BrowserSessionDep,
    session: SessionDep,
    ctx: EsiaContextDep,
) -> Response:
    """ESIA.md §3 v2: raw GOST ``client_secret`` found by ``client_certificate_hash``."""
    r = AcRequest(session, ctx, payload.query, 2, browser.session, "v2/ac")
    return _respond(request, authorize(r), session)


@router.get(RESUME_PATH)
def resume(
    request: Request,
    browser: BrowserSessionDep,
    session: SessionDep,
    ctx: EsiaContextDep,
    i: str = "",
    deny: bool = False,
) -> Response:
    """Where the login and consent pages send the person back (the parked ``ac`` request)."""
    parked = interactions.find_interaction(session, i)
    if parked is None or parked.resume_path != RESUME_PATH:
        locale = person_locale(request, None)
        return render(
            request,
            "message.html",
            locale,
            400,
            title=text("title_error", locale),
            is_error=True,
            message=text("interaction_expired", locale),
        )
    version = version_of(parked)
    r = AcRequest(
        session,
        ctx,
        interactions.params_of(parked),
        version,
        browser.session,
        "ac" if version == 1 else "v2/ac",
        resumed=parked,
        denied=deny,
    )
    return _respond(request, authorize(r), session)


@router.get("/idp/ext/Logout")
def esia_logout(
    request: Request,
    payload: PayloadDep,
    session: SessionDep,
    browser: BrowserSessionDep,
    backchannel: BackchannelDep,
) -> Response:
    """ESIA.md §10: end the SSO session; back to ``redirect_url`` when it is on an origin of the
    client's registered redirect URIs, else the logged-out page."""
    params = dict(reversed(payload.query))
    current = browser.session
    if current is not None:
        account = accounts_service.get_account(session, current.account_id)
        if account is not None:
            sessions_service.end_session(
                session, current, "logout", subject=account.sub, on_commit=backchannel.dispatch
            )
    target = logout.redirect_target(session, params)
    return logged_out(request, target, 302, (SESSION_COOKIE, CSRF_COOKIE))
