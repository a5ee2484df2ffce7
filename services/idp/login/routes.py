"""The pages a person sees to get in: login, second factor, and the home page."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from idp.accounts import service as accounts_service
from idp.clients import service as clients_service
from idp.dependencies import (
    SESSION_COOKIE,
    BackchannelDep,
    BrowserSessionDep,
    CipherDep,
    LoginContextDep,
    SessionDep,
    SettingsDep,
)
from idp.login import codes_ui, flow, interactions
from idp.login.forms import PageKit, safe_next
from idp.login.models import Interaction
from idp.oauth2 import acr
from idp.oauth2.authorize import ui_locale
from idp.second_factor import pending as pending_requests

router = APIRouter(include_in_schema=False)

DEVICE_COOKIE = "idp_device"
TextForm = Annotated[str, Form(max_length=254)]
SecretForm = Annotated[str, Form(max_length=1024)]
TokenForm = Annotated[str, Form(max_length=128)]


def _kit(request: Request, settings: Any, interaction: Interaction | None = None) -> PageKit:
    hinted = ui_locale(dict(interactions.params_of(interaction))) if interaction else None
    return PageKit(request, settings, hinted)


def _code_kit(request: Request, settings: Any, session: Any, pending: Any) -> PageKit:
    """The code page speaks the language of the interaction its login belongs to (ui_locales)."""
    handle = pending.interaction_handle if pending is not None else None
    return _kit(request, settings, interactions.find_interaction(session, handle))


def _who(request: Request) -> flow.Client:
    return flow.Client(request.client.host if request.client else None, request.headers.get("user-agent"))


def _login_page(
    kit: PageKit,
    session: Any,
    interaction: Interaction | None,
    *,
    status: int = 200,
    error: str | None = None,
    login_value: str | None = None,
    next_path: str | None = None,
) -> Response:
    client_name = None
    if interaction is not None:
        client = clients_service.find_client(session, interaction.client_id)
        client_name = client.name if client else None
        login_value = login_value or dict(interactions.params_of(interaction)).get("login_hint")
    return kit.page(
        "login.html",
        status,
        title=kit.t("title_login"),
        error=error,
        client_name=client_name,
        action="/login",
        interaction=interaction.handle if interaction else None,
        login_value=login_value,
        next_path=next_path or "",
    )


def _expired(kit: PageKit) -> Response:
    return kit.message(kit.t("interaction_expired"), status=400, error=True)


def _throttled(kit: PageKit, request: Request, action: str) -> Response | None:
    throttle = request.app.state.login_throttle
    ip = request.client.host if request.client else None
    if throttle.allow(ip, action):
        return None
    seconds = throttle.retry_after(ip, action)
    response = kit.message(kit.t("too_many_attempts", seconds=str(seconds)), status=429, error=True)
    response.headers["Retry-After"] = str(seconds)
    return response


def _continue_to(interaction_handle: str | None, next_path: str | None) -> str:
    if interaction_handle:
        return f"/authorize/resume?{urlencode({'i': interaction_handle})}"
    return safe_next(next_path) if next_path else "/account"


def _signed_in(
    kit: PageKit, settings: Any, cookie: str, target: str, device_cookie: str | None = None
) -> Response:
    response = kit.see_other(target)
    response.set_cookie(
        SESSION_COOKIE, cookie, httponly=True, samesite="lax", secure=settings.secure_cookies, path="/"
    )
    if device_cookie:
        response.set_cookie(
            DEVICE_COOKIE,
            device_cookie,
            httponly=True,
            samesite="lax",
            secure=settings.secure_cookies,
            path="/",
            max_age=settings.trusted_device_days * 86400,
        )
    return response


@router.get("/login")
def login_form(
    request: Request,
    settings: SettingsDep,
    session: SessionDep,
    browser: BrowserSessionDep,
    i: str | None = None,
    next: str | None = None,
) -> Response:
    interaction = interactions.find_interaction(session, i)
    kit = _kit(request, settings, interaction)
    if i and interaction is None:
        return _expired(kit)
    error = kit.t("session_expired") if browser.problem == "expired" else None
    return _login_page(kit, session, interaction, error=error, next_path=next)


@router.post("/login")
def login_submit(
    request: Request,
    settings: SettingsDep,
    session: SessionDep,
    cipher: CipherDep,
    browser: BrowserSessionDep,
    backchannel: BackchannelDep,
    ctx: LoginContextDep,
    login: TextForm = "",
    password: SecretForm = "",
    csrf_token: TokenForm = "",
    interaction: TokenForm = "",
    next_path: Annotated[str, Form(max_length=300)] = "",
) -> Response:
    parked = interactions.find_interaction(session, interaction or None)
    kit = _kit(request, settings, parked)
    if interaction and parked is None:
        return _expired(kit)
    if not kit.csrf_ok(csrf_token):
        return kit.csrf_failed()
    if (limited := _throttled(kit, request, "login")) is not None:
        return limited
    if not login.strip() or not password:
        return _login_page(
            kit, session, parked, status=400, error=kit.t("fields_required"), login_value=login
        )
    who = _who(request)
    check = flow.check_password(ctx, session, cipher, login, password, who)
    if check.outcome == "locked":
        until = check.locked_until.strftime("%d.%m.%Y %H:%M") if check.locked_until else ""
        return kit.message(
            kit.t("locked", until=until), status=401, error=True, detail=None, recover_url="/recover"
        )
    if check.outcome == "wrong" or check.account is None:
        # R-LOG-6: never say which part was wrong
        return _login_page(
            kit, session, parked, status=401, error=kit.t("wrong_credentials"), login_value=login
        )
    account = check.account
    options = flow.second_factor_options(session, account)
    trusted = flow.is_trusted(ctx, session, account, request.cookies.get(DEVICE_COOKIE))
    # a relying party asking for urn:idp:acr:mfa gets the code even on a trusted device (step up)
    step_up = parked is not None and acr.wants_second_factor(interactions.params_of(parked))
    if not flow.needs_second_factor(account, options, trusted and not step_up):
        cookie = flow.complete_login(
            ctx,
            session,
            account,
            method=None,
            current=browser.session,
            who=who,
            new_device=False,
            on_commit=backchannel.dispatch,
        )
        return _signed_in(kit, settings, cookie, _continue_to(parked.handle if parked else None, next_path))
    method = flow.preferred_method(account, options)
    pending = flow.begin_second_factor(
        ctx,
        session,
        account,
        method=method,
        interaction=parked.handle if parked else None,
        next_path=next_path or None,
        new_device=not trusted,
    )
    problem = (
        codes_ui.send_for(kit, ctx, session, account, pending, method, who) if method != "totp" else None
    )
    query = {"p": pending.handle, **({"problem": problem} if problem else {})}
    return kit.see_other(f"/login/code?{urlencode(query)}")


@router.get("/login/code")
def code_form(
    request: Request,
    settings: SettingsDep,
    session: SessionDep,
    ctx: LoginContextDep,
    p: str = "",
    problem: str | None = None,
    sent: str | None = None,
) -> Response:
    pending = flow.find_pending(ctx, session, p, "login")
    kit = _code_kit(request, settings, session, pending)
    if pending is None:
        return _expired(kit)
    account = accounts_service.get_account(session, pending.account_id or 0)
    assert account is not None
    return codes_ui.code_page(kit, session, account, pending, problem=problem, sent=sent)


@router.post("/login/code")
def code_submit(
    request: Request,
    settings: SettingsDep,
    session: SessionDep,
    browser: BrowserSessionDep,
    backchannel: BackchannelDep,
    ctx: LoginContextDep,
    p: TokenForm = "",
    code: Annotated[str, Form(max_length=32)] = "",
    csrf_token: TokenForm = "",
    trust: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    pending = flow.find_pending(ctx, session, p, "login")
    kit = _code_kit(request, settings, session, pending)
    if pending is None:
        return _expired(kit)
    if not kit.csrf_ok(csrf_token):
        return kit.csrf_failed()
    if (limited := _throttled(kit, request, "code")) is not None:
        return limited
    account = accounts_service.get_account(session, pending.account_id or 0)
    assert account is not None
    who = _who(request)
    try:
        method = flow.check_second_factor(
            ctx, session, account, method=pending.method or "sms", code=code.strip(), who=who
        )
    except codes_ui.CODE_ERRORS as exc:
        return codes_ui.code_page(
            kit, session, account, pending, error=codes_ui.error_text(kit, exc), status=400
        )
    cookie = flow.complete_login(
        ctx,
        session,
        account,
        method=method,
        current=browser.session,
        who=who,
        new_device=pending.new_device,
        on_commit=backchannel.dispatch,
    )
    device = flow.trust_this_device(ctx, session, account, who) if trust == "yes" else None
    target = _continue_to(pending.interaction_handle, pending.next_path)
    pending_requests.finish(session, pending)
    return _signed_in(kit, settings, cookie, target, device)


@router.post("/login/code/resend")
def code_resend(
    request: Request,
    settings: SettingsDep,
    session: SessionDep,
    ctx: LoginContextDep,
    p: TokenForm = "",
    channel: Annotated[str, Form(max_length=8)] = "",
    csrf_token: TokenForm = "",
) -> Response:
    pending = flow.find_pending(ctx, session, p, "login")
    kit = _code_kit(request, settings, session, pending)
    if pending is None:
        return _expired(kit)
    if not kit.csrf_ok(csrf_token):
        return kit.csrf_failed()
    account = accounts_service.get_account(session, pending.account_id or 0)
    assert account is not None
    options = flow.second_factor_options(session, account)
    if channel not in options:
        return codes_ui.code_page(kit, session, account, pending, status=400)
    pending.method = channel
    problem = (
        codes_ui.send_for(kit, ctx, session, account, pending, channel, _who(request))
        if channel != "totp"
        else None
    )
    query = {"p": pending.handle, **({"problem": problem} if problem else {"sent": channel})}
    return kit.see_other(f"/login/code?{urlencode(query)}")


@router.get("/")
def home(
    request: Request, session: SessionDep, browser: BrowserSessionDep, settings: SettingsDep
) -> Response:
    kit = PageKit(request, settings)
    name = None
    if browser.session is not None:
        account = accounts_service.get_account(session, browser.session.account_id)
        name = f"{account.first_name} {account.last_name}" if account else None
    return kit.message(
        "" if name else kit.t("not_signed_in"),
        title_key="home_title",
        account_name=name,
        logout_url="/logout",
    )
