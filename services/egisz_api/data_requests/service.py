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
from egisz_api.data_requests.rules import (
    FOCUS_TYPES,
    TASK_SYSTEM,
    Kind,
    build_task,
    check_patient_task,
    check_transition,
    focus_of,
    kind_of,
    restricted,
    text_of,
    with_restriction,
)
from egisz_api.exports.formatting import line
from egisz_api.records import service as records
from egisz_api.records.errors import ResourceNotFoundError
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


def is_request(resource: StoredResource) -> bool:
    """A patient's correction or deletion request (EGISZ.md §5 row 33: no consent gate — the
    patient's rights do not pause while processing of their data is suspended)."""
    return resource.resource_type == "Task" and kind_of(json.loads(resource.content)) is not None


def hidden_from_staff(resource: StoredResource) -> bool:
    """A record restricted by a processed deletion request: only the patient still reads it."""
    return restricted(resource.content)


@dataclass(frozen=True)
class Processed:
    """A staff update of a request that the patient is told about."""

    patient_id: str
    task_id: str
    kind: Kind
    status: str


def _own_version(session: Session, task: StoredResource, reference: tuple[str, str, int]) -> StoredResource:
    """The version a completed request names: a record of the same patient, written after the
    request was filed (the write itself went through the ordinary update path)."""
    type_, rid, version = reference
    target = records.find(session, type_, rid) if type_ in DEFINITIONS else None
    if target is None or target.patient_id != task.patient_id:
        raise InvalidRequestTaskError(f"{type_}/{rid} is not one of the patient's records.", field="focus")
    try:
        written = records.vread(session, target, version)
    except ResourceNotFoundError as exc:
        raise InvalidRequestTaskError(f"{type_}/{rid} has no version {version}.", field="focus") from exc
    filed = records.vread(session, task, 1).last_updated
    if version < 2 or written.last_updated < filed:
        raise InvalidRequestTaskError(
            "Task.output must name a version written after the request was filed.", field="focus"
        )
    return written


def _restrict(session: Session, task: StoredResource, focus: tuple[str, str], clock: Clock) -> StoredResource:
    target = records.find(session, *focus) if focus[0] in DEFINITIONS else None
    if target is None or target.patient_id != task.patient_id:
        raise InvalidRequestTaskError(f"{focus[0]}/{focus[1]} is not one of the patient's records.")
    if restricted(target.content):
        return target
    labelled = with_restriction(json.loads(target.content))
    return records.update(session, focus[0], focus[1], labelled, clock=clock, if_match=None)


def process_request_update(
    session: Session, existing: StoredResource, data: dict[str, Any], *, clock: Clock
) -> Processed | None:
    """A staff ``PUT /fhir/Task/{id}`` of a patient's request (issue 14 item 6): the transition's
    rules; a completed correction or erasure names a version of the patient's record written
    after the request; a completed deletion by restriction labels the record here and names that
    version in ``data["output"]``. None: not a request, the ordinary update rules apply."""
    before = json.loads(existing.content)
    transition = check_transition(before, data)
    if transition is None or existing.patient_id is None or transition.before == transition.after:
        return None
    if transition.output_version is not None:
        _own_version(session, existing, transition.output_version)
    if transition.outcome == "restricted":
        focus = focus_of(before)
        assert focus is not None  # check_transition refuses a restriction without a focus
        labelled = _restrict(session, existing, focus, clock)
        data["output"] = [
            {
                "type": {"coding": [{"system": TASK_SYSTEM, "code": "restricted-version"}]},
                "valueReference": {"reference": f"{focus[0]}/{focus[1]}/_history/{labelled.version_id}"},
            }
        ]
    return Processed(existing.patient_id, existing.resource_id, transition.kind, transition.after)


@dataclass(frozen=True)
class RequestSummary:
    id: str
    kind: Kind | None
    status: str
    authored_on: str | None
    focus: str | None
    text: str
    last_updated: dt.datetime
    #: why staff accepted, rejected or completed it (``statusReason.text``)
    reason: str = ""


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
                reason=str((task.get("statusReason") or {}).get("text") or ""),
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
