"""The pages a person sees: login, consent, and the home page with the session."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from idp.accounts import service as accounts_service
from idp.clients import service as clients_service
from idp.consents import service as consents_service
from idp.dependencies import (
    CSRF_COOKIE,
    SESSION_COOKIE,
    BackchannelDep,
    BrowserSessionDep,
    CipherDep,
    PolicyDep,
    SessionDep,
    SettingsDep,
)
from idp.login import service
from idp.login.i18n import pick_locale, scope_text, text
from idp.login.models import Interaction
from idp.login.pages import redirect, render, switch_url
from idp.oauth2.authorize import ui_locale
from idp.sessions import service as sessions_service

router = APIRouter(include_in_schema=False)


def _locale(request: Request, interaction: Interaction | None) -> str:
    hinted = ui_locale(dict(service.params_of(interaction))) if interaction else None
    return pick_locale(request.query_params.get("lang"), request.cookies.get("idp_lang"), hinted)


def _csrf(request: Request, settings: SettingsDep) -> tuple[str, str]:
    cookie = request.cookies.get(CSRF_COOKIE) or service.new_csrf_cookie()
    return cookie, service.csrf_token(settings.cookie_key.get_secret_value(), cookie)


def _with_cookies(response: Response, settings: SettingsDep, csrf_cookie: str, locale: str) -> Response:
    secure = settings.secure_cookies
    response.set_cookie(CSRF_COOKIE, csrf_cookie, httponly=True, samesite="lax", secure=secure, path="/")
    response.set_cookie(
        "idp_lang", locale, httponly=True, samesite="lax", secure=secure, path="/", max_age=365 * 86400
    )
    return response


def _login_page(
    request: Request,
    settings: SettingsDep,
    session: SessionDep,
    interaction: Interaction | None,
    *,
    status: int = 200,
    error: str | None = None,
    login_value: str | None = None,
) -> Response:
    locale = _locale(request, interaction)
    csrf_cookie, csrf_token = _csrf(request, settings)
    client_name = None
    if interaction is not None:
        client = clients_service.find_client(session, interaction.client_id)
        client_name = client.name if client else None
        login_value = login_value or dict(service.params_of(interaction)).get("login_hint")
    query = {"i": interaction.handle} if interaction else {}
    response = render(
        "login.html",
        locale,
        status,
        title=text("title_login", locale),
        error=error,
        client_name=client_name,
        csrf_token=csrf_token,
        action="/login",
        interaction=interaction.handle if interaction else None,
        login_value=login_value,
        switch_url=switch_url("/login", query, locale),
    )
    return _with_cookies(response, settings, csrf_cookie, locale)


@router.get("/login")
def login_form(
    request: Request,
    settings: SettingsDep,
    session: SessionDep,
    browser: BrowserSessionDep,
    i: str | None = None,
) -> Response:
    interaction = service.find_interaction(session, i)
    if i and interaction is None:
        locale = _locale(request, None)
        return render(
            "message.html",
            locale,
            400,
            title=text("title_error", locale),
            is_error=True,
            message=text("interaction_expired", locale),
        )
    error = text("session_expired", _locale(request, interaction)) if browser.problem == "expired" else None
    return _login_page(request, settings, session, interaction, error=error)


@router.post("/login")
def login_submit(
    request: Request,
    settings: SettingsDep,
    session: SessionDep,
    cipher: CipherDep,
    policy: PolicyDep,
    browser: BrowserSessionDep,
    backchannel: BackchannelDep,
    login: Annotated[str, Form(max_length=254)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    csrf_token: Annotated[str, Form(max_length=128)] = "",
    interaction: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    parked = service.find_interaction(session, interaction or None)
    locale = _locale(request, parked)
    if interaction and parked is None:
        return render(
            "message.html",
            locale,
            400,
            title=text("title_error", locale),
            is_error=True,
            message=text("interaction_expired", locale),
        )
    if not service.csrf_valid(
        settings.cookie_key.get_secret_value(), request.cookies.get(CSRF_COOKIE), csrf_token
    ):
        return render(
            "message.html",
            locale,
            400,
            title=text("title_error", locale),
            is_error=True,
            message=text("csrf_failed", locale),
        )
    if not login.strip() or not password:
        return _login_page(
            request,
            settings,
            session,
            parked,
            status=400,
            error=text("fields_required", locale),
            login_value=login,
        )
    account = service.password_login(session, cipher, login, password)
    if account is None:
        # R-LOG-6: never say which part was wrong
        return _login_page(
            request,
            settings,
            session,
            parked,
            status=401,
            error=text("wrong_credentials", locale),
            login_value=login,
        )
    current = browser.session
    if current is not None and current.account_id == account.id:
        cookie = sessions_service.reauthenticate(current, acr=service.PASSWORD_ACR, amr=service.PASSWORD_AMR)
    else:
        if current is not None:
            previous = accounts_service.get_account(session, current.account_id)
            sessions_service.end_session(
                session,
                current,
                "replaced",
                subject=previous.sub if previous else "",
                on_commit=backchannel.dispatch,
            )
        _, cookie = sessions_service.start_session(
            session,
            policy,
            account_id=account.id,
            acr=service.PASSWORD_ACR,
            amr=service.PASSWORD_AMR,
            ip=request.client.host if request.client else None,
            user_agent=request.headers.get("user-agent"),
        )
    target = f"/authorize/resume?{urlencode({'i': parked.handle})}" if parked else "/"
    response = redirect(target, 303)
    response.set_cookie(
        SESSION_COOKIE, cookie, httponly=True, samesite="lax", secure=settings.secure_cookies, path="/"
    )
    return response


@router.get("/consent")
def consent_form(
    request: Request, settings: SettingsDep, session: SessionDep, browser: BrowserSessionDep, i: str = ""
) -> Response:
    interaction = service.find_interaction(session, i)
    locale = _locale(request, interaction)
    if interaction is None or browser.session is None:
        return render(
            "message.html",
            locale,
            400,
            title=text("title_error", locale),
            is_error=True,
            message=text("interaction_expired", locale),
        )
    client = clients_service.find_client(session, interaction.client_id)
    scopes = dict(service.params_of(interaction)).get("scope", "").split()
    csrf_cookie, csrf_token = _csrf(request, settings)
    response = render(
        "consent.html",
        locale,
        title=text("title_consent", locale),
        client_name=client.name if client else interaction.client_id,
        scopes=[scope_text(s, locale) for s in scopes],
        csrf_token=csrf_token,
        action="/consent",
        interaction=interaction.handle,
        switch_url=switch_url("/consent", {"i": i}, locale),
    )
    return _with_cookies(response, settings, csrf_cookie, locale)


@router.post("/consent")
def consent_submit(
    request: Request,
    settings: SettingsDep,
    session: SessionDep,
    browser: BrowserSessionDep,
    decision: Annotated[str, Form(max_length=10)] = "",
    csrf_token: Annotated[str, Form(max_length=128)] = "",
    interaction: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    parked = service.find_interaction(session, interaction)
    locale = _locale(request, parked)
    if parked is None or browser.session is None:
        return render(
            "message.html",
            locale,
            400,
            title=text("title_error", locale),
            is_error=True,
            message=text("interaction_expired", locale),
        )
    if not service.csrf_valid(
        settings.cookie_key.get_secret_value(), request.cookies.get(CSRF_COOKIE), csrf_token
    ):
        return render(
            "message.html",
            locale,
            400,
            title=text("title_error", locale),
            is_error=True,
            message=text("csrf_failed", locale),
        )
    query = {"i": parked.handle}
    if decision != "allow":
        return redirect(f"/authorize/resume?{urlencode({**query, 'deny': 'true'})}", 303)
    scopes = set(dict(service.params_of(parked)).get("scope", "").split())
    consents_service.grant(session, browser.session.account_id, parked.client_id, scopes)
    return redirect(f"/authorize/resume?{urlencode(query)}", 303)


@router.get("/")
def home(request: Request, session: SessionDep, browser: BrowserSessionDep) -> Response:
    locale = pick_locale(request.query_params.get("lang"), request.cookies.get("idp_lang"))
    name = None
    if browser.session is not None:
        account = accounts_service.get_account(session, browser.session.account_id)
        name = f"{account.first_name} {account.last_name}" if account else None
    return render(
        "message.html",
        locale,
        title=text("home_title", locale),
        message="" if name else text("not_signed_in", locale),
        account_name=name,
        logout_url="/logout",
        switch_url=switch_url("/", {}, locale),
    )
