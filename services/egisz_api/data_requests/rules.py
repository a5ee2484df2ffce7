"""What a patient's correction or deletion request is (R-EGZ-5; seed 001 §4.1): a FHIR ``Task``.

- ``code``: ``urn:egisz:task|correction`` or ``urn:egisz:task|deletion`` (a small local CodeSystem);
- ``for``: the patient; ``focus``: the resource to correct or delete (optional for a deletion of
  the whole record); ``input``: the patient's own words (type ``urn:egisz:task|text``);
- a patient creates it with ``status`` ``requested`` and ``intent`` ``order`` and never changes it;
  processing (accepted, rejected, completed) is issue 14's, by registrars and integrators.

Pure rules (no data access): the checks the FHIR create runs for a patient, and the builder the
cabinet uses, so both paths create the same Task.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from egisz_api.data_requests.errors import InvalidRequestTaskError

TASK_SYSTEM = "urn:egisz:task"
Kind = Literal["correction", "deletion"]
KINDS: tuple[Kind, ...] = ("correction", "deletion")
TEXT_MAX = 2000
#: what a request may point at: the patient's own records (not the audit trail, nor other requests)
FOCUS_TYPES = frozenset(
    {
        "Patient",
        "Encounter",
        "Condition",
        "Observation",
        "DiagnosticReport",
        "ServiceRequest",
        "MedicationRequest",
        "Appointment",
        "Immunization",
        "DocumentReference",
    }
)


def kind_of(task: dict[str, Any]) -> Kind | None:
    codings = (task.get("code") or {}).get("coding") or []
    for coding in codings:
        if isinstance(coding, dict) and coding.get("system") == TASK_SYSTEM and coding.get("code") in KINDS:
            code: Kind = coding["code"]
            return code
    return None


def text_of(task: dict[str, Any]) -> str:
    for item in task.get("input") or []:
        if isinstance(item, dict) and isinstance(item.get("valueString"), str):
            return str(item["valueString"])
    return ""


def focus_of(task: dict[str, Any]) -> tuple[str, str] | None:
    """(type, id) of ``focus`` when it is a relative reference ``Type/id``."""
    reference = (task.get("focus") or {}).get("reference")
    if not isinstance(reference, str):
        return None
    kind, _, rid = reference.partition("/")
    return (kind, rid) if kind and rid and "/" not in rid else None


def check_patient_task(task: dict[str, Any], patient_id: str) -> tuple[str, str] | None:
    """The checks of a Task a patient creates, in order; returns its focus (type, id) for the
    caller to check against the patient's compartment. ``for`` is checked by the FHIR engine's
    write-target rule (a Task for another patient is 403 before this runs)."""
    if kind_of(task) is None:
        raise InvalidRequestTaskError(
            f"Task.code must be {TASK_SYSTEM}|correction or {TASK_SYSTEM}|deletion.", field="kind"
        )
    if task.get("status") != "requested":
        raise InvalidRequestTaskError("A patient creates a request with status 'requested'.", field="kind")
    if task.get("intent") != "order":
        raise InvalidRequestTaskError("A patient's request has intent 'order'.", field="kind")
    if task.get("for", {}).get("reference") != f"Patient/{patient_id}":
        raise InvalidRequestTaskError("Task.for must be the patient's own record.", field="focus")
    for forbidden in ("owner", "output", "businessStatus", "executionPeriod"):
        if forbidden in task:
            raise InvalidRequestTaskError(f"Task.{forbidden} is set by whoever processes the request.")
    text = text_of(task).strip()
    if not text:
        raise InvalidRequestTaskError("Say in Task.input (valueString) what is wrong or what to delete.")
    if len(text) > TEXT_MAX:
        raise InvalidRequestTaskError(f"The request text may take at most {TEXT_MAX} characters.")
    focus = focus_of(task)
    if task.get("focus") is not None and (focus is None or focus[0] not in FOCUS_TYPES):
        raise InvalidRequestTaskError("Task.focus must name one of your records as Type/id.", field="focus")
    if kind_of(task) == "correction" and focus is None:
        raise InvalidRequestTaskError("A correction request names the record to correct.", field="focus")
    return focus


def build_task(
    patient_id: str, kind: Kind, text: str, focus: tuple[str, str] | None, now: dt.datetime
) -> dict[str, Any]:
    task: dict[str, Any] = {
        "resourceType": "Task",
        "status": "requested",
        "intent": "order",
        "code": {
            "coding": [{"system": TASK_SYSTEM, "code": kind}],
            "text": "Исправление записи" if kind == "correction" else "Удаление записи",
        },
        "for": {"reference": f"Patient/{patient_id}"},
        "requester": {"reference": f"Patient/{patient_id}"},
        "authoredOn": now.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "input": [
            {
                "type": {"coding": [{"system": TASK_SYSTEM, "code": "text"}]},
                "valueString": text.strip(),
            }
        ],
    }
    if focus is not None:
        task["focus"] = {"reference": f"{focus[0]}/{focus[1]}"}
    return task
