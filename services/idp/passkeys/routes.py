"""«Ключи доступа» in the cabinet: the list (rename, remove), adding one (``/options`` gives the
creation options to the page's script, JSON; the response comes back as an ordinary form post)
and the passwordless choice. Adding one needs a recent login (``passkey_fresh_login_seconds``)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import JSONResponse, Response

from idp.cabinet import methods
from idp.cabinet.routes import CsrfForm, notice_from, open_page, submit_form
from idp.dependencies import CSRF_COOKIE, BrowserSessionDep, LoginContextDep, SessionDep
from idp.login.flow import LoginContext
from idp.login.forms import PageKit, client_of
from idp.passkeys import service
from idp.passkeys.errors import FreshLoginRequiredError, PasskeyCsrfError, PasskeyLoginRequiredError
from shared.db import commits_on_return
from shared.path_ids import RowId

router = APIRouter(prefix="/account", include_in_schema=False)
NameForm = Annotated[str, Form(max_length=256)]
CredentialForm = Annotated[str, Form(max_length=32_768)]
NOTICES = ("passkey_added", "passkey_renamed", "passkey_removed", "passkey_passwordless_saved")


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
    return kit.page(
        "cabinet_passkeys.html",
        status,
        title=kit.t("nav_passkeys"),
        current="/account/security",
        passkeys=service.my_passkeys(session, account.id),
        passwordless=service.passwordless_on(session, account.id),
        fresh=service.fresh_login(ctx, browser.session),
        relogin_url=f"/login?next={quote('/account/passkeys')}",
        error=error,
        notice=notice,
    )


@router.get("/passkeys")
def passkeys_page(
    request: Request, session: SessionDep, browser: BrowserSessionDep, ctx: LoginContextDep
) -> Response:
    opened = open_page(request, session, browser)
    if isinstance(opened, Response):
        return opened
    account, kit = opened
    return _page(kit, ctx, session, account, browser, notice=notice_from(request, kit, NOTICES))


@router.post("/passkeys/options")
@commits_on_return
def registration_options(
    request: Request,
    session: SessionDep,
    browser: BrowserSessionDep,
    ctx: LoginContextDep,
    csrf_token: CsrfForm = "",
) -> Response:
    if browser.session is None:
        raise PasskeyLoginRequiredError()
    opened = open_page(request, session, browser)
    assert not isinstance(opened, Response)
    account, kit = opened
    if not kit.csrf_ok(csrf_token):
        raise PasskeyCsrfError()
    options = service.registration_options(
        ctx, session, account, browser.session, request.cookies.get(CSRF_COOKIE) or ""
    )
    if isinstance(options, service.Refusal):
        raise FreshLoginRequiredError()
    return JSONResponse(
        {"challenge": options.challenge, "publicKey": options.public_key},
        headers={"Cache-Control": "no-store"},
    )


@router.post("/passkeys")
@commits_on_return
def register(
    request: Request,
    session: SessionDep,
    browser: BrowserSessionDep,
    ctx: LoginContextDep,
    csrf_token: CsrfForm = "",
    challenge: CsrfForm = "",
    credential: CredentialForm = "",
    name: NameForm = "",
) -> Response:
    opened = submit_form(request, session, browser, csrf_token)
    if isinstance(opened, Response):
        return opened
    account, kit = opened
    assert browser.session is not None  # submit_form sent anyone without one to the login page
    if len(name.strip()) > service.NAME_MAX:
        return _page(kit, ctx, session, account, browser, error=kit.t("passkey_err_bad_name"), status=400)
    outcome = service.register(
        ctx,
        session,
        account,
        browser.session,
        challenge_handle=challenge,
        csrf_cookie=request.cookies.get(CSRF_COOKIE),
        response=credential,
        name=name,
        who=client_of(request),
    )
    if isinstance(outcome, service.Refusal):
        status = 403 if outcome.reason == "fresh_login_required" else 400
        error = kit.t(f"passkey_err_{outcome.reason}")
        return _page(kit, ctx, session, account, browser, error=error, status=status)
    return kit.see_other("/account/passkeys?done=passkey_added")


@router.post("/passkeys/{passkey_id}/rename")
def rename(
    request: Request,
    passkey_id: RowId,
    session: SessionDep,
    browser: BrowserSessionDep,
    ctx: LoginContextDep,
    csrf_token: CsrfForm = "",
    name: NameForm = "",
) -> Response:
    opened = submit_form(request, session, browser, csrf_token)
    if isinstance(opened, Response):
        return opened
    account, kit = opened
    refusal = service.rename(session, account, passkey_id, name, client_of(request))
    if refusal is not None:
        status = 404 if refusal.reason == "not_found" else 400
        return _page(
            kit, ctx, session, account, browser, error=kit.t(f"passkey_err_{refusal.reason}"), status=status
        )
    return kit.see_other("/account/passkeys?done=passkey_renamed")


@router.post("/passkeys/{passkey_id}/remove")
def remove(
    request: Request,
    passkey_id: RowId,
    session: SessionDep,
    browser: BrowserSessionDep,
    ctx: LoginContextDep,
    csrf_token: CsrfForm = "",
) -> Response:
    opened = submit_form(request, session, browser, csrf_token)
    if isinstance(opened, Response):
        return opened
    account, kit = opened
    refusal = service.remove(
        session,
        account,
        passkey_id,
        client_of(request),
        leaves_a_way_in=lambda: methods.leaves_a_way_in(ctx, session, account, f"passkey:{passkey_id}"),
    )
    if refusal is not None:
        status = 404 if refusal.reason == "not_found" else 409
        error = kit.t(f"passkey_err_{refusal.reason}")
        return _page(kit, ctx, session, account, browser, error=error, status=status)
    return kit.see_other("/account/passkeys?done=passkey_removed")


@router.post("/passkeys/passwordless")
def passwordless(
    request: Request,
    session: SessionDep,
    browser: BrowserSessionDep,
    ctx: LoginContextDep,
    csrf_token: CsrfForm = "",
    passwordless: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    opened = submit_form(request, session, browser, csrf_token)
    if isinstance(opened, Response):
        return opened
    account, kit = opened
    refusal = service.set_passwordless(session, account, passwordless == "yes", client_of(request))
    if refusal is not None:
        return _page(
            kit, ctx, session, account, browser, error=kit.t(f"passkey_err_{refusal.reason}"), status=400
        )
    return kit.see_other("/account/passkeys?done=passkey_passwordless_saved")
