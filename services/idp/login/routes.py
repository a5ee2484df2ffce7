"""The pages a person sees to get in: login, second factor, consent, and the home page."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from idp.accounts import service as accounts_service
from idp.audit import service as audit
from idp.clients import service as clients_service
from idp.consents import service as consents_service
from idp.dependencies import (
    SESSION_COOKIE,
    BackchannelDep,
    BrowserSessionDep,
    CipherDep,
    SessionDep,
    SettingsDep,
)
from idp.login import codes_ui, flow, service
from idp.login.forms import PageKit, safe_next
from idp.login.i18n import scope_text
from idp.login.models import Interaction
from idp.oauth2.authorize import ui_locale

router = APIRouter(include_in_schema=False)

DEVICE_COOKIE = "idp_device"
TextForm = Annotated[str, Form(max_length=254)]
SecretForm = Annotated[str, Form(max_length=1024)]
TokenForm = Annotated[str, Form(max_length=128)]


def _kit(request: Request, settings: Any, interaction: Interaction | None = None) -> PageKit:
    hinted = ui_locale(dict(service.params_of(interaction))) if interaction else None
    return PageKit(request, settings, hinted)


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
        login_value = login_value or dict(service.params_of(interaction)).get("login_hint")
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
    interaction = service.find_interaction(session, i)
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
    login: TextForm = "",
    password: SecretForm = "",
    csrf_token: TokenForm = "",
    interaction: TokenForm = "",
    next_path: Annotated[str, Form(max_length=300)] = "",
) -> Response:
    parked = service.find_interaction(session, interaction or None)
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
    state, who = request.app.state, _who(request)
    check = flow.check_password(state, session, cipher, login, password, who)
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
    trusted = flow.is_trusted(state, session, account, request.cookies.get(DEVICE_COOKIE))
    if not flow.needs_second_factor(account, options, trusted):
        cookie = flow.complete_login(
            state,
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
        state,
        session,
        account,
        method=method,
        interaction=parked.handle if parked else None,
        next_path=next_path or None,
        new_device=not trusted,
    )
    problem = (
        codes_ui.send_for(kit, state, session, account, pending, method, who) if method != "totp" else None
    )
    query = {"p": pending.handle, **({"problem": problem} if problem else {})}
    return kit.see_other(f"/login/code?{urlencode(query)}")


@router.get("/login/code")
def code_form(
    request: Request,
    settings: SettingsDep,
    session: SessionDep,
    p: str = "",
    problem: str | None = None,
    sent: str | None = None,
) -> Response:
    pending = flow.find_pending(session, p, "login")
    kit = _kit(request, settings)
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
    p: TokenForm = "",
    code: Annotated[str, Form(max_length=32)] = "",
    csrf_token: TokenForm = "",
    trust: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    pending = flow.find_pending(session, p, "login")
    kit = _kit(request, settings)
    if pending is None:
        return _expired(kit)
    if not kit.csrf_ok(csrf_token):
        return kit.csrf_failed()
    if (limited := _throttled(kit, request, "code")) is not None:
        return limited
    account = accounts_service.get_account(session, pending.account_id or 0)
    assert account is not None
    state, who = request.app.state, _who(request)
    try:
        method = flow.check_second_factor(
            state, session, account, method=pending.method or "sms", code=code.strip(), who=who
        )
    except codes_ui.CODE_ERRORS as exc:
        return codes_ui.code_page(
            kit, session, account, pending, error=codes_ui.error_text(kit, exc), status=400
        )
    cookie = flow.complete_login(
        state,
        session,
        account,
        method=method,
        current=browser.session,
        who=who,
        new_device=pending.new_device,
        on_commit=backchannel.dispatch,
    )
    device = flow.trust_this_device(state, session, account, who) if trust == "yes" else None
    target = _continue_to(pending.interaction_handle, pending.next_path)
    service.finish_pending(session, pending)
    return _signed_in(kit, settings, cookie, target, device)


@router.post("/login/code/resend")
def code_resend(
    request: Request,
    settings: SettingsDep,
    session: SessionDep,
    p: TokenForm = "",
    channel: Annotated[str, Form(max_length=8)] = "",
    csrf_token: TokenForm = "",
) -> Response:
    pending = flow.find_pending(session, p, "login")
    kit = _kit(request, settings)
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
        codes_ui.send_for(kit, request.app.state, session, account, pending, channel, _who(request))
        if channel != "totp"
        else None
    )
    query = {"p": pending.handle, **({"problem": problem} if problem else {"sent": channel})}
    return kit.see_other(f"/login/code?{urlencode(query)}")


@router.get("/consent")
def consent_form(
    request: Request, settings: SettingsDep, session: SessionDep, browser: BrowserSessionDep, i: str = ""
) -> Response:
    interaction = service.find_interaction(session, i)
    kit = _kit(request, settings, interaction)
    if interaction is None or browser.session is None:
        return _expired(kit)
    client = clients_service.find_client(session, interaction.client_id)
    scopes = dict(service.params_of(interaction)).get("scope", "").split()
    return kit.page(
        "consent.html",
        title=kit.t("title_consent"),
        client_name=client.name if client else interaction.client_id,
        scopes=[scope_text(s, kit.locale) for s in scopes],
        action="/consent",
        interaction=interaction.handle,
    )


@router.post("/consent")
def consent_submit(
    request: Request,
    settings: SettingsDep,
    session: SessionDep,
    browser: BrowserSessionDep,
    decision: Annotated[str, Form(max_length=10)] = "",
    csrf_token: TokenForm = "",
    interaction: TokenForm = "",
) -> Response:
    parked = service.find_interaction(session, interaction)
    kit = _kit(request, settings, parked)
    if parked is None or browser.session is None:
        return _expired(kit)
    if not kit.csrf_ok(csrf_token):
        return kit.csrf_failed()
    query = {"i": parked.handle}
    if decision != "allow":
        return kit.see_other(f"/authorize/resume?{urlencode({**query, 'deny': 'true'})}")
    scopes = set(dict(service.params_of(parked)).get("scope", "").split())
    consents_service.grant(session, browser.session.account_id, parked.client_id, scopes)
    audit.record_event(
        session,
        event_type="grant_given",
        result="success",
        actor=f"account:{browser.session.account_id}",
        account_id=browser.session.account_id,
        ip=_who(request).ip,
        details={"client_id": parked.client_id, "scopes": sorted(scopes)},
    )
    return kit.see_other(f"/authorize/resume?{urlencode(query)}")


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
