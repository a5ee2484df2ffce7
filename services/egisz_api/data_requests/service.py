"""A patient's correction and deletion requests: checked like any patient write, stored as FHIR
``Task`` through the records feature, listed for the cabinet («Мои обращения»)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from egisz_api.audit.balp import AccessRecord, Outcome
from egisz_api.data_requests.errors import InvalidRequestTaskError
from egisz_api.data_requests.rules import FOCUS_TYPES, Kind, build_task, check_patient_task, kind_of, text_of
from egisz_api.exports.formatting import line
from egisz_api.records import service as records
from egisz_api.records.parameters import DEFINITIONS
from egisz_api.records.schemas import Criteria, ReferenceCondition, StoredResource

Clock = Callable[[], dt.datetime]
LIST_LIMIT = 100


def check_patient_request(session: Session, task: dict[str, Any], patient_id: str) -> None:
    """The rules of a patient's Task, then its focus: a record of this patient. A focus that does not
    exist and one of another patient get the same answer, so the check reveals nothing (IDOR)."""
    focus = check_patient_task(task, patient_id)
    if focus is None:
        return
    found = records.find(session, *focus) if focus[0] in DEFINITIONS else None
    if found is None or found.patient_id != patient_id:
        raise InvalidRequestTaskError(f"{focus[0]}/{focus[1]} is not one of your records.", field="focus")


def create_request(
    session: Session,
    patient_id: str,
    *,
    kind: Kind,
    text: str,
    focus: tuple[str, str] | None,
    clock: Clock,
    subject: str,
    trail: Callable[[AccessRecord], None],
) -> StoredResource:
    """The cabinet's «Подать обращение»: the same Task and checks as a patient's FHIR create, and
    its AuditEvent in the patient's trail (``subject``: the person's idp subject)."""
    task = build_task(patient_id, kind, text, focus, clock())
    check_patient_request(session, task, patient_id)
    stored = records.create(session, "Task", task, clock=clock)
    trail(
        AccessRecord(
            interaction="create",
            recorded=clock(),
            outcome=Outcome.SUCCESS,
            subject=subject,
            client_id="egisz-cabinet",
            resource_type="Task",
            resource_id=stored.resource_id,
            patient_id=patient_id,
            purpose_of_use=("PATRQT",),
        )
    )
    return stored


@dataclass(frozen=True)
class RequestSummary:
    id: str
    kind: Kind | None
    status: str
    authored_on: str | None
    focus: str | None
    text: str
    last_updated: dt.datetime


def list_requests(session: Session, patient_id: str) -> list[RequestSummary]:
    """The patient's requests, newest first (at most :data:`LIST_LIMIT`)."""
    criteria = Criteria(
        "Task",
        clauses=[[ReferenceCondition("patient", "Patient", patient_id)]],
        compartment=patient_id,
        sort="date",
        descending=True,
        count=LIST_LIMIT,
    )
    found = []
    for row in records.search(session, criteria):
        task = json.loads(row.content)
        found.append(
            RequestSummary(
                id=row.resource_id,
                kind=kind_of(task),
                status=str(task.get("status", "")),
                authored_on=task.get("authoredOn"),
                focus=(task.get("focus") or {}).get("reference"),
                text=text_of(task),
                last_updated=row.last_updated,
            )
        )
    return found


def focus_options(
    session: Session, patient_id: str, *, locale: str, limit: int = 300
) -> list[tuple[str, str]]:
    """(``Type/id``, what the patient reads) of the records a request may name, newest first."""
    allowed = dict.fromkeys(sorted(FOCUS_TYPES - {"Patient"}))
    rows: list[StoredResource] = []
    after: int | None = None
    while len(rows) < 5000:  # the select lists the newest ``limit``; a bound on what is read for it
        page = records.compartment_page(session, patient_id, allowed, after_pk=after, count=500)
        rows.extend(page)
        if len(page) < 500:
            break
        after = page[-1].pk
    options = []
    for row in sorted(rows, key=lambda r: r.sort_value or r.last_updated, reverse=True)[:limit]:
        item = line(json.loads(row.content), locale)
        label = " — ".join(p for p in (item.date, item.title) if p)
        options.append((f"{row.resource_type}/{row.resource_id}", label))
    return options
