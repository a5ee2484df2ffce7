"""The pages a person sees to get in: login, second factor, and the home page.

Each form's handler checks what only the page knows (the parked request still alive, the CSRF
token), calls one service of ``signin`` and renders the outcome it returns."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from idp.accounts import service as accounts_service
from idp.accounts.validation_messages import message as validation_message
from idp.brokering import service as bank_login
from idp.clients import service as clients_service
from idp.dependencies import (
    SESSION_COOKIE,
    BackchannelDep,
    BrowserSessionDep,
    LoginContextDep,
    SessionDep,
    SettingsDep,
    ThrottleDep,
)
from idp.login import codes_ui, flow, interactions, last_method, signin
from idp.login.forms import PageKit, client_of, expired_page, interaction_kit, safe_next, too_many_page
from idp.login.models import Interaction
from idp.sessions import service as sessions_service
from shared.db import commits_on_return, read_only
from shared.web.formatting import format_datetime

router = APIRouter(include_in_schema=False)

DEVICE_COOKIE = "idp_device"
#: what a person types is taken whole (the body is bounded by ``max_body_bytes``) and measured
#: here, so a too-long value is a field error on the form, never a generic error page (issue 10)
TextForm = Annotated[str, Form()]
TokenForm = Annotated[str, Form(max_length=128)]
LOGIN_MAX = 254
CODE_INPUT_MAX = 32
PASSWORD_INPUT_MAX = 1024


def field_problems(kit: PageKit, login: str, password: str | None = None) -> dict[str, str]:
    """Each empty or too long field of the login (and recovery) form with its message."""
    problems: dict[str, str] = {}
    if not login.strip():
        problems["login"] = kit.t("login_required")
    elif len(login) > LOGIN_MAX:
        problems["login"] = validation_message("too_long", kit.locale, max=LOGIN_MAX)
    if password is not None:
        if not password:
            problems["password"] = kit.t("password_required")
        elif len(password) > PASSWORD_INPUT_MAX:
            problems["password"] = validation_message("too_long", kit.locale, max=PASSWORD_INPUT_MAX)
    return problems


def _code_kit(request: Request, settings: Any, session: Any, pending: Any) -> PageKit:
    """The code page speaks the language of the interaction its login belongs to (ui_locales)."""
    handle = pending.interaction_handle if pending is not None else None
    return interaction_kit(request, settings, interactions.find_interaction(session, handle))


def _login_page(
    kit: PageKit,
    session: Any,
    interaction: Interaction | None,
    *,
    status: int = 200,
    error: str | None = None,
    errors: dict[str, str] | None = None,
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
        errors=errors or {},
        summary=list((errors or {}).items()),  # the messages name their field already
        client_name=client_name,
        action="/login",
        interaction=interaction.handle if interaction else None,
        login_value=login_value,
        next_path=next_path or "",
        bank_login=bank_login.offered(kit.settings, session),
        last_way=last_method.last_way(kit.request.cookies.get(last_method.LAST_METHOD_COOKIE)),
    )


def _continue_to(session: Any, interaction_handle: str | None, next_path: str | None) -> str:
    """Back to the parked request's face (its resume route), else to ``next``."""
    if interaction_handle:
        parked = interactions.find_interaction(session, interaction_handle)
        if parked is not None:
            return interactions.resume_url(parked)
        # gone meanwhile: the default resume route says so on its page
        return f"{interactions.DEFAULT_RESUME_PATH}?{urlencode({'i': interaction_handle})}"
    return safe_next(next_path) if next_path else "/account"


