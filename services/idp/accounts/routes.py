"""Registration: the page and the JSON API (R-ACC-1..3), and the e-mail confirmation link."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, status
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from idp.accounts import contacts
from idp.accounts import service as accounts_service
from idp.dependencies import (
    SESSION_COOKIE,
    AccountsContextDep,
    BrowserSessionDep,
    PolicyDep,
    SessionDep,
    SettingsDep,
)
from idp.login import codes_ui
from idp.login.forms import PageKit
from idp.second_factor.errors import SecondFactorError
from shared.openapi import problem_responses

router = APIRouter(tags=["accounts"])


@dataclass(frozen=True)
class FormField:
    name: str
    label: str
    type: str = "text"
    required: bool = True
    autocomplete: str | None = None
    inputmode: str | None = None
    hint: str | None = None
    width: str | None = None

    @property
    def is_date(self) -> bool:
        return self.type == "date"

    @property
    def anchor(self) -> str:
        """The id the error summary links to: a date's first box."""
        return f"{self.name}-day" if self.is_date else self.name


DATE_FIELDS = ("birth_date", "passport_issue_date")
DATE_PARTS = ("day", "month", "year")


def _fields(kit: PageKit) -> list[FormField]:
    t = kit.t
    return [
        FormField("last_name", t("f_last_name"), autocomplete="family-name"),
        FormField("first_name", t("f_first_name"), autocomplete="given-name"),
        FormField("middle_name", t("f_middle_name"), required=False, autocomplete="additional-name"),
        FormField("birth_date", t("f_birth_date"), type="date", autocomplete="bday", hint=t("h_date")),
        FormField("snils", t("f_snils"), inputmode="numeric", hint=t("h_snils"), width="m"),
        FormField("inn", t("f_inn"), required=False, inputmode="numeric", width="m"),
        FormField("phone", t("f_phone"), type="tel", autocomplete="tel", hint=t("h_phone"), width="m"),
        FormField("email", t("f_email"), type="email", autocomplete="email"),
        FormField("passport_series", t("f_passport_series"), inputmode="numeric", width="s"),
        FormField("passport_number", t("f_passport_number"), inputmode="numeric", width="s"),
        FormField("passport_issue_date", t("f_passport_issue_date"), type="date", hint=t("h_date")),
        FormField("passport_issuer", t("f_passport_issuer")),
        FormField("passport_division_code", t("f_passport_division_code"), hint=t("h_division"), width="s"),
        FormField(
            "password", t("f_password"), type="password", autocomplete="new-password", hint=t("h_password")
        ),
    ]


def _form_page(
    kit: PageKit, values: dict[str, Any], errors: dict[str, str], status_code: int = 200
) -> Response:
    fields = _fields(kit)
    return kit.page(
        "register.html",
        status_code,
        title=kit.t("title_register"),
        fields=fields,
        values=values,
        errors=errors,
        # the summary names each field: «Заполните поле» twelve times would say nothing
        summary=[(f.anchor, f"{f.label}: {errors[f.name]}") for f in fields if f.name in errors],
    )


@router.get("/register", include_in_schema=False)
def register_form(request: Request, settings: SettingsDep) -> Response:
    return _form_page(PageKit(request, settings), {}, {})


async def form_fields(request: Request) -> dict[str, str]:
    """The submitted form as plain strings, whatever their length: the body is bounded by the
    service's ``max_body_bytes``, and each field's validation says when a value is too long
    (with the limit) while the page keeps what was typed (issue 10)."""
    return {k: v for k, v in (await request.form()).items() if isinstance(v, str)}


FormDep = Annotated[dict[str, str], Depends(form_fields)]


def registration_values(form: dict[str, str]) -> dict[str, Any]:
    """The registration form as validation reads it: a date is its day, month and year boxes."""
    values: dict[str, Any] = {k: v for k, v in form.items() if k not in ("password", "csrf_token")}
    for name in DATE_FIELDS:
        parts = {part: form.get(f"{name}-{part}", "") for part in DATE_PARTS}
        for part in DATE_PARTS:
            values.pop(f"{name}-{part}", None)
        values[name] = parts
    return values


@router.post("/register", include_in_schema=False)
def register_submit(
    request: Request,
    form: FormDep,
    session: SessionDep,
    settings: SettingsDep,
    policy: PolicyDep,
    accounts: AccountsContextDep,
) -> Response:
    kit = PageKit(request, settings)
    if not kit.csrf_ok(form.get("csrf_token")):
        return kit.csrf_failed()
    values = registration_values(form)
    outcome = contacts.sign_up(
        accounts,
        session,
        policy,
        values,
        form.get("password", ""),
        ip=_ip(request),
        user_agent=request.headers.get("user-agent"),
        locale=kit.locale,
        allow_test_domains=settings.dev_mode,
    )
    if outcome.cookie is None:
        return _form_page(kit, values, outcome.errors, outcome.status)
    cookie = outcome.cookie
    response = kit.see_other("/register/phone")
    response.set_cookie(
        SESSION_COOKIE, cookie, httponly=True, samesite="lax", secure=settings.secure_cookies, path="/"
    )
    return response


def _phone_page(
    kit: PageKit, session: Any, account: Any, *, error: str | None = None, status_code: int = 200
) -> Response:
    return kit.page(
        "register_phone.html",
        status_code,
        title=kit.t("title_confirm_phone"),
        prompt=codes_ui.phone_confirmation_prompt(kit, session, account),
        error=error,
        change_url="/account/contacts/phone",
    )


