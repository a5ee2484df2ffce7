"""«Безопасность»: password, second factor, authenticator app, trusted devices, sessions."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from idp.accounts.validation import FieldError
from idp.cabinet import security
from idp.cabinet import service as cabinet
from idp.cabinet.routes import notice_from, open_page, submit_form
from idp.dependencies import BackchannelDep, BrowserSessionDep, LoginContextDep, SessionDep
from idp.login import flow
from idp.login.flow import LoginContext
from idp.login.forms import PageKit
from idp.second_factor import totp
from idp.second_factor.errors import SecondFactorError
from shared.path_ids import RowId

router = APIRouter(prefix="/account", include_in_schema=False)
CsrfForm = Annotated[str, Form(max_length=128)]
SecretForm = Annotated[str, Form(max_length=1024)]
NOTICES = ("password_saved", "mfa_saved", "totp_disabled", "device_revoked", "ended")


def _who(request: Request) -> flow.Client:
    return flow.Client(request.client.host if request.client else None, request.headers.get("user-agent"))


def _page(
    kit: PageKit,
    ctx: LoginContext,
    session: Any,
    account: Any,
    browser: Any,
    *,
    error: str | None = None,
    notice: str | None = None,
    status: int = 200,
) -> Response:
    options = flow.second_factor_options(session, account)
    labels = [("none", "mfa_none"), ("sms", "mfa_sms"), ("email", "mfa_email"), ("totp", "mfa_totp")]
    mfa_options = [
        {
            "value": v,
            "label": kit.t(k),
            "checked": (account.mfa_method or "none") == v,
            "disabled": v != "none" and v not in options,
        }
        for v, k in labels
    ]
    return kit.page(
        "cabinet_security.html",
        status,
        title=kit.t("nav_security"),
        current="/account/security",
        sessions=cabinet.my_sessions(session, account.id, browser.session.sid, kit.locale),
        devices=security.my_devices(ctx, session, account, kit.locale),
        mfa_options=mfa_options,
        totp_enabled=totp.totp_enabled(session, account.id),
        error=error,
        notice=notice,
    )


@router.get("/security")
def security_page(
    request: Request, session: SessionDep, browser: BrowserSessionDep, ctx: LoginContextDep
) -> Response:
    opened = open_page(request, session, browser)
    if isinstance(opened, Response):
        return opened
    account, kit = opened
    return _page(kit, ctx, session, account, browser, notice=notice_from(request, kit, NOTICES))


@router.post("/password")
def change_password(
    request: Request,
    session: SessionDep,
    browser: BrowserSessionDep,
    ctx: LoginContextDep,
    backchannel: BackchannelDep,
    csrf_token: CsrfForm = "",
    current_password: SecretForm = "",
    new_password: SecretForm = "",
    repeat_password: SecretForm = "",
) -> Response:
    opened = submit_form(request, session, browser, csrf_token)
    if isinstance(opened, Response):
        return opened
    account, kit = opened
    if new_password != repeat_password:
        return _page(kit, ctx, session, account, browser, error=kit.t("passwords_differ"), status=400)
    try:
        security.change_password(
            ctx,
            session,
            account,
            current_password,
            new_password,
            who=_who(request),
            keep_sid=browser.session.sid if browser.session else None,
            on_commit=backchannel.dispatch,
        )
    except security.WrongCurrentPasswordError:
        return _page(kit, ctx, session, account, browser, error=kit.t("wrong_current_password"), status=400)
    except FieldError as exc:
        return _page(kit, ctx, session, account, browser, error=exc.message(kit.locale), status=400)
    return kit.see_other("/account/security?done=password_saved")


@router.post("/security/mfa")
def set_mfa(
    request: Request,
    session: SessionDep,
    browser: BrowserSessionDep,
    ctx: LoginContextDep,
    csrf_token: CsrfForm = "",
    method: Annotated[str, Form(max_length=8)] = "none",
) -> Response:
    opened = submit_form(request, session, browser, csrf_token)
    if isinstance(opened, Response):
        return opened
    account, kit = opened
    try:
        security.set_second_factor(session, account, method, _who(request))
    except security.MethodUnavailableError:
        return _page(kit, ctx, session, account, browser, error=kit.t("mfa_unavailable"), status=400)
    return kit.see_other("/account/security?done=mfa_saved")


@router.post("/security/totp/start")
def totp_start(
    request: Request,
    session: SessionDep,
    browser: BrowserSessionDep,
    ctx: LoginContextDep,
    csrf_token: CsrfForm = "",
) -> Response:
    opened = submit_form(request, session, browser, csrf_token)
    if isinstance(opened, Response):
        return opened
    account, kit = opened
    try:
        enrollment = security.start_totp(ctx, session, account)
    except SecondFactorError as exc:
        return _page(kit, ctx, session, account, browser, error=exc.user_message(kit.locale), status=409)
    return kit.page(
        "cabinet_totp.html",
        title=kit.t("totp_enable"),
        current="/account/security",
        qr_svg=enrollment.qr_svg,
        secret=enrollment.secret,
    )


@router.post("/security/totp/confirm")
def totp_confirm(
    request: Request,
    session: SessionDep,
    browser: BrowserSessionDep,
    ctx: LoginContextDep,
    csrf_token: CsrfForm = "",
    code: Annotated[str, Form(max_length=16)] = "",
) -> Response:
    opened = submit_form(request, session, browser, csrf_token)
    if isinstance(opened, Response):
        return opened
    account, kit = opened
    try:
        codes = security.confirm_totp(ctx, session, account, code, _who(request))
    except SecondFactorError as exc:
        return _page(kit, ctx, session, account, browser, error=exc.user_message(kit.locale), status=400)
    return kit.page(
        "cabinet_totp.html", title=kit.t("recovery_codes"), current="/account/security", recovery_codes=codes
    )


@router.post("/security/totp/disable")
def totp_disable(
    request: Request,
    session: SessionDep,
    browser: BrowserSessionDep,
    ctx: LoginContextDep,
    csrf_token: CsrfForm = "",
) -> Response:
    opened = submit_form(request, session, browser, csrf_token)
    if isinstance(opened, Response):
        return opened
    account, kit = opened
    security.disable_totp(session, account, _who(request))
    return kit.see_other("/account/security?done=totp_disabled")


@router.post("/devices/{device_id}/revoke")
def revoke_device(
    request: Request,
    device_id: RowId,
    session: SessionDep,
    browser: BrowserSessionDep,
    ctx: LoginContextDep,
    csrf_token: CsrfForm = "",
) -> Response:
    opened = submit_form(request, session, browser, csrf_token)
    if isinstance(opened, Response):
        return opened
    account, kit = opened
    if not security.revoke_device(ctx, session, account, device_id, _who(request)):
        return kit.message(kit.t("no_devices"), status=404, error=True)
    return kit.see_other("/account/security?done=device_revoked")
