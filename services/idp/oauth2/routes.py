"""Browser-facing protocol endpoints: authorization (and its resumption after login), logout.

The machine-to-machine endpoints are in :mod:`idp.oauth2.api_routes`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from idp.accounts import service as accounts_service
from idp.dependencies import (
    CSRF_COOKIE,
    SESSION_COOKIE,
    AuthorizationServerDep,
    BackchannelDep,
    BrowserSessionDep,
    KeyStoreDep,
    PayloadDep,
    SessionDep,
    SettingsDep,
)
from idp.login import interactions
from idp.login.i18n import text
from idp.login.models import Interaction
from idp.login.pages import logged_out, person_locale, redirect, render
from idp.oauth2 import logout
from idp.oauth2 import openapi as docs
from idp.oauth2.authorize import AuthorizationEndpoint, Outcome, ui_locale
from idp.sessions import service as sessions_service

router = APIRouter(tags=["openid-connect"])


def _respond(
    request: Request,
    outcome: Outcome,
    session: Any,
    settings: Any,
    params: list[tuple[str, str]],
    status: int,
    interaction: Interaction | None = None,
) -> Response:
    locale = person_locale(request, outcome.locale)
    if outcome.kind == "redirect":
        if interaction is not None:
            interactions.finish_interaction(session, interaction)
        assert outcome.location
        return redirect(outcome.location, status)
    if outcome.kind == "error_page":
        # a sentence for the person; the protocol's words in small print for the app's developers
        known = outcome.error == "invalid_client"
        return render(
            request,
            "message.html",
            locale,
            400,
            title=text("title_unknown_client" if known else "title_bad_request", locale),
            is_error=True,
            message=text("unknown_client" if known else "bad_authorization_request", locale),
            detail=text("go_back_to_app", locale),
            developer_detail=f"{outcome.error}: {outcome.description}",
        )
    if interaction is None:
        client_id = dict(params).get("client_id", "")
        interaction = interactions.park(session, client_id, params, settings.interaction_ttl)
    page = "/consent"
    if outcome.kind == "login":
        # a relying party asking for urn:idp:acr:sig or :qes gets the signature step (issue 11 item 5)
        page = "/login/signature" if outcome.signature else "/login"
    return redirect(f"{page}?i={interaction.handle}", status)


@router.get(
    "/authorize",
    summary="Authorization endpoint (RFC 6749 §3.1, OIDC Core §3.1.2): code flow with PKCE S256",
    response_class=Response,
    operation_id="authorize_get",
    status_code=302,
    openapi_extra=docs.query(docs.AUTHORIZE_FIELDS),
    responses=docs.AUTHORIZE_RESPONSES,
)
@router.post(
    "/authorize",
    summary="Authorization endpoint, parameters as a form (OIDC Core §3.1.2.1)",
    response_class=Response,
    operation_id="authorize_post",
    status_code=303,
    openapi_extra=docs.form(docs.AUTHORIZE_FIELDS),
    responses=docs.AUTHORIZE_RESPONSES,
)
def authorize(
    request: Request,
    payload: PayloadDep,
    server: AuthorizationServerDep,
    keys: KeyStoreDep,
    browser: BrowserSessionDep,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    params = payload.form if request.method == "POST" else payload.query
    outcome = AuthorizationEndpoint(server, keys).handle(payload, params, browser.session)
    return _respond(request, outcome, session, settings, params, 303 if request.method == "POST" else 302)


@router.get(
    "/authorize/resume",
    summary="Continue an authorization request after login or consent",
    response_class=Response,
    include_in_schema=False,
)
def resume(
    request: Request,
    i: str,
    payload: PayloadDep,
    server: AuthorizationServerDep,
    keys: KeyStoreDep,
    browser: BrowserSessionDep,
    session: SessionDep,
    settings: SettingsDep,
    deny: bool = False,
) -> Response:
    interaction = interactions.find_interaction(session, i)
    if interaction is None:
        locale = person_locale(request, payload_locale(payload))
        return render(
            request,
            "message.html",
            locale,
            400,
            title=text("title_error", locale),
            is_error=True,
            message=text("interaction_expired", locale),
        )
    params = interactions.params_of(interaction)
    outcome = AuthorizationEndpoint(server, keys).handle(
        payload, params, browser.session, fresh_since=interaction.created_at, denied=deny
    )
    return _respond(request, outcome, session, settings, params, 302, interaction)


def payload_locale(payload: Any) -> str | None:
    return dict(payload.query).get("lang")


@router.get(
    "/logout",
    summary="End session endpoint (OIDC RP-Initiated Logout §2)",
    response_class=Response,
    operation_id="logout_get",
    openapi_extra=docs.query(docs.LOGOUT_FIELDS),
    responses=docs.LOGOUT_RESPONSES,
)
@router.post(
    "/logout",
    summary="End session endpoint, parameters as a form (OIDC RP-Initiated Logout §2)",
    response_class=Response,
    operation_id="logout_post",
    openapi_extra=docs.form(docs.LOGOUT_FIELDS),
    responses=docs.LOGOUT_RESPONSES,
)
def end_session(
    request: Request,
    payload: PayloadDep,
    session: SessionDep,
    keys: KeyStoreDep,
    settings: SettingsDep,
    browser: BrowserSessionDep,
    backchannel: BackchannelDep,
) -> Response:
    params = dict(reversed(payload.form if request.method == "POST" else payload.query))
    locale = person_locale(request, params.get("lang") or ui_locale(params))
    current = browser.session
    subject = None
    if current is not None:
        account = accounts_service.get_account(session, current.account_id)
        subject = account.sub if account else None
    decision = logout.decide(session, keys, settings.issuer, params, current_sub=subject)
    if not decision.ok:
        return render(
            request,
            "message.html",
            locale,
            400,
            title=text("title_bad_request", locale),
            is_error=True,
            message=text("bad_logout_request", locale),
            detail=text("go_back_to_app", locale),
            developer_detail=decision.problem,
        )
    if current is not None and subject is not None:
        sessions_service.end_session(
            session, current, "logout", subject=subject, on_commit=backchannel.dispatch
        )
    status = 303 if request.method == "POST" else 302
    return logged_out(request, decision.redirect_to, status, (SESSION_COOKIE, CSRF_COOKIE))
