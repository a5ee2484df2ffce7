"""«Безопасность»: password, second factor, authenticator app, trusted devices, sessions."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from markupsafe import Markup

from idp.accounts.validation import FieldError
from idp.cabinet import methods, security
from idp.cabinet import service as cabinet
from idp.cabinet.routes import notice_from, open_page, submit_form
from idp.dependencies import BackchannelDep, BrowserSessionDep, LoginContextDep, SessionDep
from idp.login import flow
from idp.login.flow import LoginContext
from idp.login.forms import PageKit, client_of
from idp.second_factor import totp
from idp.second_factor.errors import SecondFactorError
from shared.path_ids import RowId

router = APIRouter(prefix="/account", include_in_schema=False)
CsrfForm = Annotated[str, Form(max_length=128)]
SecretForm = Annotated[str, Form(max_length=1024)]
NOTICES = ("password_saved", "mfa_saved", "totp_disabled", "device_revoked", "ended", "bank_unlinked")


#: why a second-factor choice is greyed out, and where to make it available
UNAVAILABLE = {
    "sms": ("mfa_sms_off", "/account/contacts/phone", "confirm_phone"),
    "email": ("mfa_email_off", "/account/contacts/email", "confirm_email"),
    "totp": ("mfa_totp_off", "#totp", "totp_enable"),
}


def _mfa_options(kit: PageKit, session: Any, account: Any) -> list[dict[str, Any]]:
    options = flow.second_factor_options(session, account)
    labels = [("none", "mfa_none"), ("sms", "mfa_sms"), ("email", "mfa_email"), ("totp", "mfa_totp")]
    out = []
    for value, key in labels:
        disabled = value != "none" and value not in options
        option: dict[str, Any] = {
            "value": value,
            "label": kit.t(key),
            "checked": (account.mfa_method or "none") == value,
            "disabled": disabled,
        }
        if disabled:
            why, href, link_text = UNAVAILABLE[value]
            option["hint"] = Markup('{} <a href="{}">{}</a>').format(kit.t(why), href, kit.t(link_text))
        out.append(option)
    return out


def _methods(kit: PageKit, ctx: LoginContext, session: Any, account: Any) -> list[dict[str, Any]]:
    """Issue 15 item 4: every way in and second factor, last used, removable unless the last way in."""
    found = methods.login_methods(ctx, session, account)
    return [
        {
            "label": kit.t(m.label, **m.params),
            "last_used_at": m.last_used_at,
            "remove_action": m.remove_action if methods.removable(found, m) else None,
            "last_way_in": m.way_in and m.remove_action is not None and not methods.removable(found, m),
            "manage_url": m.manage_url,
        }
        for m in found
    ]


def _page(
    kit: PageKit,
    ctx: LoginContext,
    session: Any,
    account: Any,
    browser: Any,
    *,
    errors: dict[str, str] | None = None,
    error: str | None = None,
    notice: str | None = None,
    status: int = 200,
) -> Response:
    return kit.page(
        "cabinet_security.html",
        status,
        title=kit.t("nav_security"),
        current="/account/security",
        sessions=cabinet.my_sessions(session, account.id, browser.session.sid, kit.locale),
        devices=security.my_devices(ctx, session, account, kit.locale),
        mfa_options=_mfa_options(kit, session, account),
        totp_enabled=totp.totp_enabled(session, account.id),
        methods=_methods(kit, ctx, session, account),
        errors=errors or {},
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
        return _page(
            kit,
            ctx,
            session,
            account,
            browser,
            errors={"repeat_password": kit.t("passwords_differ")},
            status=400,
        )
    try:
        security.change_password(
            ctx,
            session,
            account,
            current_password,
            new_password,
            who=client_of(request),
            keep_sid=browser.session.sid if browser.session else None,
            on_commit=backchannel.dispatch,
        )
    except security.WrongCurrentPasswordError:
        errors = {"current_password": kit.t("wrong_current_password")}
        return _page(kit, ctx, session, account, browser, errors=errors, status=400)
    except FieldError as exc:
        errors = {"new_password": exc.message(kit.locale)}
        return _page(kit, ctx, session, account, browser, errors=errors, status=400)
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
        security.set_second_factor(session, account, method, client_of(request))
    except security.MethodUnavailableError:
        errors = {"method": kit.t("mfa_unavailable")}
        return _page(kit, ctx, session, account, browser, errors=errors, status=400)
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
        codes = security.confirm_totp(ctx, session, account, code, client_of(request))
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
    security.disable_totp(session, account, client_of(request))
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
    if not security.revoke_device(ctx, session, account, device_id, client_of(request)):
        return kit.message(kit.t("no_devices"), status=404, error=True)
    return kit.see_other("/account/security?done=device_revoked")
