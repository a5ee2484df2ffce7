"""The personal cabinet (R-ACC-5, R-LOG-8, R-CON-2, R-SEC-1): pages for the logged-in person."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from idp.accounts import service as accounts_service
from idp.accounts.models import Account
from idp.cabinet import service
from idp.dependencies import BackchannelDep, BrowserSessionDep, CipherDep, SessionDep, SettingsDep
from idp.login.forms import PageKit
from idp.login.i18n import scope_text

router = APIRouter(prefix="/account", include_in_schema=False)

CsrfForm = Annotated[str, Form(max_length=128)]


def _account(request: Request, session: Any, browser: Any) -> Account | Response:
    if browser.session is None:
        target = quote(request.url.path)
        return PageKit(request, request.app.state.settings).see_other(f"/login?next={target}")
    account = accounts_service.get_account(session, browser.session.account_id)
    assert account is not None
    return account


@router.get("")
def my_data(
    request: Request,
    session: SessionDep,
    browser: BrowserSessionDep,
    cipher: CipherDep,
    settings: SettingsDep,
) -> Response:
    account = _account(request, session, browser)
    if isinstance(account, Response):
        return account
    kit = PageKit(request, settings)
    return kit.page(
        "cabinet_data.html",
        title=kit.t("nav_data"),
        current="/account",
        data=service.my_data(account, cipher),
        notice=_notice(request, kit),
    )


@router.get("/security")
def security(
    request: Request, session: SessionDep, browser: BrowserSessionDep, settings: SettingsDep
) -> Response:
    account = _account(request, session, browser)
    if isinstance(account, Response):
        return account
    kit = PageKit(request, settings)
    assert browser.session is not None
    sessions = service.my_sessions(session, account.id, browser.session.sid)
    return kit.page(
        "cabinet_security.html",
        title=kit.t("nav_security"),
        current="/account/security",
        sessions=sessions,
        notice=_notice(request, kit),
    )


@router.post("/sessions/{session_id}/end")
def end_session(
    request: Request,
    session_id: int,
    session: SessionDep,
    browser: BrowserSessionDep,
    settings: SettingsDep,
    backchannel: BackchannelDep,
    csrf_token: CsrfForm = "",
) -> Response:
    account = _account(request, session, browser)
    if isinstance(account, Response):
        return account
    kit = PageKit(request, settings)
    if not kit.csrf_ok(csrf_token):
        return kit.csrf_failed()
    service.end_my_session(session, account, session_id, backchannel.dispatch)
    return kit.see_other("/account/security?done=ended")


@router.get("/apps")
def apps(
    request: Request, session: SessionDep, browser: BrowserSessionDep, settings: SettingsDep
) -> Response:
    account = _account(request, session, browser)
    if isinstance(account, Response):
        return account
    kit = PageKit(request, settings)

    def scopes_text(scopes: list[str]) -> str:
        return "; ".join(scope_text(s, kit.locale) for s in scopes)

    return kit.page(
        "cabinet_apps.html",
        title=kit.t("nav_apps"),
        current="/account/apps",
        grants=service.my_grants(session, account.id),
        scopes_text=scopes_text,
        notice=_notice(request, kit),
    )


@router.post("/apps/{client_id}/revoke")
def revoke_app(
    request: Request,
    client_id: str,
    session: SessionDep,
    browser: BrowserSessionDep,
    settings: SettingsDep,
    backchannel: BackchannelDep,
    csrf_token: CsrfForm = "",
) -> Response:
    account = _account(request, session, browser)
    if isinstance(account, Response):
        return account
    kit = PageKit(request, settings)
    if not kit.csrf_ok(csrf_token):
        return kit.csrf_failed()
    service.revoke_my_grant(session, account, client_id, backchannel.dispatch)
    return kit.see_other("/account/apps?done=revoked")


@router.get("/signatures")
def signatures(
    request: Request, session: SessionDep, browser: BrowserSessionDep, settings: SettingsDep
) -> Response:
    account = _account(request, session, browser)
    if isinstance(account, Response):
        return account
    kit = PageKit(request, settings)
    return kit.page("cabinet_signatures.html", title=kit.t("nav_signatures"), current="/account/signatures")


def _notice(request: Request, kit: PageKit) -> str | None:
    done = request.query_params.get("done")
    return kit.t(done) if done in ("ended", "revoked") else None
