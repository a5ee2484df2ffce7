"""Medical workers in the cabinet: which organisation they act for, finding a patient of that
organisation, and reading the patient's record (through the timeline's service, so every view is in
the patient's «Кто смотрел мою карту» as the worker with the organisation's name).

Whose patient is whose (the minimum clear rule, docs/cabinet.md «Medical workers»): a patient
belongs to the organisation their ``Patient.managingOrganization`` names by OGRN (identifier system
:data:`~egisz_api.workers.schemas.OGRN_SYSTEM`), the organisation the patient is attached to. A
worker sees a patient only

1. of the organisation the worker acts for now (another organisation's patient is «не найден», as
   one that does not exist: existence is not revealed), and
2. who has not withdrawn the personal-data consent (EGISZ.md §5 (A)): the patient is found, the
   record stays closed and the page says why.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from egisz_api.cabinet import service as cabinet
from egisz_api.cabinet.schemas import CabinetPerson, Membership
from egisz_api.consent import service as consent
from egisz_api.records import service as records
from egisz_api.records.dates import date_range
from egisz_api.records.parameters import OMS_SYSTEM, SNILS_SYSTEM, fold
from egisz_api.records.schemas import Criteria, DateCondition, StringCondition, TokenCondition
from egisz_api.timeline import service as timeline
from egisz_api.workers.errors import ConsentWithdrawnError, PatientNotFoundError
from egisz_api.workers.schemas import OGRN_SYSTEM, FoundPatient, SearchForm, SearchOutcome

MAX_RESULTS = 20


def choose_organization(db: Session, person: CabinetPerson, org_oid: str) -> bool:
    """The worker acts for ``org_oid`` from now on; False when it is not one of theirs."""
    return cabinet.choose_organization(db, person, org_oid)


def _digits(text: str) -> str:
    return "".join(c for c in text if c.isdigit())


def _birth_date(form: SearchForm, today: dt.date) -> dt.date | None:
    try:
        day = dt.date(int(form.birth_year), int(form.birth_month), int(form.birth_day))
    except ValueError:
        return None
    return day if dt.date(1900, 1, 1) <= day <= today else None


def check_form(form: SearchForm, today: dt.date) -> tuple[list[tuple[str, str]], Criteria | None]:
    """The errors of the form (field id, text key), or the search it asks for: by SNILS, else by
    the ОМС policy, else by family name, first name and birth date (all three)."""
    if form.snils.strip():
        snils = _digits(form.snils)
        if len(snils) != 11:
            return [("snils", "wk_error_snils")], None
        return [], _by_identifier(SNILS_SYSTEM, snils)
    if form.oms.strip():
        oms = _digits(form.oms)
        if not 6 <= len(oms) <= 16 or len(oms) != len(form.oms.strip().replace(" ", "")):
            return [("oms", "wk_error_oms")], None
        return [], _by_identifier(OMS_SYSTEM, oms)
    errors: list[tuple[str, str]] = []
    if not any((form.family.strip(), form.given.strip(), form.birth_day, form.birth_month, form.birth_year)):
        return [("snils", "wk_error_nothing")], None
    if not form.family.strip():
        errors.append(("family", "wk_error_family"))
    if not form.given.strip():
        errors.append(("given", "wk_error_given"))
    birth = _birth_date(form, today)
    if birth is None:
        errors.append(("birth-day", "wk_error_birth"))
    if errors or birth is None:
        return errors, None
    low, high = date_range(birth.isoformat())
    return [], Criteria(
        "Patient",
        clauses=[
            [StringCondition("family", fold(form.family.strip()))],
            [StringCondition("given", fold(form.given.strip()))],
            [DateCondition("birthdate", "eq", low, high)],
        ],
        count=MAX_RESULTS,
    )


def _by_identifier(system: str, value: str) -> Criteria:
    return Criteria("Patient", clauses=[[TokenCondition("identifier", system, value)]], count=MAX_RESULTS)


def _of_organization(patient: dict[str, Any], org: Membership) -> bool:
    identifier = (patient.get("managingOrganization") or {}).get("identifier") or {}
    return bool(org.ogrn) and identifier.get("system") == OGRN_SYSTEM and identifier.get("value") == org.ogrn


def _name(patient: dict[str, Any]) -> str:
    for name in patient.get("name") or []:
        parts = [name.get("family") or "", *(name.get("given") or [])]
        text = " ".join(p for p in parts if p)
        if text:
            return text
    return str(patient.get("id"))


def _day(fhir_date: Any) -> str | None:
    """A FHIR ``YYYY-MM-DD`` as people read it here (``12.04.1985``); other precisions as they are."""
    try:
        return dt.date.fromisoformat(str(fhir_date)).strftime("%d.%m.%Y")
    except ValueError:
        return str(fhir_date) if fhir_date else None


def viewer_of(person: CabinetPerson, org: Membership, patient_id: str, **seen: str | None) -> timeline.Viewer:
    return timeline.Viewer(
        patient_id=patient_id,
        subject=person.oid,
        name=person.display_name,
        source_ip=seen.get("source_ip"),
        request_id=seen.get("request_id"),
        worker=timeline.Worker(organization=org.name, role=org.role),
    )


def search_patients(
    db: Session,
    person: CabinetPerson,
    org: Membership,
    form: SearchForm,
    *,
    trail: timeline.Trail,
    clock: Callable[[], dt.datetime],
    source_ip: str | None = None,
    request_id: str | None = None,
) -> SearchOutcome:
    """Patients of ``org`` matching the form; each one shown is an access in their log."""
    now = clock()
    errors, criteria = check_form(form, now.date())
    if criteria is None:
        return SearchOutcome(errors=errors, searched=False)
    found = []
    for stored in records.search(db, criteria):
        patient = json.loads(stored.content)
        if not _of_organization(patient, org):
            continue  # another organisation's patient is not found (no existence leak)
        state = consent.state(db, stored.resource_id)
        found.append(
            FoundPatient(
                patient_id=stored.resource_id,
                name=_name(patient),
                birth_date=_day(patient.get("birthDate")),
                withdrawn=state.withdrawn,
                withdrawn_at=state.withdrawn_at,
            )
        )
        viewer = viewer_of(person, org, stored.resource_id, source_ip=source_ip, request_id=request_id)
        trail.record(
            viewer.access(interaction="search-type", recorded=now, resource_type="Patient", query="")
        )
    return SearchOutcome(found=found, searched=True)


def open_record(db: Session, org: Membership, patient_id: str) -> str:
    """The patient's name, when the worker of ``org`` may read the record; else why not."""
    stored = records.find(db, "Patient", patient_id)
    patient = json.loads(stored.content) if stored is not None else None
    if patient is None or not _of_organization(patient, org):
        raise PatientNotFoundError("No patient of your organisation has this record.")
    state = consent.state(db, patient_id)
    if state.withdrawn:
        raise ConsentWithdrawnError("The patient has withdrawn consent to the processing of personal data.",
                                    state.withdrawn_at)  # fmt: skip
    return _name(patient)


def patient_timeline(
    db: Session,
    viewer: timeline.Viewer,
    org: Membership,
    cursor: str | None,
    *,
    trail: timeline.Trail,
    clock: Callable[[], dt.datetime],
    timezone: str,
) -> tuple[str, timeline.TimelinePage]:
    """The patient's name and record (newest first), read for ``org``; the view is audited."""
    name = open_record(db, org, viewer.patient_id)
    page = timeline.timeline_page(db, viewer, [], cursor, trail=trail, clock=clock, timezone=timezone)
    return name, page


def patient_entry(
    db: Session,
    viewer: timeline.Viewer,
    org: Membership,
    resource_type: str,
    resource_id: str,
    *,
    trail: timeline.Trail,
    clock: Callable[[], dt.datetime],
) -> tuple[str, timeline.EntryDetail]:
    name = open_record(db, org, viewer.patient_id)
    detail = timeline.entry_detail(db, viewer, resource_type, resource_id, trail=trail, clock=clock)
    return name, detail
