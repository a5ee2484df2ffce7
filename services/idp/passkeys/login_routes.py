"""Login with a passkey: ``GET /login/passkey`` (passwordless; with ``p``, the second factor of a
pending login), ``POST /login/passkey/options`` (the request options the page's script passes to
``navigator.credentials.get``, JSON) and ``POST /login/passkey`` (the assertion, an ordinary form
post the script fills and submits; the answer is the same redirect as every login's)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import JSONResponse, Response

from idp.dependencies import (
    CSRF_COOKIE,
    BackchannelDep,
    BrowserSessionDep,
    LoginContextDep,
    SessionDep,
    SettingsDep,
    ThrottleDep,
)
from idp.login import flow, interactions, routes
from idp.login.forms import PageKit, client_of, expired_page, interaction_kit, too_many_page
from idp.login.models import Interaction
from idp.passkeys import service, signin
from idp.passkeys.errors import PasskeyCsrfError, PasskeyLoginExpiredError
from idp.second_factor.models import PendingLogin
from shared.db import commits_on_return

router = APIRouter(include_in_schema=False)
TokenForm = Annotated[str, Form(max_length=128)]
#: a PublicKeyCredential as JSON (``relying_party.MAX_RESPONSE_CHARS``, measured there)
CredentialForm = Annotated[str, Form(max_length=32_768)]


def _page(
    kit: PageKit,
    *,
    parked: Interaction | None,
    pending: PendingLogin | None,
    next_path: str | None,
    refusal: str | None = None,
    status: int = 200,
) -> Response:
    handle = parked.handle if parked else None
    query = {k: v for k, v in (("i", handle), ("next", next_path)) if v}
    # a pending login whose only second factor is the passkey has no code to go back to
    with_code = pending is not None and pending.method != "passkey"
    back = (
        f"/login/code?{urlencode({'p': pending.handle})}"
        if with_code and pending
        else f"/login?{urlencode(query)}"
    )
    return kit.page(
        "login_passkey.html",
        status,
        title=kit.t("passkey_second_title" if pending else "passkey_title"),
        error=kit.t(f"passkey_err_{refusal}") if refusal else None,
        pending=pending.handle if pending else "",
        interaction=handle or "",
        next_path=next_path or "",
        back_url=back,
        back_text=kit.t("passkey_code_link" if with_code else "passkey_password_link"),
    )


def _pending_kit(request: Request, settings: Any, session: Any, pending: PendingLogin | None) -> PageKit:
    handle = pending.interaction_handle if pending is not None else None
    return interaction_kit(request, settings, interactions.find_interaction(session, handle))


@router.get("/login/passkey")
def passkey_form(
    request: Request,
    settings: SettingsDep,
    session: SessionDep,
    ctx: LoginContextDep,
    i: str | None = None,
    next: str | None = None,
    p: str | None = None,
) -> Response:
    if p is not None:
        pending = flow.find_pending(ctx, session, p, "login")
        kit = _pending_kit(request, settings, session, pending)
        if pending is None:
            return expired_page(kit)
        return _page(kit, parked=None, pending=pending, next_path=None)
    parked = interactions.find_interaction(session, i)
    kit = interaction_kit(request, settings, parked)
    if i and parked is None:
        return expired_page(kit)
    return _page(kit, parked=parked, pending=None, next_path=next)


@router.post("/login/passkey/options")
@commits_on_return
def passkey_options(
    request: Request,
    settings: SettingsDep,
    session: SessionDep,
    ctx: LoginContextDep,
    csrf_token: TokenForm = "",
    p: TokenForm = "",
) -> Response:
    """Request options (JSON) for this browser: for a pending login's second factor, or passwordless."""
    kit = PageKit(request, settings)
    if not kit.csrf_ok(csrf_token):
        raise PasskeyCsrfError()
    csrf_cookie = request.cookies.get(CSRF_COOKIE) or ""
    if p:
        pending = flow.find_pending(ctx, session, p, "login")
        if pending is None or pending.account_id is None:
            raise PasskeyLoginExpiredError()
        options = service.login_options(
            ctx,
            session,
            csrf_cookie=csrf_cookie,
            account_id=pending.account_id,
            pending_handle=pending.handle,
        )
    else:
        options = service.login_options(ctx, session, csrf_cookie=csrf_cookie)
    return JSONResponse(
        {"challenge": options.challenge, "publicKey": options.public_key},
        headers={"Cache-Control": "no-store"},
    )


@router.post("/login/passkey")
@commits_on_return
def passkey_submit(
    request: Request,
    settings: SettingsDep,
    session: SessionDep,
    browser: BrowserSessionDep,
    backchannel: BackchannelDep,
    ctx: LoginContextDep,
    throttle: ThrottleDep,
    csrf_token: TokenForm = "",
    challenge: TokenForm = "",
    credential: CredentialForm = "",
    p: TokenForm = "",
    interaction: TokenForm = "",
    next_path: Annotated[str, Form(max_length=300)] = "",
) -> Response:
    who = client_of(request)
    outcome: signin.Outcome
    if p:
        pending = flow.find_pending(ctx, session, p, "login")
        kit = _pending_kit(request, settings, session, pending)
        if pending is None:
            return expired_page(kit)
        if not kit.csrf_ok(csrf_token):
            return kit.csrf_failed()
        outcome = signin.second_factor(
            ctx,
            session,
            throttle,
            pending,
            challenge=challenge,
            csrf_cookie=request.cookies.get(CSRF_COOKIE),
            response=credential,
            who=who,
            current=browser.session,
            on_commit=backchannel.dispatch,
        )
        parked = None
    else:
        pending = None
        parked = interactions.find_interaction(session, interaction or None)
        kit = interaction_kit(request, settings, parked)
        if interaction and parked is None:
            return expired_page(kit)
        if not kit.csrf_ok(csrf_token):
            return kit.csrf_failed()
        outcome = signin.passwordless(
            ctx,
            session,
            throttle,
            challenge=challenge,
            csrf_cookie=request.cookies.get(CSRF_COOKIE),
            response=credential,
            who=who,
            interaction=parked.handle if parked else None,
            next_path=next_path,
            device_cookie=request.cookies.get(routes.DEVICE_COOKIE),
            current=browser.session,
            on_commit=backchannel.dispatch,
        )
    match outcome:
        case signin.Throttled(retry_after=seconds):
            return too_many_page(kit, seconds)
        case service.Refusal(reason=reason):
            status = 400 if reason == "malformed" else 401
            return _page(
                kit, parked=parked, pending=pending, next_path=next_path, refusal=reason, status=status
            )
        case signin.SignedIn(cookie=cookie, interaction=handle, next_path=target):
            return routes.signed_in(kit, settings, routes.signin.SignedIn(cookie, handle, target), session)
