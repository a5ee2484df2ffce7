"""The consent pages of the cabinet: ``/cabinet/consent`` (read and give, or see it given) and
``/cabinet/consent/withdraw`` (what it means, then withdraw or cancel). Both take any logged-in
person (``CabinetLoginDep``): they are where every other cabinet page sends a person whose consent
for the current text is missing (``ConsentRequiredError``, handled here)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from egisz_api.cabinet.dependencies import CabinetLoginDep, CabinetPerson, check_csrf
from egisz_api.cabinet.pages import render
from egisz_api.consent import service
from egisz_api.consent.documents import text_of
from egisz_api.consent.errors import ConsentRequiredError, NoConsentToWithdrawError
from egisz_api.consent.schemas import ConsentState
from egisz_api.dependencies import SessionDep
from egisz_api.pages import locale_of

router = APIRouter(include_in_schema=False)
PAGE = "/cabinet/consent"


def safe_return(value: str | None) -> str:
    """Where to go once consent is given: a cabinet path only (never another site, never back to
    the consent page itself)."""
    if (
        not value
        or not value.startswith("/cabinet")
        or value.startswith(PAGE)
        or "//" in value
        or "\\" in value
        or any(ord(c) < 0x21 for c in value)
    ):
        return "/cabinet"
    return value


def _page(
    request: Request,
    person: CabinetPerson,
    state: ConsentState,
    *,
    status: int = 200,
    errors: list[tuple[str, str]] | None = None,
    notice: str | None = None,
    return_to: str = "/cabinet",
) -> HTMLResponse:
    version = request.app.state.consent_version
    return render(
        request,
        "consent/consent.html",
        title_key="consent_title",
        person=person,
        status=status,
        current=PAGE,
        state=state,
        text=text_of(version),
        given=state.accepted(version),
        errors=errors or [],
        notice=notice,
        return_to=return_to,
    )


def _no_record(request: Request, person: CabinetPerson) -> HTMLResponse:
    return render(
        request,
        "consent/no_record.html",
        title_key="consent_title",
        person=person,
        current=PAGE,
    )


@router.get(PAGE, response_class=HTMLResponse)
def consent_page(
    request: Request, person: CabinetLoginDep, db: SessionDep, return_to: str = ""
) -> HTMLResponse:
    if person.patient_id is None:
        return _no_record(request, person)
    notice_key = {"given": "consent_given_done", "withdrawn": "consent_withdrawn_done"}.get(
        request.query_params.get("done", "")
    )
    notice = request.app.state.pages.text(notice_key, locale_of(request)) if notice_key else None
    state = service.state(db, person.patient_id)
    return _page(request, person, state, notice=notice, return_to=safe_return(return_to))


@router.post(PAGE, response_class=HTMLResponse)
def give_consent(
    request: Request,
    person: CabinetLoginDep,
    db: SessionDep,
    csrf_token: Annotated[str, Form(max_length=128)] = "",
    agree: Annotated[str, Form(max_length=16)] = "",
    version: Annotated[str, Form(max_length=64)] = "",
    return_to: Annotated[str, Form(max_length=2048)] = "",
) -> Response:
    check_csrf(person, csrf_token)
    if person.patient_id is None:
        return _no_record(request, person)
    target = safe_return(return_to)
    current = request.app.state.consent_version
    t = request.app.state.pages.text
    locale = locale_of(request)
    if version != current:  # the text changed while the page was open: show the new one
        state = service.state(db, person.patient_id)
        errors = [("agree", t("consent_changed_meanwhile", locale))]
        return _page(request, person, state, status=409, errors=errors, return_to=target)
    if agree != "yes":
        state = service.state(db, person.patient_id)
        errors = [("agree", t("consent_agree_missing", locale))]
        return _page(request, person, state, status=400, errors=errors, return_to=target)
    service.give(
        db,
        person.patient_id,
        version=current,
        clock=request.app.state.clock,
        listeners=request.app.state.consent_listeners,
    )
    if target == "/cabinet":
        return RedirectResponse(f"{PAGE}?done=given", status_code=303)
    return RedirectResponse(target, status_code=303)


@router.get(f"{PAGE}/withdraw", response_class=HTMLResponse)
def withdraw_page(request: Request, person: CabinetLoginDep, db: SessionDep) -> Response:
    if person.patient_id is None or not service.state(db, person.patient_id).given:
        return RedirectResponse(PAGE, status_code=303)
    return render(
        request,
        "consent/withdraw.html",
        title_key="consent_withdraw_title",
        person=person,
        current=PAGE,
    )


@router.post(f"{PAGE}/withdraw")
def withdraw_consent(
    request: Request,
    person: CabinetLoginDep,
    db: SessionDep,
    csrf_token: Annotated[str, Form(max_length=128)] = "",
) -> Response:
    check_csrf(person, csrf_token)
    if person.patient_id is None:
        return RedirectResponse(PAGE, status_code=303)
    try:
        service.withdraw(
            db,
            person.patient_id,
            clock=request.app.state.clock,
            listeners=request.app.state.consent_listeners,
        )
    except NoConsentToWithdrawError:  # a second click, or another tab withdrew it first
        return RedirectResponse(PAGE, status_code=303)
    return RedirectResponse(f"{PAGE}?done=withdrawn", status_code=303)


def _consent_required(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ConsentRequiredError)
    return RedirectResponse(f"{PAGE}?{urlencode({'return_to': exc.return_to})}", status_code=303)


def install(app: FastAPI) -> None:
    app.add_exception_handler(ConsentRequiredError, _consent_required)
    app.include_router(router)
