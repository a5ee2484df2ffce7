"""Recovery pages: ask for a code, then enter it with a new password."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from idp.dependencies import BackchannelDep, LoginContextDep, SessionDep, SettingsDep, ThrottleDep
from idp.login import flow, signin
from idp.login.forms import PageKit, client_of, too_many_page
from idp.login.routes import CODE_INPUT_MAX, TextForm, field_problems

router = APIRouter(include_in_schema=False)
TokenForm = Annotated[str, Form(max_length=128)]


@router.get("/recover")
def recover_form(request: Request, settings: SettingsDep) -> Response:
    kit = PageKit(request, settings)
    return kit.page("recover.html", title=kit.t("title_recover"))


def _form(kit: PageKit, login: str, error: str) -> Response:
    """The recovery form again with what was typed and what is wrong with it."""
    return kit.page("recover.html", 400, title=kit.t("title_recover"), error=error, login_value=login)


@router.post("/recover")
def recover_submit(
    request: Request,
    settings: SettingsDep,
    session: SessionDep,
    ctx: LoginContextDep,
    throttle: ThrottleDep,
    login: TextForm = "",
    csrf_token: TokenForm = "",
) -> Response:
    kit = PageKit(request, settings)
    if not kit.csrf_ok(csrf_token):
        return kit.csrf_failed()
    if problem := field_problems(kit, login).get("login"):
        return _form(kit, login, problem)
    outcome = signin.submit_recovery(
        ctx, session, throttle, login=login, who=client_of(request), locale=kit.locale
    )
    match outcome:
        case signin.Throttled(retry_after=seconds):
            return too_many_page(kit, seconds)
        case signin.MissingFields():  # checked above; kept for the service's own contract
            return _form(kit, login, kit.t("login_required"))
        case signin.RecoveryRequested(pending=handle):
            return kit.see_other(f"/recover/code?{urlencode({'p': handle})}")


def _page(kit: PageKit, handle: str, *, errors: dict[str, str] | None = None, status: int = 200) -> Response:
    return kit.page(
        "login_code.html",
        status,
        title=kit.t("title_recover"),
        prompt=kit.t("recover_sent"),
        errors=errors or {},
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
    throttle: ThrottleDep,
    p: TokenForm = "",
    code: TextForm = "",
    csrf_token: TokenForm = "",
    new_password: TextForm = "",
    repeat_password: TextForm = "",
) -> Response:
    kit = PageKit(request, settings)
    pending = flow.find_pending(ctx, session, p, "recovery")
    if pending is None:
        return kit.message(kit.t("interaction_expired"), status=400, error=True)
    if not kit.csrf_ok(csrf_token):
        return kit.csrf_failed()
    if not code.strip() or len(code) > CODE_INPUT_MAX:
        return _page(kit, p, errors={"code": kit.t("code_required")}, status=400)
    outcome = signin.submit_recovery_code(
        ctx,
        session,
        throttle,
        pending,
        code=code,
        new_password=new_password,
        repeat_password=repeat_password,
        who=client_of(request),
        on_commit=backchannel.dispatch,
    )
    match outcome:
        case signin.Throttled(retry_after=seconds):
            return too_many_page(kit, seconds)
        case signin.PasswordsDiffer():
            # the repeat is what disagrees: flagged there, not on the code
            return _page(kit, p, errors={"repeat_password": kit.t("passwords_differ")}, status=400)
        case signin.PasswordRefused(problem=problem):
            return _page(kit, p, errors={"new_password": problem.message(kit.locale)}, status=400)
        case signin.RecoveryCodeWrong():
            # the same words whether the code was wrong or no account stands behind the request
            return _page(kit, p, errors={"code": kit.t("code_invalid_plain")}, status=400)
        case signin.PasswordRecovered():
            return kit.message(
                kit.t("password_changed"),
                title_key="title_recover",
                success=True,
                next_url="/login",
                next_text=kit.t("login_button"),
            )
