"""The cabinet's app devices («Безопасность» → «Приложение «Госуслуги»»): connect one (the key
shown once; in dev mode a link to the simulated app page), list them, disconnect one."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from idp.accounts.models import Account
from idp.app_approval import devices
from idp.app_approval.errors import DeviceNotFoundError
from idp.cabinet.routes import CsrfForm, notice_from, open_page, submit_form
from idp.dependencies import BrowserSessionDep, LoginContextDep, SessionDep
from idp.login.flow import LoginContext
from idp.login.forms import PageKit, client_of
from shared.path_ids import RowId

router = APIRouter(prefix="/account/security/app", include_in_schema=False)
NameForm = Annotated[str, Form(max_length=1024)]
SecretForm = Annotated[str, Form(max_length=1024)]


def _page(
    kit: PageKit,
    session: Any,
    account: Account,
    *,
    errors: dict[str, str] | None = None,
    notice: str | None = None,
    credential: str | None = None,
    dev_link: str | None = None,
    name_value: str | None = None,
    status: int = 200,
) -> Response:
    response = kit.page(
        "cabinet_app_devices.html",
        status,
        title=kit.t("app_devices_heading"),
        current="/account/security",
        devices=devices.my_devices(session, account.id),
        errors=errors or {},
        notice=notice,
        credential=credential,
        dev_link=dev_link,
        name_value=name_value,
    )
    response.headers["Cache-Control"] = "no-store"  # it may show the key
    return response


@router.get("")
def devices_page(request: Request, session: SessionDep, browser: BrowserSessionDep) -> Response:
    opened = open_page(request, session, browser)
    if isinstance(opened, Response):
        return opened
    account, kit = opened
    return _page(kit, session, account, notice=notice_from(request, kit, ("app_device_removed",)))


def _name_problem(kit: PageKit, name: str) -> str | None:
    if not name.strip():
        return kit.t("app_device_name_required")
    if len(name.strip()) > devices.NAME_MAX:
        return kit.t("app_device_name_too_long")
    return None


@router.post("")
def add_device(
    request: Request,
    session: SessionDep,
    browser: BrowserSessionDep,
    ctx: LoginContextDep,
    csrf_token: CsrfForm = "",
    name: NameForm = "",
    current_password: SecretForm = "",
) -> Response:
    opened = submit_form(request, session, browser, csrf_token)
    if isinstance(opened, Response):
        return opened
    account, kit = opened
    errors = {}
    if problem := _name_problem(kit, name):
        errors["name"] = problem
    if not current_password:
        errors["current_password"] = kit.t("password_required")
    if errors:
        return _page(kit, session, account, errors=errors, name_value=name[:100], status=400)
    added = _register(ctx, session, account, name, current_password, request)
    if added is None:
        errors = {"current_password": kit.t("wrong_current_password")}
        return _page(kit, session, account, errors=errors, name_value=name[:100], status=400)
    return _page(
        kit,
        session,
        account,
        notice=kit.t("app_device_added"),
        credential=added.credential,
        dev_link=devices.app_page_link(ctx, added.device),
    )


def _register(
    ctx: LoginContext, session: Any, account: Account, name: str, password: str, request: Request
) -> devices.NewDevice | None:
    return devices.register_device(
        ctx, session, account, name=name, password=password, who=client_of(request)
    )


@router.post("/{device_id}/remove")
def remove_device(
    request: Request,
    session: SessionDep,
    browser: BrowserSessionDep,
    device_id: RowId,
    csrf_token: CsrfForm = "",
) -> Response:
    opened = submit_form(request, session, browser, csrf_token)
    if isinstance(opened, Response):
        return opened
    account, kit = opened
    try:
        devices.remove_device(session, account, device_id, client_of(request))
    except DeviceNotFoundError:
        return kit.message(kit.t("app_device_not_found"), status=404, error=True)
    return kit.see_other("/account/security/app?done=app_device_removed")