@router.get("/register/phone", include_in_schema=False)
def register_phone_form(
    request: Request, session: SessionDep, settings: SettingsDep, browser: BrowserSessionDep
) -> Response:
    """Right after registration: the SMS code that was sent, first; changing the number second."""
    kit = PageKit(request, settings)
    account = _signed_in_account(session, browser)
    if account is None:
        return kit.see_other("/login?next=/register/phone")
    if account.phone_verified and not account.pending_phone:
        return kit.see_other("/account")
    return _phone_page(kit, session, account)


@router.post("/register/phone", include_in_schema=False)
def register_phone_submit(
    request: Request,
    form: FormDep,
    session: SessionDep,
    settings: SettingsDep,
    browser: BrowserSessionDep,
    accounts: AccountsContextDep,
) -> Response:
    kit = PageKit(request, settings)
    account = _signed_in_account(session, browser)
    if account is None:
        return kit.see_other("/login?next=/register/phone")
    if not kit.csrf_ok(form.get("csrf_token")):
        return kit.csrf_failed()
    code = form.get("code", "").strip()
    if not code:
        return _phone_page(kit, session, account, error=kit.t("code_required"), status_code=400)
    try:
        contacts.confirm_contact(accounts, session, account, "phone", code[:64], ip=_ip(request))
    except SecondFactorError as exc:
        return _phone_page(kit, session, account, error=exc.user_message(kit.locale), status_code=400)
    return kit.see_other("/account?done=contact_confirmed")


def _signed_in_account(session: Any, browser: Any) -> Any:
    if browser.session is None:
        return None
    return accounts_service.get_account(session, browser.session.account_id)


def _ip(request: Request) -> str | None:
    return request.client.host if request.client else None


class RegistrationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    last_name: str = Field(max_length=200)
    first_name: str = Field(max_length=200)
    middle_name: str | None = Field(default=None, max_length=200)
    birth_date: str = Field(max_length=40, description="YYYY-MM-DD")
    snils: str = Field(max_length=40)
    inn: str | None = Field(default=None, max_length=40)
    phone: str = Field(max_length=40)
    email: str = Field(max_length=320)
    passport_series: str = Field(max_length=20)
    passport_number: str = Field(max_length=20)
    passport_issue_date: str = Field(max_length=40, description="YYYY-MM-DD")
    passport_issuer: str = Field(max_length=300)
    passport_division_code: str = Field(max_length=20, description="NNN-NNN")
    password: str = Field(max_length=256)
    locale: str = Field(default="ru", pattern="^(ru|en)$")


class RegistrationOut(BaseModel):
    oid: int
    level: str
    registry_status: str
    registry_reason: str | None
    confirmation_token: str = Field(description="Send it with the SMS code to confirm the phone")
    phone_code_sent: bool
    email_link_sent: bool


class PhoneConfirmationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    confirmation_token: str = Field(max_length=100)
    code: str = Field(min_length=6, max_length=6, pattern="^[0-9]{6}$")


class LevelOut(BaseModel):
    oid: int
    level: str


@router.post(
    "/api/v1/accounts",
    status_code=status.HTTP_201_CREATED,
    response_model=RegistrationOut,
    summary="Register an account; sends an SMS code to the phone and a link to the e-mail",
    responses=problem_responses(
        {
            422: "Invalid fields (`invalid_fields`, each with a code and a message)",
            409: "A contact, SNILS, INN or passport is already registered",
        }
    ),
)
def register_api(
    request: Request,
    body: RegistrationIn,
    session: SessionDep,
    settings: SettingsDep,
    accounts: AccountsContextDep,
) -> RegistrationOut:
    data = body.model_dump(exclude={"locale"})
    account, sent = contacts.register_fields(
        accounts, session, data, ip=_ip(request), locale=body.locale, allow_test_domains=settings.dev_mode
    )
    return RegistrationOut(
        oid=account.oid,
        level=account.level,
        registry_status=account.registry_status,
        registry_reason=account.registry_reason,
        confirmation_token=sent.token,
        phone_code_sent=sent.phone_code_sent,
        email_link_sent=sent.email_link_sent,
    )


@router.post(
    "/api/v1/accounts/phone-confirmation",
    response_model=LevelOut,
    summary="Confirm the phone with the SMS code (the account becomes simplified)",
    responses=problem_responses(
        {
            400: "The code is wrong or expired",
            404: "Unknown or expired confirmation token (`account_not_found`)",
            409: "The code cannot be checked in this state",
            429: "Too many wrong codes: wait (see Retry-After)",
        }
    ),
)
def confirm_phone_api(
    body: PhoneConfirmationIn, request: Request, session: SessionDep, accounts: AccountsContextDep
) -> LevelOut:
    account = contacts.confirm_phone_by_token(
        accounts, session, body.confirmation_token, body.code, ip=_ip(request)
    )
    return LevelOut(oid=account.oid, level=account.level)


@router.get("/confirm-email", include_in_schema=False)
def confirm_email(
    request: Request, token: str, session: SessionDep, settings: SettingsDep, accounts: AccountsContextDep
) -> Response:
    kit = PageKit(request, settings)
    outcome = contacts.confirm_email_link(accounts, session, token, ip=_ip(request))
    if outcome == "confirmed":
        return kit.message(
            kit.t("email_confirmed"), next_url="/account", next_text=kit.t("go_to_cabinet"), success=True
        )
    return kit.message(
        kit.t(f"email_link_{outcome}"),
        status=400,
        error=True,
        next_url="/account/contacts/email",
        next_text=kit.t("ask_new_link"),
    )
