"""The personal cabinet (R-ACC-5, R-LOG-8, R-CON-2, R-SEC-1): «Мои данные», «Доступ приложений»,
«Электронные подписи», «Журнал событий», and ending a session."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from idp.accounts import service as accounts_service
from idp.accounts.models import Account
from idp.cabinet import service
from idp.dependencies import BackchannelDep, BrowserSessionDep, CipherDep, SessionDep
from idp.login.forms import PageKit
from idp.login.i18n import SCOPE_TEXT, event_text, scope_text
from shared.path_ids import RowId

router = APIRouter(prefix="/account", include_in_schema=False)

CsrfForm = Annotated[str, Form(max_length=128)]


def account_or_login(request: Request, session: Any, browser: Any) -> Account | Response:
    """The logged-in person's account, or a redirect to the login page that comes back here."""
    if browser.session is None:
        return PageKit(request, request.app.state.settings).see_other(
            f"/login?next={quote(request.url.path)}"
        )
    account = accounts_service.get_account(session, browser.session.account_id)
    assert account is not None
    return account


def open_page(request: Request, session: Any, browser: Any) -> tuple[Account, PageKit] | Response:
    """A cabinet page: the account and the page kit, or the redirect to the login page."""
    account = account_or_login(request, session, browser)
    if isinstance(account, Response):
        return account
    return account, PageKit(request, request.app.state.settings)


def submit_form(
    request: Request, session: Any, browser: Any, csrf_token: str | None
) -> tuple[Account, PageKit] | Response:
    """A cabinet form post: like :func:`open_page`, and the CSRF token must match the browser."""
    opened = open_page(request, session, browser)
    if isinstance(opened, Response):
        return opened
    if not opened[1].csrf_ok(csrf_token):
        return opened[1].csrf_failed()
    return opened


def _ip(request: Request) -> str | None:
    return request.client.host if request.client else None


def notice_from(request: Request, kit: PageKit, allowed: Iterable[str]) -> str | None:
    done = request.query_params.get("done")
    return kit.t(done) if done is not None and done in set(allowed) else None


@router.get("")
def my_data(
    request: Request,
    session: SessionDep,
    browser: BrowserSessionDep,
    cipher: CipherDep,
) -> Response:
    opened = open_page(request, session, browser)
    if isinstance(opened, Response):
        return opened
    account, kit = opened
    return kit.page(
        "cabinet_data.html",
        title=kit.t("nav_data"),
        current="/account",
        data=service.my_data(account, cipher),
        statuses=service.my_statuses(account),
        notice=notice_from(request, kit, ("contact_confirmed", "key_data_saved")),
    )


@router.post("/sessions/{session_id}/end")
def end_session(
    request: Request,
    session_id: RowId,
    session: SessionDep,
    browser: BrowserSessionDep,
    backchannel: BackchannelDep,
    csrf_token: CsrfForm = "",
) -> Response:
    opened = submit_form(request, session, browser, csrf_token)
    if isinstance(opened, Response):
        return opened
    account, kit = opened
    try:
        service.end_my_session(session, account, session_id, backchannel.dispatch, ip=_ip(request))
    except service.NothingToEndError:
        return kit.message(kit.t("interaction_expired"), status=404, error=True)
    return kit.see_other("/account/security?done=ended")


@router.get("/apps")
def apps(request: Request, session: SessionDep, browser: BrowserSessionDep) -> Response:
    opened = open_page(request, session, browser)
    if isinstance(opened, Response):
        return opened
    account, kit = opened

    def permissions(scopes: list[str]) -> list[str]:
        """Readable names, in the order the consent page lists them (unknown scopes last)."""
        order = list(SCOPE_TEXT)
        ranked = sorted(scopes, key=lambda s: order.index(s) if s in order else len(order))
        return [scope_text(s, kit.locale) for s in ranked]

    return kit.page(
        "cabinet_apps.html",
        title=kit.t("nav_apps"),
        current="/account/apps",
        grants=service.my_grants(session, account.id),
        permissions=permissions,
        notice=notice_from(request, kit, ("revoked",)),
    )


@router.post("/apps/{client_id}/revoke")
def revoke_app(
    request: Request,
    client_id: str,
    session: SessionDep,
    browser: BrowserSessionDep,
    backchannel: BackchannelDep,
    csrf_token: CsrfForm = "",
) -> Response:
    opened = submit_form(request, session, browser, csrf_token)
    if isinstance(opened, Response):
        return opened
    account, kit = opened
    try:
        service.revoke_my_grant(session, account, client_id, backchannel.dispatch, ip=_ip(request))
    except service.NothingToEndError:
        return kit.message(kit.t("no_grants"), status=404, error=True)
    return kit.see_other("/account/apps?done=revoked")


@router.get("/events")
def events(request: Request, session: SessionDep, browser: BrowserSessionDep) -> Response:
    opened = open_page(request, session, browser)
    if isinstance(opened, Response):
        return opened
    account, kit = opened
    rows = service.my_events(session, account.id)
    return kit.page(
        "cabinet_events.html",
        title=kit.t("nav_events"),
        current="/account/events",
        events=rows,
        event_text=lambda name: event_text(name, kit.locale),
    )