def signed_in(kit: PageKit, settings: Any, signed_in: signin.SignedIn, session: Any) -> Response:
    response = kit.see_other(_continue_to(session, signed_in.interaction, signed_in.next_path))
    response.set_cookie(
        SESSION_COOKIE,
        signed_in.cookie,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
        path="/",
    )
    remembered = last_method.remembered(sessions_service.amr_of(session, signed_in.cookie))
    if remembered:  # the way in this device used last, offered first next time (issue 15 item 4)
        response.set_cookie(
            last_method.LAST_METHOD_COOKIE,
            remembered,
            httponly=True,
            samesite="lax",
            secure=settings.secure_cookies,
            path="/",
            max_age=last_method.MAX_AGE_SECONDS,
        )
    if signed_in.device_cookie:
        response.set_cookie(
            DEVICE_COOKIE,
            signed_in.device_cookie,
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
    kit = interaction_kit(request, settings, interaction)
    if i and interaction is None:
        return expired_page(kit)
    error = kit.t("session_expired") if browser.problem == "expired" else None
    return _login_page(kit, session, interaction, error=error, next_path=next)


@router.post("/login")
@commits_on_return
def login_submit(
    request: Request,
    settings: SettingsDep,
    session: SessionDep,
    browser: BrowserSessionDep,
    backchannel: BackchannelDep,
    ctx: LoginContextDep,
    throttle: ThrottleDep,
    login: TextForm = "",
    password: TextForm = "",
    csrf_token: TokenForm = "",
    interaction: TokenForm = "",
    next_path: Annotated[str, Form(max_length=300)] = "",
) -> Response:
    parked = interactions.find_interaction(session, interaction or None)
    kit = interaction_kit(request, settings, parked)
    if interaction and parked is None:
        return expired_page(kit)
    if not kit.csrf_ok(csrf_token):
        return kit.csrf_failed()
    if problems := field_problems(kit, login, password):
        # the value typed stays in the login field (never in the password field)
        return _login_page(
            kit, session, parked, status=400, errors=problems, login_value=login, next_path=next_path
        )
    outcome = signin.submit_password(
        ctx,
        session,
        throttle,
        login=login,
        password=password,
        who=client_of(request),
        parked=parked,
        next_path=next_path,
        device_cookie=request.cookies.get(DEVICE_COOKIE),
        locale=kit.locale,
        current=browser.session,
        on_commit=backchannel.dispatch,
    )
    match outcome:
        case signin.Throttled(retry_after=seconds):
            return too_many_page(kit, seconds)
        case signin.MissingFields():  # checked above; kept for the service's own contract
            return _login_page(
                kit, session, parked, status=400, error=kit.t("fields_required"), login_value=login
            )
        case signin.Locked(until=until):
            return kit.message(
                kit.t("locked", until=format_datetime(until, settings.timezone) if until else ""),
                status=401,
                error=True,
                detail=None,
                recover_url="/recover",
            )
        case signin.WrongCredentials():
            # R-LOG-6: never say which part was wrong
            return _login_page(
                kit, session, parked, status=401, error=kit.t("wrong_credentials"), login_value=login
            )
        case signin.SignedIn():
            return signed_in(kit, settings, outcome, session)
        case signin.NeedsSecondFactor(pending=handle, method="passkey"):
            return kit.see_other(f"/login/passkey?{urlencode({'p': handle})}")
        case signin.NeedsSecondFactor(pending=handle, problem=problem):
            query = {"p": handle, **({"problem": problem} if problem else {})}
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
    # The page only reads: no write lock (SQLite) for it, nor a commit hop after it.
    with read_only(session):
        pending = flow.find_pending(ctx, session, p, "login")
        kit = _code_kit(request, settings, session, pending)
        if pending is None:
            return expired_page(kit)
        account = accounts_service.get_account(session, pending.account_id or 0)
        assert account is not None
        return codes_ui.code_page(kit, session, account, pending, problem=problem, sent=sent)


@router.post("/login/code")
@commits_on_return
def code_submit(
    request: Request,
    settings: SettingsDep,
    session: SessionDep,
    browser: BrowserSessionDep,
    backchannel: BackchannelDep,
    ctx: LoginContextDep,
    throttle: ThrottleDep,
    p: TokenForm = "",
    code: TextForm = "",
    csrf_token: TokenForm = "",
    trust: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    pending = flow.find_pending(ctx, session, p, "login")
    kit = _code_kit(request, settings, session, pending)
    if pending is None:
        return expired_page(kit)
    if not kit.csrf_ok(csrf_token):
        return kit.csrf_failed()
    if not code.strip() or len(code) > CODE_INPUT_MAX:
        account = accounts_service.get_account(session, pending.account_id or 0)
        assert account is not None
        return codes_ui.code_page(kit, session, account, pending, error=kit.t("code_required"), status=400)
    outcome = signin.submit_code(
        ctx,
        session,
        throttle,
        pending,
        code=code,
        trust=trust == "yes",
        who=client_of(request),
        current=browser.session,
        on_commit=backchannel.dispatch,
    )
    match outcome:
        case signin.Throttled(retry_after=seconds):
            return too_many_page(kit, seconds)
        case signin.WrongCode(account=account, error=error):
            return codes_ui.code_page(
                kit, session, account, pending, error=codes_ui.error_text(kit, error), status=400
            )
        case signin.SignedIn():
            return signed_in(kit, settings, outcome, session)


@router.post("/login/code/resend")
@commits_on_return
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
        return expired_page(kit)
    if not kit.csrf_ok(csrf_token):
        return kit.csrf_failed()
    outcome = signin.resend_code(
        ctx, session, pending, channel=channel, locale=kit.locale, who=client_of(request)
    )
    match outcome:
        case signin.UnknownChannel(account=account):
            return codes_ui.code_page(kit, session, account, pending, status=400)
        case signin.CodeResent(channel=sent, problem=problem):
            query = {"p": pending.handle, **({"problem": problem} if problem else {"sent": sent})}
            return kit.see_other(f"/login/code?{urlencode(query)}")


@router.get("/")
def home(
    request: Request, session: SessionDep, browser: BrowserSessionDep, settings: SettingsDep
) -> Response:
    """Where a person lands: sign in or register; signed in, the cabinet or signing out."""
    kit = PageKit(request, settings)
    name = None
    if browser.session is not None:
        account = accounts_service.get_account(session, browser.session.account_id)
        name = f"{account.first_name} {account.last_name}" if account else None
    return kit.page("home.html", title=kit.t("home_title"), account_name=name)
