"""The bank login's pages (issue 15 item 3, docs/bank-id.md): the choice of bank, the trip there
(``/login/bank/start``), the callback, and the two forms that may follow it (the account's
password for a phone match, the prefilled registration). Each handler calls one service of
``brokering.service`` and renders its outcome."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from idp.accounts.routes import FormDep, _fields, registration_values
from idp.brokering import context, linking, service
from idp.clients import service as clients_service
from idp.dependencies import (
    CSRF_COOKIE,
    BackchannelDep,
    BankContextDep,
    BrowserSessionDep,
    SessionDep,
    SettingsDep,
    ThrottleDep,
)
from idp.login import interactions, routes
from idp.login.forms import PageKit, client_of, expired_page, interaction_kit, safe_next, too_many_page
from idp.login.signin import SignedIn as PageSignedIn
from shared.db import commits_on_return
from shared.web.formatting import format_datetime

router = APIRouter(include_in_schema=False)

TokenForm = Annotated[str, Form(max_length=128)]
#: refusals that are the bank's fault, not the request's (RFC 9110 §15.6.3/§15.6.4)
_UPSTREAM = {"bank_unavailable": 503, "bank_error": 502, "id_token_invalid": 502}


def _query(**params: str | None) -> str:
    clean = {k: v for k, v in params.items() if v}
    return f"?{urlencode(clean)}" if clean else ""


def _choice_page(
    kit: PageKit,
    bctx: context.BankContext,
    session: Any,
    *,
    interaction: str | None,
    next_path: str | None,
    refusal: str | None = None,
    status: int = 200,
) -> Response:
    parked = interactions.find_interaction(session, interaction)
    client_name = None
    if parked is not None:
        client = clients_service.find_client(session, parked.client_id)
        client_name = client.name if client else None
    banks = [
        {
            "name": b.name_en if kit.locale == "en" else b.name_ru,
            "url": "/login/bank/start" + _query(bank=b.id, i=interaction, next=next_path),
        }
        for b in context.banks(bctx, session)
    ]
    return kit.page(
        "login_bank.html",
        status,
        title=kit.t("bank_title"),
        banks=banks,
        refusal=refusal,
        client_name=client_name,
        password_url="/login" + _query(i=interaction, next=next_path),
    )


def _refusal_page(kit: PageKit, bctx: context.BankContext, session: Any, reason: str) -> Response:
    status = _UPSTREAM.get(reason, 404 if reason == "unknown_bank" else 400)
    return _choice_page(kit, bctx, session, interaction=None, next_path=None, refusal=reason, status=status)


@router.get("/login/bank")
def bank_choice(
    request: Request,
    settings: SettingsDep,
    session: SessionDep,
    bctx: BankContextDep,
    i: str | None = None,
    next: str | None = None,
) -> Response:
    parked = interactions.find_interaction(session, i)
    kit = interaction_kit(request, settings, parked)
    if i and parked is None:
        return expired_page(kit)
    return _choice_page(kit, bctx, session, interaction=i, next_path=next)


@router.get("/login/bank/start")
@commits_on_return
def bank_start(
    request: Request,
    settings: SettingsDep,
    session: SessionDep,
    bctx: BankContextDep,
    throttle: ThrottleDep,
    bank: str = "",
    i: str | None = None,
    next: str | None = None,
) -> Response:
    parked = interactions.find_interaction(session, i)
    kit = interaction_kit(request, settings, parked)
    if i and parked is None:
        return expired_page(kit)
    who = client_of(request)
    # each start stores a login and calls the bank: the per-IP login limit bounds both
    if not throttle.allow(who.ip, "login"):
        return too_many_page(kit, throttle.retry_after(who.ip, "login"))
    outcome = service.start(
        bctx,
        session,
        bank_id=bank,
        csrf_cookie=kit.csrf_cookie,
        interaction=parked.handle if parked else None,
        next_path=safe_next(next) if next else None,
        who=who,
    )
    if isinstance(outcome, context.Refusal):
        return _choice_page(
            kit,
            bctx,
            session,
            interaction=i,
            next_path=next,
            refusal=outcome.reason,
            status=_UPSTREAM.get(outcome.reason, 404 if outcome.reason == "unknown_bank" else 400),
        )
    response = kit.see_other(outcome.url)
    # the callback is known by this browser's cookie: set it when this request brought none
    response.set_cookie(
        CSRF_COOKIE, kit.csrf_cookie, httponly=True, samesite="lax", secure=settings.secure_cookies, path="/"
    )
    return response


def _signed_in(kit: PageKit, settings: Any, session: Any, outcome: context.SignedIn) -> Response:
    return routes.signed_in(
        kit, settings, PageSignedIn(outcome.cookie, outcome.interaction, outcome.next_path), session
    )


@router.get("/login/bank/callback")
@commits_on_return
def bank_callback(
    request: Request,
    settings: SettingsDep,
    session: SessionDep,
    browser: BrowserSessionDep,
    backchannel: BackchannelDep,
    bctx: BankContextDep,
) -> Response:
    kit = PageKit(request, settings)
    params = {k: v[:2048] for k, v in request.query_params.items() if k in ("state", "code", "error", "iss")}
    outcome = service.callback(
        bctx,
        session,
        params=params,
        csrf_cookie=request.cookies.get(CSRF_COOKIE),
        who=client_of(request),
        current=browser.session,
        device_cookie=request.cookies.get(routes.DEVICE_COOKIE),
        on_commit=backchannel.dispatch,
    )
    match outcome:
        case context.Refusal(reason=reason):
            return _refusal_page(kit, bctx, session, reason)
        case context.SignedIn():
            return _signed_in(kit, settings, session, outcome)
        case context.ConfirmPhone(state=state):
            return kit.see_other("/login/bank/phone" + _query(s=state))
        case context.Register(state=state):
            return kit.see_other("/login/bank/register" + _query(s=state))


def _phone_page(
    kit: PageKit, waiting: context.Pending, *, error: str | None = None, status: int = 200
) -> Response:
    login = waiting.login
    return kit.page(
        "login_bank_phone.html",
        status,
        title=kit.t("bank_phone_title"),
        bank_name=context.bank_name(waiting.bank, kit.locale),
        phone=waiting.identity.phone or "",
        state=login.state,
        error=error,
        password_url="/login" + _query(i=login.interaction_handle, next=login.next_path),
    )


@router.get("/login/bank/phone")
def bank_phone_form(
    request: Request, settings: SettingsDep, session: SessionDep, bctx: BankContextDep, s: str = ""
) -> Response:
    kit = PageKit(request, settings)
    waiting = linking.pending(bctx, session, s, "phone", request.cookies.get(CSRF_COOKIE))
    if waiting is None:
        return expired_page(kit)
    return _phone_page(kit, waiting)


@router.post("/login/bank/phone")
@commits_on_return
def bank_phone_submit(
    request: Request,
    settings: SettingsDep,
    session: SessionDep,
    browser: BrowserSessionDep,
    backchannel: BackchannelDep,
    bctx: BankContextDep,
    throttle: ThrottleDep,
    state: TokenForm = "",
    password: Annotated[str, Form()] = "",
    csrf_token: TokenForm = "",
) -> Response:
    kit = PageKit(request, settings)
    waiting = linking.pending(bctx, session, state, "phone", request.cookies.get(CSRF_COOKIE))
    if waiting is None:
        return expired_page(kit)
    if not kit.csrf_ok(csrf_token):
        return kit.csrf_failed()
    who = client_of(request)
    if not throttle.allow(who.ip, "login"):
        return too_many_page(kit, throttle.retry_after(who.ip, "login"))
    if not password or len(password) > routes.PASSWORD_INPUT_MAX:
        return _phone_page(kit, waiting, error=kit.t("password_required"), status=400)
    outcome = linking.confirm_phone(
        bctx,
        session,
        waiting,
        password=password,
        who=who,
        current=browser.session,
        device_cookie=request.cookies.get(routes.DEVICE_COOKIE),
        on_commit=backchannel.dispatch,
    )
    match outcome:
        case context.WrongPassword(locked=True, locked_until=until):
            shown = format_datetime(until, settings.timezone) if until else ""
            return kit.message(kit.t("locked", until=shown), status=401, error=True, recover_url="/recover")
        case context.WrongPassword():
            return _phone_page(kit, waiting, error=kit.t("bank_wrong_password"), status=401)
        case context.Refusal(reason=reason):
            return _refusal_page(kit, bctx, session, reason)
        case context.SignedIn():
            return _signed_in(kit, settings, session, outcome)


def _register_page(
    kit: PageKit,
    waiting: context.Pending,
    values: dict[str, Any],
    errors: dict[str, str],
    status: int = 200,
) -> Response:
    locked = linking.locked_fields(waiting.identity)
    fields = [f for f in _fields(kit) if f.name not in locked]
    labels = {f.name: f.label for f in _fields(kit)}
    identity = waiting.identity
    return kit.page(
        "login_bank_register.html",
        status,
        title=kit.t("bank_register_title"),
        bank_name=context.bank_name(waiting.bank, kit.locale),
        state=waiting.login.state,
        fields=fields,
        values=values,
        errors=errors,
        locked=[(labels[name], value) for name, value in locked.items()],
        snils_unverified=identity.snils is not None and not identity.snils_verified,
        summary=[(f.anchor, f"{f.label}: {errors[f.name]}") for f in fields if f.name in errors],
    )


@router.get("/login/bank/register")
def bank_register_form(
    request: Request, settings: SettingsDep, session: SessionDep, bctx: BankContextDep, s: str = ""
) -> Response:
    kit = PageKit(request, settings)
    waiting = linking.pending(bctx, session, s, "register", request.cookies.get(CSRF_COOKIE))
    if waiting is None:
        return expired_page(kit)
    return _register_page(kit, waiting, linking.prefill(waiting.identity), {})


@router.post("/login/bank/register")
@commits_on_return
def bank_register_submit(
    request: Request,
    form: FormDep,
    settings: SettingsDep,
    session: SessionDep,
    browser: BrowserSessionDep,
    backchannel: BackchannelDep,
    bctx: BankContextDep,
) -> Response:
    kit = PageKit(request, settings)
    waiting = linking.pending(
        bctx, session, form.get("state", ""), "register", request.cookies.get(CSRF_COOKIE)
    )
    if waiting is None:
        return expired_page(kit)
    if not kit.csrf_ok(form.get("csrf_token")):
        return kit.csrf_failed()
    values = registration_values({k: v for k, v in form.items() if k != "state"})
    outcome = linking.register(
        bctx,
        session,
        waiting,
        values,
        form.get("password", ""),
        who=client_of(request),
        locale=kit.locale,
        current=browser.session,
        on_commit=backchannel.dispatch,
    )
    match outcome:
        case context.FormErrors(errors=errors, status=status):
            return _register_page(kit, waiting, values, errors, status)
        case context.Refusal(reason=reason):
            return _refusal_page(kit, bctx, session, reason)
        case context.SignedIn():
            return _signed_in(kit, settings, session, outcome)
