"""The pages and endpoints of app confirmation (rules in ``service``):

- the login side: ``POST /login/app`` starts it from the code page, ``GET /login/app`` shows the
  number, ``GET /login/app/status`` answers the page's poll (JSON), ``POST /login/app/check``
  completes the login (the «Проверить» button, or the poll's submit);
- the app's API (production): ``GET /api/app/approvals`` and ``POST /api/app/approvals/{handle}``
  with ``Authorization: Bearer <device credential>``; problems as RFC 9457 JSON;
- ``dev_router``: the simulated app page ``/dev/app?k=<credential>`` (mounted in dev mode only).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Header, Path, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from idp.accounts import service as accounts_service
from idp.app_approval import devices, service
from idp.app_approval.errors import DeviceCredentialError
from idp.app_approval.models import AppApproval, AppDevice
from idp.dependencies import BackchannelDep, BrowserSessionDep, LoginContextDep, SessionDep, SettingsDep
from idp.login import codes_ui, flow, interactions
from idp.login.forms import PageKit, client_of, expired_page, interaction_kit
from idp.login.routes import signed_in
from idp.login.signin import SignedIn
from shared.db import commits_on_return, read_only
from shared.errors import AppError, problem_response
from shared.web import formatting

router = APIRouter(include_in_schema=False)
dev_router = APIRouter(prefix="/dev/app", include_in_schema=False)

#: the browser that started an approval carries its secret; only that browser completes the login
APPROVAL_COOKIE = "idp_app_approval"
COOKIE_PATH = "/login/app"
TokenForm = Annotated[str, Form(max_length=128)]

POLL_SCRIPT = """(function () {
  var form = document.getElementById("app-check");
  if (!form || !window.fetch) return;
  var url = form.getAttribute("data-status");
  function tick() {
    fetch(url, {credentials: "same-origin", headers: {Accept: "application/json"}})
      .then(function (r) { return r.ok ? r.json() : {status: "gone"}; })
      .then(function (body) {
        if (body.status === "pending") { setTimeout(tick, 2000); } else { form.submit(); }
      })
      .catch(function () { setTimeout(tick, 5000); });
  }
  setTimeout(tick, 2000);
})();
"""


def _kit_of_pending(request: Request, settings: Any, session: Any, pending: Any) -> PageKit:
    handle = pending.interaction_handle if pending is not None else None
    return interaction_kit(request, settings, interactions.find_interaction(session, handle))


def _again_url(interaction: str | None) -> str:
    return f"/login?{urlencode({'i': interaction})}" if interaction else "/login"


def _ended_page(kit: PageKit, why: str, interaction: str | None) -> Response:
    status = {"denied": 403, "foreign": 403, "expired": 410}.get(why, 400)
    return kit.message(
        kit.t(f"app_{why}"),
        status=status,
        error=True,
        next_url=_again_url(interaction),
        next_text=kit.t("login_again"),
    )


def _waiting_page(
    kit: PageKit, approval: AppApproval, *, notice: str | None = None, status: int = 200
) -> Response:
    until = formatting.format_time(approval.expires_at, kit.settings.timezone)
    response = kit.page(
        "login_app.html",
        status,
        title=kit.t("app_title"),
        number=f"{approval.number:02d}",
        waiting=kit.t("app_waiting", until=until),
        handle=approval.handle,
        code_url=f"/login/code?{urlencode({'p': approval.pending_handle})}",
        notice=notice,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post("/login/app")
@commits_on_return
def start_approval(
    request: Request,
    settings: SettingsDep,
    session: SessionDep,
    ctx: LoginContextDep,
    p: TokenForm = "",
    csrf_token: TokenForm = "",
) -> Response:
    pending = flow.find_pending(ctx, session, p, "login")
    kit = _kit_of_pending(request, settings, session, pending)
    if pending is None:
        return expired_page(kit)
    if not kit.csrf_ok(csrf_token):
        return kit.csrf_failed()
    account = accounts_service.get_account(session, pending.account_id or 0)
    assert account is not None
    if not devices.has_device(session, account.id):
        return codes_ui.code_page(kit, session, account, pending, error=kit.t("app_no_device"), status=400)
    started = service.start(ctx, session, account, pending, who=client_of(request), locale=kit.locale)
    if started is None:
        return codes_ui.code_page(kit, session, account, pending, error=kit.t("app_too_many"), status=429)
    response = kit.see_other(f"/login/app?{urlencode({'a': started.approval.handle})}")
    response.set_cookie(
        APPROVAL_COOKIE,
        started.browser_cookie,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
        path=COOKIE_PATH,
        max_age=settings.code_ttl_seconds + 60,
    )
    return response


@router.get("/login/app")
def approval_page(
    request: Request, settings: SettingsDep, session: SessionDep, ctx: LoginContextDep, a: str = ""
) -> Response:
    with read_only(session):
        view = service.browser_view(ctx, session, a, request.cookies.get(APPROVAL_COOKIE))
        pending = flow.find_pending(ctx, session, view[0].pending_handle, "login") if view else None
        kit = _kit_of_pending(request, settings, session, pending)
        if view is None:
            return _ended_page(kit, "gone", None)
        # answered meanwhile, the page still shows: its poll (or «Проверить») says what happened
        return _waiting_page(kit, view[0])


@router.get("/login/app/status")
def approval_status(request: Request, session: SessionDep, ctx: LoginContextDep, a: str = "") -> Response:
    """The page's poll: ``{"status": "pending"}`` until the app answers (or the time runs out);
    the approved number is never told. Another browser gets 404 (``approval_not_found``)."""
    with read_only(session):
        view = service.browser_view(ctx, session, a, request.cookies.get(APPROVAL_COOKIE))
    if view is None:
        return problem_response(404, "approval_not_found", "No such approval", instance=request.url.path)
    state = view[1]
    public = "approved" if state in ("approved", "used") else state
    return JSONResponse({"status": public}, headers={"Cache-Control": "no-store"})


@router.get("/login/app/poll.js")
def poll_script() -> Response:
    """The progressive enhancement of the waiting page (a file: the pages' CSP allows no inline script)."""
    return Response(
        POLL_SCRIPT, media_type="text/javascript", headers={"Cache-Control": "public, max-age=3600"}
    )


@router.post("/login/app/check")
@commits_on_return
def check_approval(
    request: Request,
    settings: SettingsDep,
    session: SessionDep,
    browser: BrowserSessionDep,
    backchannel: BackchannelDep,
    ctx: LoginContextDep,
    a: TokenForm = "",
    csrf_token: TokenForm = "",
) -> Response:
    view = service.browser_view(ctx, session, a, request.cookies.get(APPROVAL_COOKIE))
    pending = flow.find_pending(ctx, session, view[0].pending_handle, "login") if view else None
    kit = _kit_of_pending(request, settings, session, pending)
    if not kit.csrf_ok(csrf_token):
        return kit.csrf_failed()
    outcome = service.complete(
        ctx,
        session,
        handle=a,
        browser_cookie=request.cookies.get(APPROVAL_COOKIE),
        who=client_of(request),
        current=browser.session,
        on_commit=backchannel.dispatch,
    )
    match outcome:
        case service.Waiting(approval=approval):
            return _waiting_page(kit, approval, notice=kit.t("app_not_yet"))
        case service.Ended(why=why, interaction=interaction):
            return _ended_page(kit, why, interaction)
        case SignedIn():
            response = signed_in(kit, settings, outcome, session)
            response.delete_cookie(APPROVAL_COOKIE, path=COOKIE_PATH)
            return response
    raise AssertionError(outcome)  # pragma: no cover - the match is exhaustive


# -- the app's API (production) ---------------------------------------------------------------------
class AnswerRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: Literal["approve", "deny"]
    #: the number the person chose (needed to approve: number matching)
    number: int | None = Field(default=None, ge=0, le=99)


def _bearer(authorization: str | None) -> str | None:
    scheme, _, value = (authorization or "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def _problem(request: Request, error: AppError) -> Response:
    headers = {"WWW-Authenticate": 'Bearer error="invalid_token"'} if error.status_code == 401 else None
    return problem_response(
        error.status_code, error.code, error.title, error.detail, instance=request.url.path, headers=headers
    )


def _device(session: Any, request: Request, credential: str | None) -> AppDevice | Response:
    device = devices.device_for(session, credential)
    if device is None:
        devices.log_unknown_device(session, client_of(request))
        return _problem(request, DeviceCredentialError())
    return device


def _approval_json(approval: AppApproval) -> dict[str, Any]:
    return {
        "id": approval.handle,
        "place": approval.ip,
        "browser": approval.browser,
        "created_at": approval.created_at.isoformat(),
        "expires_at": approval.expires_at.isoformat(),
        "choices": service.choices_of(approval),
    }


@router.get("/api/app/approvals")
@commits_on_return
def api_waiting(
    request: Request,
    session: SessionDep,
    ctx: LoginContextDep,
    authorization: Annotated[str | None, Header(max_length=200)] = None,
) -> Response:
    """The sign-ins waiting for the device's account, each with the three numbers to offer."""
    device = _device(session, request, _bearer(authorization))
    if isinstance(device, Response):
        return device
    items = [_approval_json(a) for a in service.waiting_for(ctx, session, device)]
    return JSONResponse({"approvals": items}, headers={"Cache-Control": "no-store"})


@router.post("/api/app/approvals/{handle}")
@commits_on_return
def api_answer(
    request: Request,
    session: SessionDep,
    ctx: LoginContextDep,
    handle: Annotated[str, Path(max_length=64)],
    body: AnswerRequest,
    authorization: Annotated[str | None, Header(max_length=200)] = None,
) -> Response:
    device = _device(session, request, _bearer(authorization))
    if isinstance(device, Response):
        return device
    outcome = service.answer(
        ctx,
        session,
        device,
        handle,
        approve=body.decision == "approve",
        number=body.number,
        who=client_of(request),
    )
    if isinstance(outcome, AppError):
        return _problem(request, outcome)
    return JSONResponse({"status": outcome.status, "reason": outcome.reason})


# -- the simulated app (dev mode) ---------------------------------------------------------------------
def _dev_page(
    kit: PageKit, ctx: Any, session: Any, device: AppDevice, credential: str, notice: str | None, ok: bool
) -> Response:
    approvals = [
        {
            "handle": a.handle,
            "place": a.ip,
            "browser": a.browser,
            "at": formatting.format_time(a.created_at, kit.settings.timezone),
            "choices": service.choices_of(a),
        }
        for a in service.waiting_for(ctx, session, device)
    ]
    response = kit.page(
        "app_dev.html",
        title=kit.t("app_dev_title"),
        device_name=device.name,
        approvals=approvals,
        credential=credential,
        notice=notice,
        notice_ok=ok,
    )
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"  # the address carries the credential
    return response


@dev_router.get("")
def dev_app(
    request: Request,
    settings: SettingsDep,
    session: SessionDep,
    ctx: LoginContextDep,
    k: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    """``k``: the device credential. In the query, not the path: the access log records paths."""
    kit = PageKit(request, settings)
    with read_only(session):
        device = devices.device_for(session, k)
        if device is None:
            return kit.message(kit.t("app_dev_unknown_device"), status=404, error=True)
        done = request.query_params.get("done")
        notice = kit.t(f"app_dev_{done}") if done in ("approved", "denied", "wrong_number") else None
        return _dev_page(kit, ctx, session, device, k, notice, done == "approved")


@dev_router.post("/approvals/{handle}")
@commits_on_return
def dev_answer(
    request: Request,
    settings: SettingsDep,
    session: SessionDep,
    ctx: LoginContextDep,
    handle: Annotated[str, Path(max_length=64)],
    k: Annotated[str, Form(max_length=200)] = "",
    decision: Annotated[str, Form(max_length=8)] = "",
    number: Annotated[str, Form(max_length=4)] = "",
) -> Response:
    kit = PageKit(request, settings)
    device = devices.device_for(session, k)
    if device is None:
        devices.log_unknown_device(session, client_of(request))
        return kit.message(kit.t("app_dev_unknown_device"), status=404, error=True)
    outcome = service.answer(
        ctx,
        session,
        device,
        handle,
        approve=decision == "approve",
        number=int(number) if number.isdigit() else None,
        who=client_of(request),
    )
    if isinstance(outcome, AppError):
        page = _dev_page(kit, ctx, session, device, k, kit.t(f"app_err_{outcome.code}"), False)
        page.status_code = outcome.status_code
        return page
    done = outcome.reason if outcome.status == "denied" else "approved"
    return kit.see_other(f"/dev/app?{urlencode({'k': k, 'done': done})}")
