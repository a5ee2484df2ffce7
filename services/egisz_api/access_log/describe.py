"""A stored BALP AuditEvent as a line of «Кто смотрел мою карту»: who (the person, or an
information system), through which client, what (the kind of data and the interaction), when,
the outcome and the purpose, as text keys and values a patient reads, never bare codes.

Pure functions over the AuditEvent JSON (``egisz_api.audit.balp`` wrote it)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from egisz_api.audit.balp import ACT_REASON, CABINET_CLIENT, CLIENT_SYSTEM, DCM, PARTICIPATION_TYPE

#: interactions with their own wording; anything else reads as "an operation"
INTERACTIONS = frozenset(
    {"read", "vread", "history-instance", "search-type", "search-system", "create", "update", "operation"}
)
#: resource types with their own wording
RESOURCE_TYPES = frozenset(
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
        "Consent",
        "AuditEvent",
        "Task",
    }
)
ROLES = frozenset({"patient", "practitioner", "nurse", "registrar", "lab", "mis", "admin", "auditor"})
PURPOSES = frozenset({"PATRQT", "TREAT", "HOPERAT", "HSYSADMIN", "ETREAT", "PUBHLTH"})


@dataclass(frozen=True)
class Access:
    event_id: str
    recorded: dt.datetime
    #: "you", "person", "system"
    who_kind: str
    #: the person's name or reference when the event names one
    who_name: str
    #: text keys of the person's roles (``role_practitioner``...)
    roles: list[str]
    #: the client's id as registered (None when the event names none)
    client: str | None
    #: the access came through the EGISZ cabinet itself
    via_cabinet: bool
    #: text key of the interaction (``action_read``...)
    action: str
    #: text key of the resource kind (``type_Observation``...) or None
    resource_kind: str | None
    granted: bool
    #: text keys of the purposes of use (``purpose_TREAT``...)
    purposes: list[str]


def _coding_codes(concepts: Any, system: str) -> list[str]:
    return [
        str(c["code"])
        for concept in concepts or []
        for c in concept.get("coding") or []
        if c.get("system") == system and c.get("code")
    ]


def _agent(event: dict[str, Any], system: str, code: str) -> dict[str, Any] | None:
    for agent in event.get("agent") or []:
        for coding in (agent.get("type") or {}).get("coding") or []:
            if coding.get("system") == system and coding.get("code") == code:
                return dict(agent)
    return None


def _resource_type(event: dict[str, Any], touched: str | None) -> str | None:
    """The type from the touched resource column (``Type`` or ``Type/id``), else from a Domain
    Resource entity."""
    candidates = [touched] if touched else []
    candidates += [
        str((e.get("what") or {}).get("reference") or "")
        for e in event.get("entity") or []
        if (e.get("role") or {}).get("code") == "4"
    ]
    for candidate in candidates:
        kind = candidate.split("/", 1)[0]
        if kind in RESOURCE_TYPES:
            return kind
    return None


def describe(event: dict[str, Any], *, patient_id: str, touched: str | None) -> Access:
    """One AuditEvent of ``patient_id``'s log, as the cabinet shows it."""
    person = _agent(event, PARTICIPATION_TYPE, "IRCP")
    client_agent = _agent(event, DCM, "110153") or {}
    client_identifier = (client_agent.get("who") or {}).get("identifier") or {}
    client = str(client_identifier.get("value")) if client_identifier.get("system") == CLIENT_SYSTEM else None
    codes = _coding_codes(event.get("purposeOfEvent"), ACT_REASON)
    if person is None:
        who_kind, who_name, roles = "system", "", []
    else:
        who = person.get("who") or {}
        reference = str(who.get("reference") or "")
        identifier = str((who.get("identifier") or {}).get("value") or "")
        # a patient token only ever reaches its own compartment (EGISZ.md §5 (A)): an access with
        # the purpose "patient request" and no other person named is the patient themselves
        yours = reference == f"Patient/{patient_id}" or (not reference and "PATRQT" in codes)
        who_kind = "you" if yours else "person"
        who_name = str(who.get("display") or reference or identifier)
        roles = (
            []
            if yours
            else [f"al_role_{r['text']}" for r in person.get("role") or [] if r.get("text") in ROLES]
        )
    subtype = next((str(c.get("code")) for c in event.get("subtype") or []), "operation")
    purposes = [f"al_purpose_{code}" for code in codes if code in PURPOSES]
    kind = _resource_type(event, touched)
    return Access(
        event_id=str(event.get("id")),
        recorded=dt.datetime.fromisoformat(str(event["recorded"]).replace("Z", "+00:00")),
        who_kind=who_kind,
        who_name=who_name,
        roles=roles,
        client=client,
        via_cabinet=client == CABINET_CLIENT,
        action=f"al_action_{subtype if subtype in INTERACTIONS else 'operation'}",
        resource_kind=f"al_type_{kind}" if kind else None,
        granted=str(event.get("outcome")) == "0",
        purposes=purposes,
    )
