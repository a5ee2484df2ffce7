"""«Мои данные» changes: confirm or change the phone and e-mail, change key data with a code."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from starlette.exceptions import HTTPException

from idp.accounts import contacts, key_data
from idp.accounts.errors import ContactTakenError
from idp.accounts.routes import FormDep
from idp.accounts.validation import FieldError
from idp.cabinet import changes
from idp.cabinet.routes import notice_from, open_page, submit_form
from idp.dependencies import AccountsContextDep, BrowserSessionDep, CipherDep, LoginContextDep, SessionDep
from idp.login import codes_ui, flow
from idp.login.forms import PageKit
from idp.notifications.errors import NotifierUnavailableError
from idp.second_factor import errors as sf_errors

router = APIRouter(prefix="/account", include_in_schema=False)
CsrfForm = Annotated[str, Form(max_length=128)]
KINDS = ("phone", "email")


def _ip(request: Request) -> str | None:
    return request.client.host if request.client else None


def _contact_page(
    kit: PageKit,
    account: Any,
    kind: str,
    *,
    errors: dict[str, str] | None = None,
    notice: str | None = None,
    status: int = 200,
) -> Response:
    value = account.phone if kind == "phone" else account.email
    verified = account.phone_verified if kind == "phone" else account.email_verified
    pending = account.pending_phone if kind == "phone" else account.pending_email
    if pending:
        status_line = kit.t("contact_pending", value=pending)
    elif value and not verified:
        status_line = kit.t(f"contact_unconfirmed_{kind}", value=value)
    elif value:
        status_line = kit.t("contact_status", value=value, state=kit.t("confirmed"))
    else:
        status_line = kit.t(f"contact_none_{kind}")
    return kit.page(
        "cabinet_contact.html",
        status,
        title=kit.t(f"{kind}_heading"),
        current="/account",
        kind=kind,
        # a code is on its way (or should be): the code field comes first
        waiting=bool(pending) or bool(value and not verified),
        status_line=status_line,
        errors=errors or {},
        notice=notice,
        send_action=f"/account/contacts/{kind}/send",
        confirm_action=f"/account/contacts/{kind}/confirm",
        value_label=kit.t(f"new_{kind}"),
        value_hint=kit.t(f"new_{kind}_hint") if value else None,
        input_type="tel" if kind == "phone" else "email",
        autocomplete="tel" if kind == "phone" else "email",
        send_label=kit.t("send_sms_code" if kind == "phone" else "send_email_code"),
    )


def _kind(kind: str) -> str:
    """Only the phone and the e-mail have pages: anything else is not found (issue 10)."""
    if kind not in KINDS:
        raise HTTPException(404)
    return kind


@router.get("/contacts/{kind}")
def contact_page(kind: str, request: Request, session: SessionDep, browser: BrowserSessionDep) -> Response:
    kind = _kind(kind)
    opened = open_page(request, session, browser)
    if isinstance(opened, Response):
        return opened
    account, kit = opened
    return _contact_page(kit, account, kind, notice=notice_from(request, kit, ("contact_code_sent",)))


@router.post("/contacts/{kind}/send")
def contact_send(
    kind: str,
    request: Request,
    session: SessionDep,
    browser: BrowserSessionDep,
    accounts: AccountsContextDep,
    csrf_token: CsrfForm = "",
    value: Annotated[str, Form(max_length=320)] = "",
) -> Response:
    kind = _kind(kind)
    opened = submit_form(request, session, browser, csrf_token)
    if isinstance(opened, Response):
        return opened
    account, kit = opened
    try:
        contacts.change_contact(accounts, session, account, kind, value, locale=kit.locale, ip=_ip(request))
    except FieldError as exc:
        return _contact_page(kit, account, kind, errors={"value": exc.message(kit.locale)}, status=400)
    except ContactTakenError:
        return _contact_page(kit, account, kind, errors={"value": kit.t("contact_taken")}, status=409)
    except sf_errors.SecondFactorError as exc:
        return _contact_page(kit, account, kind, errors={"value": exc.user_message(kit.locale)}, status=429)
    except NotifierUnavailableError as exc:
        return _contact_page(kit, account, kind, errors={"value": exc.user_message(kit.locale)}, status=503)
    return kit.see_other(f"/account/contacts/{kind}?done=contact_code_sent")


@router.post("/contacts/{kind}/confirm")
def contact_confirm(
    kind: str,
    request: Request,
    session: SessionDep,
    browser: BrowserSessionDep,
    accounts: AccountsContextDep,
    csrf_token: CsrfForm = "",
    code: Annotated[str, Form(max_length=16)] = "",
) -> Response:
    kind = _kind(kind)
    opened = submit_form(request, session, browser, csrf_token)
    if isinstance(opened, Response):
        return opened
    account, kit = opened
    try:
        contacts.confirm_contact(accounts, session, account, kind, code.strip(), ip=_ip(request))
    except sf_errors.SecondFactorError as exc:
        return _contact_page(kit, account, kind, errors={"code": exc.user_message(kit.locale)}, status=400)
    return kit.see_other("/account?done=contact_confirmed")


DATE_FIELDS = ("birth_date", "passport_issue_date")
DATE_PARTS = ("day", "month", "year")


def _key_fields(kit: PageKit) -> list[dict[str, Any]]:
    return [
        {
            "name": f,
            "label": kit.t(f"f_{f}"),
            "date": f in DATE_FIELDS,
            "optional": f in key_data.OPTIONAL,
        }
        for f in key_data.FIELDS
    ]


def _typed_dates(form: dict[str, str]) -> dict[str, str]:
    """The day / month / year fields as the ``YYYY-MM-DD`` the validation reads. A partial or
    impossible date stays malformed so that the validation names it; no parts at all keep a
    ``birth_date`` posted whole."""
    out = {}
    for name in DATE_FIELDS:
        day, month, year = (form.get(f"{name}-{part}", "").strip() for part in DATE_PARTS)
        if not (day or month or year):
            if name in form:
                out[name] = form[name]
            continue
        if day.isdigit() and month.isdigit() and year.isdigit() and len(year) == 4:
            out[name] = f"{year}-{int(month):02d}-{int(day):02d}"
        else:
            out[name] = f"{year}-{month}-{day}"
    return out


def _date_parts(iso: str) -> dict[str, str]:
    year, _, rest = iso.partition("-")
    month, _, day = rest.partition("-")
    return {"day": day, "month": month, "year": year}


def _key_data_page(
    kit: PageKit,
    values: dict[str, str],
    errors: dict[str, str],
    status: int = 200,
    typed: Any = None,
    error: str | None = None,
) -> Response:
    """``typed``: the date parts as the person typed them, shown back as they were."""
    dates = {name: (typed or {}).get(name) or _date_parts(values.get(name, "")) for name in DATE_FIELDS}
    return kit.page(
        "cabinet_key_data.html",
        status,
        title=kit.t("key_data"),
        current="/account",
        fields=_key_fields(kit),
        values=values,
        dates=dates,
        errors=errors,
        error=error,
    )


@router.get("/key-data")
def key_data_form(
    request: Request,
    session: SessionDep,
    browser: BrowserSessionDep,
    cipher: CipherDep,
) -> Response:
    opened = open_page(request, session, browser)
    if isinstance(opened, Response):
        return opened
    account, kit = opened
    return _key_data_page(kit, key_data.current_values(account, cipher), {})


@router.post("/key-data")
def key_data_submit(
    request: Request,
    form: FormDep,
    session: SessionDep,
    browser: BrowserSessionDep,
    ctx: LoginContextDep,
    accounts: AccountsContextDep,
) -> Response:
    opened = submit_form(request, session, browser, form.get("csrf_token"))
    if isinstance(opened, Response):
        return opened
    account, kit = opened
    form = {**form, **_typed_dates(form)}
    values = {k: v for k, v in form.items() if k in key_data.FIELDS}
    typed = {
        name: {part: form.get(f"{name}-{part}", "") for part in DATE_PARTS}
        for name in DATE_FIELDS
        if any(f"{name}-{part}" in form for part in DATE_PARTS)
    }

    def again(errors: dict[str, str], status: int, error: str | None = None) -> Response:
        return _key_data_page(kit, values, errors, status, typed, error)

    outcome = changes.request_key_data_change(
        ctx,
        accounts,
        session,
        account,
        form,
        locale=kit.locale,
        who=flow.Client(_ip(request), request.headers.get("user-agent")),
    )
    match outcome:
        case changes.KeyDataTaken(fields=taken):
            return again(dict.fromkeys(taken, kit.t("contact_taken")), 409)
        case changes.KeyDataInvalid(problems=problems):
            return again({e.field: e.message(kit.locale) for e in problems}, 422)
        case changes.NoCodeChannel():
            return again({}, 400, kit.t("next_confirm_contact"))
        case changes.KeyDataCodeRequested(pending=handle, problem=problem):
            query = {"p": handle, **({"problem": problem} if problem else {})}
            return kit.see_other(f"/account/key-data/confirm?{urlencode(query)}")


@router.get("/key-data/confirm")
def key_data_code_form(
    request: Request,
    session: SessionDep,
    browser: BrowserSessionDep,
    ctx: LoginContextDep,
    p: str = "",
    problem: str | None = None,
) -> Response:
    opened = open_page(request, session, browser)
    if isinstance(opened, Response):
        return opened
    account, kit = opened
    pending = flow.find_pending(ctx, session, p, "key_data")
    if pending is None or pending.account_id != account.id:
        return kit.message(kit.t("interaction_expired"), status=400, error=True)
    # the same honest state as the login code page: what works now, never «sent» when it was not
    prompt, wait, _ = codes_ui.code_state(kit, session, account, pending, problem)
    return kit.page(
        "login_code.html",
        title=kit.t("key_data"),
        prompt=prompt,
        error=codes_ui.problem_text(kit, problem, wait),
        action="/account/key-data/confirm",
        handle=pending.handle,
    )


@router.post("/key-data/confirm")
def key_data_confirm(
    request: Request,
    session: SessionDep,
    browser: BrowserSessionDep,
    ctx: LoginContextDep,
    accounts: AccountsContextDep,
    p: Annotated[str, Form(max_length=128)] = "",
    csrf_token: CsrfForm = "",
    code: Annotated[str, Form(max_length=16)] = "",
) -> Response:
    opened = open_page(request, session, browser)
    if isinstance(opened, Response):
        return opened
    account, kit = opened
    pending = flow.find_pending(ctx, session, p, "key_data")
    if pending is None or pending.account_id != account.id:
        return kit.message(kit.t("interaction_expired"), status=400, error=True)
    if not kit.csrf_ok(csrf_token):
        return kit.csrf_failed()
    try:
        key_data.confirm(accounts, session, account, pending, code.strip(), ip=_ip(request))
    except sf_errors.SecondFactorError as exc:
        return kit.page(
            "login_code.html",
            400,
            title=kit.t("key_data"),
            prompt="",
            error=exc.user_message(kit.locale),
            action="/account/key-data/confirm",
            handle=pending.handle,
        )
    return kit.see_other("/account?done=key_data_saved")


@router.post("/registry-check")
def registry_recheck(
    request: Request,
    session: SessionDep,
    browser: BrowserSessionDep,
    accounts: AccountsContextDep,
    csrf_token: CsrfForm = "",
) -> Response:
    """«Проверить ещё раз»: the registry was unavailable; ask it again about the stored documents.
    In any other state nothing runs and the cabinet shows why (a failed check needs new data)."""
    opened = submit_form(request, session, browser, csrf_token)
    if isinstance(opened, Response):
        return opened
    account, kit = opened
    key_data.recheck_registry(accounts, session, account, ip=_ip(request))
    return kit.see_other("/account")
