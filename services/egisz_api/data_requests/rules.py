"""What a patient's correction or deletion request is (R-EGZ-5; seed 001 §4.1): a FHIR ``Task``.

- ``code``: ``urn:egisz:task|correction`` or ``urn:egisz:task|deletion`` (a small local CodeSystem);
- ``for``: the patient; ``focus``: the resource to correct or delete (optional for a deletion of
  the whole record); ``input``: the patient's own words (type ``urn:egisz:task|text``);
- a patient creates it with ``status`` ``requested`` and ``intent`` ``order`` and never changes it;
- staff process it (:func:`check_transition`): accepted, rejected or completed, with a reason; a
  completed correction names the new version of the record in ``output``; a completed deletion
  restricts the record (:data:`RESTRICTED_LABEL`) or erases non-mandatory data (Patient only),
  never a clinical record.

Pure rules (no data access): the checks the FHIR create runs for a patient, and the builder the
cabinet uses, so both paths create the same Task.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
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


# --- processing by staff (issue 14 item 6; EGISZ.md §5 row 33) ---------------------------------

#: where a request may go and from where; ``rejected`` and ``completed`` are final
TRANSITIONS: dict[str, frozenset[str]] = {
    "requested": frozenset({"accepted", "rejected", "completed"}),
    "accepted": frozenset({"rejected", "completed"}),
}
#: what the patient wrote stays as they wrote it
FIXED_ELEMENTS = ("code", "for", "focus", "requester", "input", "authoredOn", "intent")
#: ``businessStatus`` of a completed request (system :data:`TASK_SYSTEM`): how it was carried out
Outcome = Literal["corrected", "restricted", "erased"]
OUTCOMES: dict[Kind, tuple[Outcome, ...]] = {
    "correction": ("corrected",),
    "deletion": ("restricted", "erased"),
}
#: only these may lose data on a deletion request: demographics and contact data, never a clinical
#: record (EGISZ.md §5 row 33, "Legal caveats": retention law keeps medical documentation)
ERASABLE_TYPES = frozenset({"Patient"})
#: the restriction label (HL7 v3 Confidentiality ``R`` «restricted») a deletion request puts on the
#: record: it is hidden from every reader but the patient (docs/rights.md "Processing")
CONFIDENTIALITY = "http://terminology.hl7.org/CodeSystem/v3-Confidentiality"
RESTRICTED_LABEL = {"system": CONFIDENTIALITY, "code": "R", "display": "restricted"}


@dataclass(frozen=True)
class Transition:
    kind: Kind
    before: str
    after: str
    #: ``businessStatus`` of a completed request (None otherwise)
    outcome: Outcome | None
    #: the ``Type/id/_history/N`` a completed correction or erasure names in ``output``
    output_version: tuple[str, str, int] | None


def _reason(task: dict[str, Any]) -> str:
    reason = task.get("statusReason")
    text = reason.get("text") if isinstance(reason, dict) else None
    return text.strip() if isinstance(text, str) else ""


def _outcome(task: dict[str, Any]) -> str | None:
    codings = (task.get("businessStatus") or {}).get("coding") or []
    for coding in codings:
        if isinstance(coding, dict) and coding.get("system") == TASK_SYSTEM:
            return str(coding.get("code"))
    return None


def _output_version(task: dict[str, Any]) -> tuple[str, str, int] | None:
    outputs = task.get("output") or []
    if len(outputs) != 1 or not isinstance(outputs[0], dict):
        return None
    reference = (outputs[0].get("valueReference") or {}).get("reference")
    if not isinstance(reference, str):
        return None
    parts = reference.split("/")
    if len(parts) != 4 or parts[2] != "_history" or not parts[3].isdigit() or len(parts[3]) > 9:
        return None
    return parts[0], parts[1], int(parts[3])


def check_transition(before: dict[str, Any], after: dict[str, Any]) -> Transition | None:
    """The checks of a staff update of a patient's request, in order; None when ``before`` is not
    a correction or deletion request (another Task: the ordinary update rules apply)."""
    kind = kind_of(before)
    if kind is None:
        return None
    for element in FIXED_ELEMENTS:
        if before.get(element) != after.get(element):
            raise InvalidRequestTaskError(f"Task.{element} is the patient's and cannot be changed.")
    old, new = str(before.get("status")), str(after.get("status"))
    if old == new and old in TRANSITIONS:
        # an open request may be updated without a transition (an owner, a note): no notice
        if "output" in after or "businessStatus" in after:
            raise InvalidRequestTaskError("Only a completed request names an outcome and an output.")
        return Transition(kind, old, new, None, None)
    if new not in TRANSITIONS.get(old, frozenset()):
        raise InvalidRequestTaskError(
            f"A request cannot go from {old!r} to {new!r} (requested → accepted, rejected or "
            "completed; accepted → rejected or completed)."
        )
    if new in ("rejected", "completed") and not _reason(after):
        raise InvalidRequestTaskError("Say why in Task.statusReason.text (the patient reads it).")
    if new != "completed":
        if "output" in after or "businessStatus" in after:
            raise InvalidRequestTaskError("Only a completed request names an outcome and an output.")
        return Transition(kind, old, new, None, None)
    outcome = _outcome(after)
    allowed = OUTCOMES[kind]
    if outcome not in allowed:
        codes = " or ".join(f"{TASK_SYSTEM}|{o}" for o in allowed)
        raise InvalidRequestTaskError(f"A completed {kind} request has businessStatus {codes}.")
    focus = focus_of(before)
    if outcome == "restricted":
        if focus is None:
            raise InvalidRequestTaskError("Only a request that names a record can restrict it.")
        return Transition(kind, old, new, "restricted", None)  # the server applies it and names it
    output = _output_version(after)
    if output is None:
        raise InvalidRequestTaskError(
            "A completed request references the new version in Task.output "
            "(valueReference Type/id/_history/N), written through the ordinary update."
        )
    if outcome == "corrected" and focus is not None and output[:2] != focus:
        raise InvalidRequestTaskError("The correction's output must be a new version of Task.focus.")
    if outcome == "erased":
        if output[0] not in ERASABLE_TYPES:
            raise InvalidRequestTaskError(
                "Clinical records are never erased (retention law): restrict them instead "
                f"(businessStatus {TASK_SYSTEM}|restricted); only contact and demographic data "
                "(Patient) can be erased."
            )
        if focus is not None and output[:2] != focus:
            raise InvalidRequestTaskError("The erasure's output must be a new version of Task.focus.")
    return Transition(kind, old, new, outcome, output)


def restricted(content: bytes) -> bool:
    """Whether a stored resource carries the restriction label (a byte test first: the label's
    system is rare, so almost every read pays one substring search and no JSON parse)."""
    if CONFIDENTIALITY.encode() not in content:
        return False
    data = json.loads(content)
    labels = (data.get("meta") or {}).get("security") or []
    return any(
        isinstance(label, dict) and label.get("system") == CONFIDENTIALITY and label.get("code") == "R"
        for label in labels
    )


def with_restriction(data: dict[str, Any]) -> dict[str, Any]:
    """The resource with the restriction label added to ``meta.security`` (kept once)."""
    meta = dict(data.get("meta") or {})
    labels = [label for label in meta.get("security") or [] if label != RESTRICTED_LABEL]
    meta["security"] = [*labels, RESTRICTED_LABEL]
    return {**data, "meta": meta}
