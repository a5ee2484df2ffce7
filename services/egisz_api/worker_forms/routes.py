"""``/cabinet/patients/{id}/forms/{kind}``: the worker's writing forms (GET the form, or a parked
one back from the signature step with ``?parked=``; POST writes it or sends the worker to sign).
One service call per request; the service writes through the FHIR API's create."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import Future
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from egisz_api.cabinet.dependencies import COOKIE, CabinetLoginDep, CabinetPerson, check_csrf
from egisz_api.cabinet.login_routes import start_step_up
from egisz_api.cabinet.pages import problem, render
from egisz_api.cabinet.schemas import Membership
from egisz_api.dependencies import SessionDep
from egisz_api.fhir import service as fhir
from egisz_api.pages import locale_of
from egisz_api.worker_forms import service
from egisz_api.worker_forms.errors import (
    ParkedFormGoneError,
    SignatureNeededError,
    UnknownFormError,
    WriteRefusedError,
)
from egisz_api.worker_forms.schemas import Checked, FormKind
from egisz_api.workers.errors import ConsentWithdrawnError, PatientNotFoundError

router = APIRouter(include_in_schema=False)
PATIENTS = "/cabinet/patients"
FORM_PATH = PATIENTS + "/{patient_id}/forms/{kind}"
Text = Annotated[str, Form(max_length=600)]


def _organization(request: Request, person: CabinetPerson) -> Membership | Response:
    if not person.is_worker:
        return problem(
            request, person, status=403, title_key="wk_not_worker_title", message_key="wk_not_worker",
            action_url="/cabinet", action_key="wk_to_overview",
        )  # fmt: skip
    org = person.organization
    return org if org is not None else RedirectResponse("/cabinet/organization", status_code=303)


def _refused(request: Request, person: CabinetPerson, exc: Exception) -> HTMLResponse:
    if isinstance(exc, ConsentWithdrawnError):
        return render(
            request, "workers/withdrawn.html", title_key="wk_withdrawn_title", person=person,
            current=PATIENTS, withdrawn_at=exc.withdrawn_at, status=403,
        )  # fmt: skip
    if isinstance(exc, UnknownFormError):
        return problem(
            request, person, status=404, title_key="wf_unknown_title", message_key="wf_unknown",
            action_url=PATIENTS, action_key="wk_to_search",
        )  # fmt: skip
    return problem(
        request, person, status=404, title_key="wk_not_found_title", message_key="wk_not_found",
        action_url=PATIENTS, action_key="wk_to_search",
    )  # fmt: skip


def _page(
    request: Request, db: Any, person: CabinetPerson, form: FormKind, patient_id: str, name: str,
    checked: Checked, *, parked: str | None = None, returned: bool = False, refusal: str | None = None,
    status: int = 200,
) -> HTMLResponse:  # fmt: skip
    return render(
        request, "worker_forms/form.html", title_key=form.title_key, person=person, current=PATIENTS,
        form=form, values=checked.values, error_of=dict(checked.errors),
        options=service.options(db, form, locale_of(request)), patient_name=name,
        action=f"{PATIENTS}/{patient_id}/forms/{form.slug}", record_url=f"{PATIENTS}/{patient_id}",
        signed=service.is_signed(person), parked=parked, returned=returned, refusal=refusal,
        status=status,
    )  # fmt: skip


@router.get(FORM_PATH, response_class=HTMLResponse)
def form_page(
    request: Request,
    person: CabinetLoginDep,
    db: SessionDep,
    patient_id: str,
    kind: str,
    parked: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    org = _organization(request, person)
    if not isinstance(org, Membership):
        return org
    try:
        form = service.form_of(kind)
        name = service.patient_name(db, org, patient_id)
        if parked is None:
            return _page(request, db, person, form, patient_id, name, Checked(values={}))
        back = service.resume(
            db, person, request.cookies.get(COOKIE, ""), parked, now=request.app.state.clock()
        )
    except ParkedFormGoneError:
        return problem(
            request, person, status=410, title_key="wf_gone_title", message_key="wf_gone",
            action_url=f"{PATIENTS}/{patient_id}/forms/{kind}", action_key="wf_fill_again",
        )  # fmt: skip
    except (UnknownFormError, PatientNotFoundError, ConsentWithdrawnError) as exc:
        return _refused(request, person, exc)
    if back.kind != form.slug or back.patient_id != patient_id:
        return RedirectResponse(
            f"{PATIENTS}/{back.patient_id}/forms/{back.kind}?parked={parked}", status_code=303
        )
    return _page(
        request, db, person, form, patient_id, name, Checked(values=back.values), parked=parked, returned=True
    )


def _context(request: Request, db: Any) -> service.ContextFactory:
    """The FHIR service's context for the cabinet's writes: the app's audit sink, consent gate,
    signature trust and record listeners, as ``POST /fhir/{type}`` gets them."""
    state = request.app.state
    audit = state.audit_sink_factory(db)
    request.state.fhir_audit = audit

    def make(claims: Any) -> fhir.FhirContext:
        return fhir.FhirContext(
            session=db, claims=claims, audit=audit, gate=state.consent_gate, clock=state.clock,
            base=str(request.base_url).rstrip("/") + "/fhir",
            source_ip=request.client.host if request.client else None,
            listeners=getattr(state, "record_listeners", ()), signatures=state.signatures,
        )  # fmt: skip

    return make


def _durable(request: Request) -> None:
    """Wait until the write's AuditEvents are durable (as the FHIR routes do)."""
    audit = getattr(request.state, "fhir_audit", None)
    pending: list[Future[None]] = getattr(audit, "pending", [])
    for acknowledgement in pending:
        acknowledgement.result(timeout=60)


