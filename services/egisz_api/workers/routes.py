"""The worker pages of the cabinet: «Выберите организацию», «Поиск пациента», the patient's record.
Read-only (the forms that write come later). One service call per page; the service audits."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from egisz_api.cabinet.dependencies import CabinetLoginDep, CabinetPerson, check_csrf
from egisz_api.cabinet.pages import problem, render
from egisz_api.cabinet.schemas import Membership
from egisz_api.dependencies import SessionDep
from egisz_api.timeline.texts import STATUSES
from egisz_api.workers import service
from egisz_api.workers.errors import ConsentWithdrawnError, PatientNotFoundError
from egisz_api.workers.schemas import SearchForm, SearchOutcome
from shared.logging import current_request_id

router = APIRouter(include_in_schema=False)
#: the writing forms linked from the record (egisz_api.worker_forms; slug, title text key)
WRITE_FORMS = (
    ("prescription", "wf_prescription_title"), ("referral", "wf_referral_title"),
    ("lab-order", "wf_lab_order_title"), ("lab-result", "wf_lab_result_title"),
    ("vaccination", "wf_vaccination_title"), ("visit", "wf_visit_title"), ("diagnosis", "wf_diagnosis_title"),
)  # fmt: skip
ORGANIZATION = "/cabinet/organization"
PATIENTS = "/cabinet/patients"


def _not_a_worker(request: Request, person: CabinetPerson) -> HTMLResponse:
    return problem(
        request, person, status=403, title_key="wk_not_worker_title", message_key="wk_not_worker",
        action_url="/cabinet", action_key="wk_to_overview",
    )  # fmt: skip


def _organization(request: Request, person: CabinetPerson) -> Membership | Response:
    """The organisation the worker acts for; else the page to show instead."""
    if not person.is_worker:
        return _not_a_worker(request, person)
    org = person.organization
    if org is None:
        return RedirectResponse(f"{ORGANIZATION}", status_code=303)
    return org


def _choice_page(request: Request, person: CabinetPerson, *, error: bool = False) -> HTMLResponse:
    options = [
        {"value": m.oid, "label": m.name, "hint": m.position, "checked": m.oid == person.org_oid}
        for m in person.memberships
    ]
    return render(
        request, "workers/organization.html", title_key="wk_choose_title", person=person,
        current=PATIENTS, options=options, error=error, status=400 if error else 200,
    )  # fmt: skip


@router.get(ORGANIZATION, response_class=HTMLResponse)
def organization_page(request: Request, person: CabinetLoginDep) -> Response:
    if not person.is_worker:
        return _not_a_worker(request, person)
    return _choice_page(request, person)


@router.post(ORGANIZATION, response_class=HTMLResponse)
def choose_organization(
    request: Request,
    person: CabinetLoginDep,
    db: SessionDep,
    org: Annotated[str, Form(max_length=64)] = "",
    csrf_token: Annotated[str, Form(max_length=128)] = "",
) -> Response:
    check_csrf(person, csrf_token)
    if not person.is_worker:
        return _not_a_worker(request, person)
    if not service.choose_organization(db, person, org):
        return _choice_page(request, person, error=True)
    return RedirectResponse(PATIENTS, status_code=303)


def _search_page(
    request: Request,
    person: CabinetPerson,
    org: Membership,
    form: SearchForm,
    outcome: SearchOutcome | None = None,
) -> HTMLResponse:
    errors = outcome.errors if outcome is not None else []
    return render(
        request, "workers/search.html", title_key="wk_search_title", person=person, current=PATIENTS,
        org=org, form=form, outcome=outcome, error_of=dict(errors), status=400 if errors else 200,
    )  # fmt: skip


@router.get(PATIENTS, response_class=HTMLResponse)
def search_page(request: Request, person: CabinetLoginDep) -> Response:
    org = _organization(request, person)
    if not isinstance(org, Membership):
        return org
    return _search_page(request, person, org, SearchForm())


@router.post(PATIENTS, response_class=HTMLResponse)
def search(
    request: Request,
    person: CabinetLoginDep,
    db: SessionDep,
    csrf_token: Annotated[str, Form(max_length=128)] = "",
    snils: Annotated[str, Form(max_length=32)] = "",
    oms: Annotated[str, Form(max_length=32)] = "",
    family: Annotated[str, Form(max_length=100)] = "",
    given: Annotated[str, Form(max_length=100)] = "",
    birth_day: Annotated[str, Form(alias="birth-day", max_length=4)] = "",
    birth_month: Annotated[str, Form(alias="birth-month", max_length=4)] = "",
    birth_year: Annotated[str, Form(alias="birth-year", max_length=6)] = "",
) -> Response:
    # POST, not GET: a SNILS or a policy number never lands in an address or an access log
    check_csrf(person, csrf_token)
    org = _organization(request, person)
    if not isinstance(org, Membership):
        return org
    form = SearchForm(snils, oms, family, given, birth_day, birth_month, birth_year)
    outcome = service.search_patients(
        db, person, org, form, trail=request.app.state.audit_sink, clock=request.app.state.clock,
        source_ip=request.client.host if request.client else None, request_id=current_request_id(),
    )  # fmt: skip
    return _search_page(request, person, org, form, outcome)


def _refused(request: Request, person: CabinetPerson, exc: Exception) -> HTMLResponse:
    if isinstance(exc, ConsentWithdrawnError):
        return render(
            request, "workers/withdrawn.html", title_key="wk_withdrawn_title", person=person,
            current=PATIENTS, withdrawn_at=exc.withdrawn_at, status=403,
        )  # fmt: skip
    return problem(
        request, person, status=404, title_key="wk_not_found_title", message_key="wk_not_found",
        action_url=PATIENTS, action_key="wk_to_search",
    )  # fmt: skip


@router.get(PATIENTS + "/{patient_id}", response_class=HTMLResponse)
def patient_record(
    request: Request,
    person: CabinetLoginDep,
    db: SessionDep,
    patient_id: str,
    after: str | None = Query(default=None, max_length=64),
) -> Response:
    org = _organization(request, person)
    if not isinstance(org, Membership):
        return org
    viewer = service.viewer_of(
        person, org, patient_id, source_ip=request.client.host if request.client else None,
        request_id=current_request_id(),
    )  # fmt: skip
    try:
        name, page = service.patient_timeline(
            db, viewer, org, after, trail=request.app.state.audit_sink, clock=request.app.state.clock,
            timezone=request.app.state.settings.timezone,
        )  # fmt: skip
    except (PatientNotFoundError, ConsentWithdrawnError) as exc:
        return _refused(request, person, exc)
    base = f"{PATIENTS}/{patient_id}"
    return render(
        request, "workers/patient.html", title_key="wk_patient_title", person=person, current=PATIENTS,
        org=org, patient_name=name, page=page, records_base=f"{base}/records", statuses=STATUSES,
        patient_id=patient_id, write_forms=WRITE_FORMS,
        now=request.app.state.clock(),
        older_url=f"{base}?after={page.next_cursor}" if page.next_cursor else None,
    )  # fmt: skip


@router.get(PATIENTS + "/{patient_id}/records/{resource_type}/{resource_id}", response_class=HTMLResponse)
def patient_entry(
    request: Request,
    person: CabinetLoginDep,
    db: SessionDep,
    patient_id: str,
    resource_type: str,
    resource_id: str,
) -> Response:
    org = _organization(request, person)
    if not isinstance(org, Membership):
        return org
    viewer = service.viewer_of(
        person, org, patient_id, source_ip=request.client.host if request.client else None,
        request_id=current_request_id(),
    )  # fmt: skip
    try:
        _, detail = service.patient_entry(
            db, viewer, org, resource_type, resource_id, trail=request.app.state.audit_sink,
            clock=request.app.state.clock,
        )  # fmt: skip
    except (PatientNotFoundError, ConsentWithdrawnError) as exc:
        return _refused(request, person, exc)
    return render(
        request, "timeline/record.html", title_key=f"rec_one_{detail.entry.resource_type}", person=person,
        current=PATIENTS, detail=detail, statuses=STATUSES, now=request.app.state.clock(),
        records_base=f"{PATIENTS}/{patient_id}/records", back_url=f"{PATIENTS}/{patient_id}",
    )  # fmt: skip
