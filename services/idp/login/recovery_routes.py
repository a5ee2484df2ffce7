"""Recovery pages: ask for a code, then enter it with a new password."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from idp.accounts.validation import FieldError
from idp.dependencies import BackchannelDep, CipherDep, LoginContextDep, SessionDep, SettingsDep
from idp.login import codes_ui, flow, recovery
from idp.login.forms import PageKit
from idp.login.routes import _throttled, _who
from idp.second_factor import pending as pending_requests

router = APIRouter(include_in_schema=False)
TokenForm = Annotated[str, Form(max_length=128)]


@router.get("/recover")
def recover_form(request: Request, settings: SettingsDep) -> Response:
    kit = PageKit(request, settings)
    return kit.page("recover.html", title=kit.t("title_recover"))


@router.post("/recover")
def recover_submit(
    request: Request,
    settings: SettingsDep,
    session: SessionDep,
    cipher: CipherDep,
    ctx: LoginContextDep,
    login: Annotated[str, Form(max_length=254)] = "",
    csrf_token: TokenForm = "",
) -> Response:
    kit = PageKit(request, settings)
    if not kit.csrf_ok(csrf_token):
        return kit.csrf_failed()
    if (limited := _throttled(kit, request, "recover")) is not None:
        return limited
    if not login.strip():
        return kit.page("recover.html", 400, title=kit.t("title_recover"), error=kit.t("fields_required"))
    pending = recovery.request_recovery(ctx, session, cipher, login, _who(request), kit.locale)
    return kit.see_other(f"/recover/code?{urlencode({'p': pending.handle})}")


def _page(kit: PageKit, handle: str, *, error: str | None = None, status: int = 200) -> Response:
    return kit.page(
        "login_code.html",
        status,
        title=kit.t("title_recover"),
        prompt=kit.t("recover_sent"),
        error=error,
        action="/recover/code",
        handle=handle,
        show_password=True,
    )


@router.get("/recover/code")
def recover_code_form(
    request: Request, settings: SettingsDep, session: SessionDep, ctx: LoginContextDep, p: str = ""
) -> Response:
    kit = PageKit(request, settings)
    if flow.find_pending(ctx, session, p, "recovery") is None:
        return kit.message(kit.t("interaction_expired"), status=400, error=True)
    return _page(kit, p)


@router.post("/recover/code")
def recover_code_submit(
    request: Request,
    settings: SettingsDep,
    session: SessionDep,
    backchannel: BackchannelDep,
    ctx: LoginContextDep,
    p: TokenForm = "",
    code: Annotated[str, Form(max_length=32)] = "",
    csrf_token: TokenForm = "",
    new_password: Annotated[str, Form(max_length=1024)] = "",
    repeat_password: Annotated[str, Form(max_length=1024)] = "",
) -> Response:
    kit = PageKit(request, settings)
    pending = flow.find_pending(ctx, session, p, "recovery")
    if pending is None:
        return kit.message(kit.t("interaction_expired"), status=400, error=True)
    if not kit.csrf_ok(csrf_token):
        return kit.csrf_failed()
    if (limited := _throttled(kit, request, "code")) is not None:
        return limited
    if new_password != repeat_password:
        return _page(kit, p, error=kit.t("passwords_differ"), status=400)
    try:
        recovery.complete_recovery(
            ctx,
            session,
            pending,
            code.strip(),
            new_password,
            _who(request),
            backchannel.dispatch,
        )
    except FieldError as exc:
        return _page(kit, p, error=exc.message(kit.locale), status=400)
    except codes_ui.CODE_ERRORS:
        # the same words whether the code was wrong or no account stands behind the request
        return _page(kit, p, error=kit.t("code_invalid_plain"), status=400)
    pending_requests.finish(session, pending)
    return kit.message(kit.t("password_changed"), title_key="title_recover")
