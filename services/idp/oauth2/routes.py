"""Protocol endpoints: authorization, token, userinfo, revocation, introspection, discovery, logout."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from idp.accounts import service as accounts_service
from idp.dependencies import (
    CSRF_COOKIE,
    SESSION_COOKIE,
    AuthorizationServerDep,
    BackchannelDep,
    BrowserSessionDep,
    CipherDep,
    KeyStoreDep,
    PayloadDep,
    SessionDep,
    SettingsDep,
)
from idp.login import service as login_service
from idp.login.i18n import pick_locale, text
from idp.login.models import Interaction
from idp.login.pages import redirect, render
from idp.oauth2 import endpoints, logout
from idp.oauth2.authorize import AuthorizationEndpoint, Outcome, ui_locale
from idp.oauth2.userinfo import userinfo as userinfo_claims
from idp.sessions import service as sessions_service
from idp.tokens import service as tokens_service
from shared.tokens import InvalidRequestError, bearer_token

router = APIRouter(tags=["openid-connect"])


def _respond(
    outcome: Outcome,
    session: Any,
    settings: Any,
    params: list[tuple[str, str]],
    status: int,
    interaction: Interaction | None = None,
) -> Response:
    locale = pick_locale(outcome.locale)
    if outcome.kind == "redirect":
        if interaction is not None:
            login_service.finish_interaction(session, interaction)
        assert outcome.location
        return redirect(outcome.location, status)
    if outcome.kind == "error_page":
        return render(
            "message.html",
            locale,
            400,
            title=text("title_error", locale),
            is_error=True,
            message=text("bad_authorization_request", locale),
            detail=f"{outcome.error}: {outcome.description}",
        )
    if interaction is None:
        client_id = dict(params).get("client_id", "")
        interaction = login_service.park(session, client_id, params, settings.interaction_ttl)
    page = "/login" if outcome.kind == "login" else "/consent"
    return redirect(f"{page}?i={interaction.handle}", status)


@router.api_route(
    "/authorize",
    methods=["GET", "POST"],
    summary="Authorization endpoint (RFC 6749 §3.1, OIDC Core §3.1.2): code flow with PKCE S256",
    response_class=Response,
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
    return _respond(outcome, session, settings, params, 303 if request.method == "POST" else 302)


@router.get(
    "/authorize/resume",
    summary="Continue an authorization request after login or consent",
    response_class=Response,
    include_in_schema=False,
)
def resume(
    i: str,
    payload: PayloadDep,
    server: AuthorizationServerDep,
    keys: KeyStoreDep,
    browser: BrowserSessionDep,
    session: SessionDep,
    settings: SettingsDep,
    deny: bool = False,
) -> Response:
    interaction = login_service.find_interaction(session, i)
    if interaction is None:
        locale = pick_locale(payload_locale(payload))
        return render(
            "message.html",
            locale,
            400,
            title=text("title_error", locale),
            is_error=True,
            message=text("interaction_expired", locale),
        )
    params = login_service.params_of(interaction)
    outcome = AuthorizationEndpoint(server, keys).handle(
        payload, params, browser.session, fresh_since=interaction.created_at, denied=deny
    )
    return _respond(outcome, session, settings, params, 302, interaction)


def payload_locale(payload: Any) -> str | None:
    return dict(payload.query).get("lang")


@router.post(
    "/token",
    summary="Token endpoint (RFC 6749 §3.2): authorization_code, refresh_token, client_credentials",
    response_class=Response,
)
async def token(payload: PayloadDep, server: AuthorizationServerDep) -> Response:
    if server.answers_from_memory(payload):
        response: Response = server.create_token_response(payload)
        return response
    return await run_in_threadpool(server.create_token_response, payload)


@router.api_route("/userinfo", methods=["GET", "POST"], summary="UserInfo endpoint (OIDC Core §5.3)")
def userinfo(
    request: Request,
    payload: PayloadDep,
    session: SessionDep,
    keys: KeyStoreDep,
    cipher: CipherDep,
    settings: SettingsDep,
) -> JSONResponse:
    form_token = dict(payload.form).get("access_token")
    if form_token and request.headers.get("authorization"):
        raise InvalidRequestError("Send the access token in one place only.", realm="userinfo")
    token_value = form_token or bearer_token(request, realm="userinfo")  # RFC 6750 §2.1 / §2.2
    claims = userinfo_claims(session, keys, cipher, settings.issuer, token_value)
    return JSONResponse(claims, headers={"Cache-Control": "no-store"})


@router.post(
    "/introspect", summary="Token introspection (RFC 7662), for resource servers", response_class=Response
)
async def introspect(
    request: Request, payload: PayloadDep, server: AuthorizationServerDep, keys: KeyStoreDep
) -> Response:
    factory = request.app.state.session_factory
    fast = await endpoints.introspect_from_memory(
        server, keys, payload, lambda jti: tokens_service.access_token_revoked_in_own_session(factory, jti)
    )
    if fast is not None:
        return fast
    return await run_in_threadpool(endpoints.introspect, server, keys, payload)


@router.post("/revoke", summary="Token revocation (RFC 7009)", response_class=Response)
def revoke(payload: PayloadDep, server: AuthorizationServerDep, keys: KeyStoreDep) -> Response:
    return endpoints.revoke(server, keys, payload)


@router.get("/.well-known/openid-configuration", summary="OpenID Provider metadata (OIDC Discovery §4)")
@router.get("/.well-known/oauth-authorization-server", summary="Authorization server metadata (RFC 8414)")
def discovery(request: Request, session: SessionDep, settings: SettingsDep) -> JSONResponse:
    metadata = request.app.state.metadata_cache.get(session, settings.issuer)
    return JSONResponse(metadata, headers={"Cache-Control": "public, max-age=300"})


@router.api_route(
    "/logout",
    methods=["GET", "POST"],
    summary="End session endpoint (OIDC RP-Initiated Logout §2)",
    response_class=Response,
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
    locale = pick_locale(params.get("lang"), ui_locale(params))
    current = browser.session
    subject = None
    if current is not None:
        account = accounts_service.get_account(session, current.account_id)
        subject = account.sub if account else None
    decision = logout.decide(session, keys, settings.issuer, params, current_sub=subject)
    if not decision.ok:
        return render(
            "message.html",
            locale,
            400,
            title=text("title_error", locale),
            is_error=True,
            message=text("bad_logout_request", locale),
            detail=decision.problem,
        )
    if current is not None and subject is not None:
        sessions_service.end_session(
            session, current, "logout", subject=subject, on_commit=backchannel.dispatch
        )
    status = 303 if request.method == "POST" else 302
    response: Response
    if decision.redirect_to:
        response = redirect(decision.redirect_to, status)
    else:
        response = render(
            "message.html", locale, title=text("title_logged_out", locale), message=text("logged_out", locale)
        )
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(CSRF_COOKIE, path="/")
    return response