@router.post(FORM_PATH, response_class=HTMLResponse)
def submit(
    request: Request,
    person: CabinetLoginDep,
    db: SessionDep,
    patient_id: str,
    kind: str,
    csrf_token: Annotated[str, Form(max_length=128)] = "",
    parked: Annotated[str, Form(max_length=64)] = "",
    code: Annotated[str, Form(max_length=300)] = "",
    dosage: Text = "",
    value: Text = "",
    unit: Text = "",
    dose: Text = "",
    lot: Text = "",
    note: Text = "",
    day: Annotated[str, Form(alias="date-day", max_length=4)] = "",
    month: Annotated[str, Form(alias="date-month", max_length=4)] = "",
    year: Annotated[str, Form(alias="date-year", max_length=6)] = "",
) -> Response:
    check_csrf(person, csrf_token)
    org = _organization(request, person)
    if not isinstance(org, Membership):
        return org
    values = {
        "code": code, "dosage": dosage, "value": value, "unit": unit, "dose": dose, "lot": lot, "note": note,
        "date-day": day, "date-month": month, "date-year": year,
    }  # fmt: skip
    settings = request.app.state.settings
    try:
        form = service.form_of(kind)
        outcome = service.submit(
            db, person, org, request.cookies.get(COOKIE, ""), form, patient_id, values,
            handle=parked or None, context=_context(request, db), clock=request.app.state.clock,
            park_ttl=dt.timedelta(minutes=settings.worker_form_park_minutes),
        )  # fmt: skip
    except SignatureNeededError as needed:
        # RFC 9470 in a browser: to the idp's signature step, back to this form with its data
        return_to = f"{PATIENTS}/{patient_id}/forms/{kind}?{urlencode({'parked': needed.handle})}"
        return start_step_up(request, db, person.session_id, return_to)
    except (UnknownFormError, PatientNotFoundError, ConsentWithdrawnError) as exc:
        _durable(request)
        return _refused(request, person, exc)
    except WriteRefusedError as refused:
        _durable(request)
        name = service.patient_name(db, org, patient_id)
        checked = service.check(db, form, values, request.app.state.clock().date())
        return _page(
            request, db, person, form, patient_id, name, checked, parked=parked or None,
            refusal=refused.message_key, status=refused.status,
        )  # fmt: skip
    _durable(request)
    if isinstance(outcome, Checked):
        name = service.patient_name(db, org, patient_id)
        return _page(request, db, person, form, patient_id, name, outcome, parked=parked or None, status=400)
    resource_type, resource_id = outcome.created[-1]
    return RedirectResponse(f"{PATIENTS}/{patient_id}/records/{resource_type}/{resource_id}", status_code=303)
