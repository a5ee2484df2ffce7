"""The AuditEvent of one access, after IHE Basic Audit Log Patterns (BALP) on FHIR R4.

:class:`AccessRecord` is what the FHIR engine (and any other route touching a patient's data)
knows about one request; :func:`build_audit_event` turns it into the AuditEvent served by
``GET /fhir/AuditEvent`` — a pure function, so tests check the shape against the R4B models;
:func:`to_row` adds the columns the searches need.

Shape (BALP Read / Query / Create / Update / Delete and their Patient variants, EGISZ.md §2.4):

- ``type`` ``rest`` (audit-event-type), ``subtype`` the FHIR interaction (restful-interaction);
- ``action``: C create, R read/vread/history, U update/patch, D delete, E search and operations
  (BALP records a query as Execute);
- ``outcome``: ``0`` success, ``4`` minor failure (a denial, a bad request), ``8`` serious failure;
- agents: the client application as DICOM 110153 "Source Role ID" with its network address, this
  server as 110152 "Destination Role ID", and the person as the requestor (``who`` = their
  Practitioner/Patient reference when known, else the token subject as an identifier; ``policy`` =
  the token's ``jti``; ``purposeOfUse``);
- entities: the patient (type 1 Person, role 1 Patient), the resource touched (type 2 System
  Object, role 4 Domain Resource), the query of a search (role 24 Query, base64), and the request
  id (BALP's XrequestId entity) that ties the event to the server's logs.
"""

from __future__ import annotations

import base64
import datetime as dt
import enum
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

DCM = "http://dicom.nema.org/resources/ontology/DCM"
AUDIT_EVENT_TYPE = "http://terminology.hl7.org/CodeSystem/audit-event-type"
RESTFUL_INTERACTION = "http://hl7.org/fhir/restful-interaction"
ENTITY_TYPE = "http://terminology.hl7.org/CodeSystem/audit-entity-type"
OBJECT_ROLE = "http://terminology.hl7.org/CodeSystem/object-role"
PARTICIPATION_TYPE = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"
ACT_REASON = "http://terminology.hl7.org/CodeSystem/v3-ActReason"
SOURCE_TYPE = "http://terminology.hl7.org/CodeSystem/security-source-type"
BALP_ENTITY_TYPE = "https://profiles.ihe.net/ITI/BALP/CodeSystem/BasicAuditEntityType"
#: identifier systems of our own for the token subject and the OAuth client (no FHIR resource)
SUBJECT_SYSTEM = "urn:egisz:subject"
CLIENT_SYSTEM = "urn:egisz:client"
SERVER_SYSTEM = "urn:egisz:server"
#: the OAuth client id under which the patient cabinet's own reads are recorded
CABINET_CLIENT = "egisz-cabinet"

#: FHIR restful interaction -> AuditEvent.action (BALP: queries and operations are Execute)
ACTIONS: dict[str, str] = {
    "read": "R",
    "vread": "R",
    "history-instance": "R",
    "history-type": "E",
    "history-system": "E",
    "search-type": "E",
    "search-system": "E",
    "create": "C",
    "update": "U",
    "patch": "U",
    "delete": "D",
    "operation": "E",
    "batch": "E",
    "transaction": "E",
    "capabilities": "E",
}


class Outcome(enum.StrEnum):
    """AuditEvent.outcome (R4 audit-event-outcome)."""

    SUCCESS = "0"
    MINOR_FAILURE = "4"  # denied (401/403/404 hiding a record) or a bad request
    SERIOUS_FAILURE = "8"  # the server failed
    MAJOR_FAILURE = "12"


def _new_id() -> str:
    return str(uuid.uuid4())


@dataclass(frozen=True, slots=True)
class AccessRecord:
    """One request that touched (or tried to touch) a patient's data.

    ``subject``: the token's ``sub``; ``who``: the person as a FHIR reference (``fhirUser``, e.g.
    ``Practitioner/7``) when known; ``roles``: the token's ``roles``; ``patient_id``: the logical id
    of the Patient whose data it is (None when the request named none, e.g. a denied search);
    ``query``: the query string of a search as received; ``detail``: why it failed, in words a
    patient may read (never a token or medical content).
    """

    interaction: str
    recorded: dt.datetime
    outcome: Outcome
    subject: str | None = None
    subject_name: str | None = None
    who: str | None = None
    roles: tuple[str, ...] = ()
    client_id: str | None = None
    source_ip: str | None = None
    resource_type: str | None = None
    resource_id: str | None = None
    patient_id: str | None = None
    query: str | None = None
    purpose_of_use: tuple[str, ...] = ()
    token_id: str | None = None
    request_id: str | None = None
    detail: str | None = None
    event_id: str = field(default_factory=_new_id)

    def __post_init__(self) -> None:
        if self.interaction not in ACTIONS:
            raise ValueError(f"unknown FHIR interaction {self.interaction!r}")
        if self.recorded.tzinfo is None:
            raise ValueError("AccessRecord.recorded must be timezone-aware")

    @property
    def action(self) -> str:
        return ACTIONS[self.interaction]

    @property
    def agent(self) -> str | None:
        """The searchable agent: the person's reference, else the token subject."""
        return self.who or self.subject

    @property
    def resource(self) -> str | None:
        if self.resource_type and self.resource_id:
            return f"{self.resource_type}/{self.resource_id}"
        return self.resource_type


def cabinet_view(
    *,
    interaction: str,
    recorded: dt.datetime,
    viewer_patient: str,
    subject: str,
    subject_name: str | None,
    record_patient: str | None = None,
    resource_type: str | None = None,
    resource_id: str | None = None,
    query: str | None = None,
    outcome: Outcome = Outcome.SUCCESS,
    detail: str | None = None,
    source_ip: str | None = None,
    request_id: str | None = None,
) -> AccessRecord:
    """A patient reading their own record in the cabinet (BALP Patient-specific pattern: the
    requestor is the Patient, purpose PATRQT). ``record_patient``: whose record was touched when it
    is not the viewer's own (an attempt at another patient's entry lands in that patient's log)."""
    return AccessRecord(
        interaction=interaction,
        recorded=recorded,
        outcome=outcome,
        subject=subject,
        subject_name=subject_name,
        who=f"Patient/{viewer_patient}",
        roles=("patient",),
        client_id=CABINET_CLIENT,
        source_ip=source_ip,
        resource_type=resource_type,
        resource_id=resource_id,
        patient_id=record_patient or viewer_patient,
        query=query,
        purpose_of_use=("PATRQT",),
        request_id=request_id,
        detail=detail,
    )


def worker_view(
    *,
    interaction: str,
    recorded: dt.datetime,
    patient: str,
    subject: str,
    name: str | None,
    organization: str,
    role: str,
    resource_type: str | None = None,
    resource_id: str | None = None,
    query: str | None = None,
    outcome: Outcome = Outcome.SUCCESS,
    detail: str | None = None,
    source_ip: str | None = None,
    request_id: str | None = None,
) -> AccessRecord:
    """A medical worker reading a patient's record in the cabinet for their organisation (BALP:
    the requestor is the worker, purpose TREAT). The person is named with the organisation
    («Врачёва Е. П., ГБУЗ …»): that is what the patient's «Кто смотрел мою карту» shows."""
    return AccessRecord(
        interaction=interaction,
        recorded=recorded,
        outcome=outcome,
        subject=subject,
        subject_name=f"{name or subject}, {organization}",
        roles=(role,),
        client_id=CABINET_CLIENT,
        source_ip=source_ip,
        resource_type=resource_type,
        resource_id=resource_id,
        patient_id=patient,
        query=query,
        purpose_of_use=("TREAT",),
        request_id=request_id,
        detail=detail,
    )


@dataclass(frozen=True, slots=True)
class AuditRow:
    """An AuditEvent ready to store: the searchable columns and the JSON as served."""

    event_id: str
    recorded: dt.datetime
    patient: str | None
    agent: str | None
    action: str
    outcome: str
    client_id: str | None
    resource: str | None
    request_id: str | None
    resource_json: str
    subtype: str | None = None

    def to_journal(self) -> dict[str, Any]:
        return {
            "event_id": self.event_id,
            "recorded": self.recorded.isoformat(),
            "patient": self.patient,
            "agent": self.agent,
            "action": self.action,
            "outcome": self.outcome,
            "client_id": self.client_id,
            "resource": self.resource,
            "request_id": self.request_id,
            "resource_json": self.resource_json,
            "subtype": self.subtype,
        }

    @classmethod
    def from_journal(cls, data: dict[str, Any]) -> AuditRow:
        return cls(
            event_id=str(data["event_id"]),
            recorded=dt.datetime.fromisoformat(str(data["recorded"])),
            patient=data.get("patient"),
            agent=data.get("agent"),
            action=str(data["action"]),
            outcome=str(data["outcome"]),
            client_id=data.get("client_id"),
            resource=data.get("resource"),
            request_id=data.get("request_id"),
            resource_json=str(data["resource_json"]),
            subtype=data.get("subtype"),  # absent in segments written before 0003a
        )


def _instant(value: dt.datetime) -> str:
    """A FHIR instant in UTC with milliseconds."""
    return value.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _coding(system: str, code: str, display: str | None = None) -> dict[str, str]:
    coding = {"system": system, "code": code}
    if display:
        coding["display"] = display
    return coding


def _person(record: AccessRecord) -> dict[str, Any]:
    who: dict[str, Any] = {}
    if record.who:
        who["reference"] = record.who
    if record.subject:
        who["identifier"] = {"system": SUBJECT_SYSTEM, "value": record.subject}
    if record.subject_name:
        who["display"] = record.subject_name
    agent: dict[str, Any] = {
        "type": {"coding": [_coding(PARTICIPATION_TYPE, "IRCP", "information recipient")]},
        "requestor": True,
    }
    if who:
        agent["who"] = who
    if record.roles:
        agent["role"] = [{"text": role} for role in record.roles]
    if record.token_id:
        agent["policy"] = [record.token_id]
    if record.purpose_of_use:
        agent["purposeOfUse"] = [{"coding": [_coding(ACT_REASON, code)]} for code in record.purpose_of_use]
    return agent


def _client(record: AccessRecord) -> dict[str, Any]:
    agent: dict[str, Any] = {
        "type": {"coding": [_coding(DCM, "110153", "Source Role ID")]},
        "requestor": record.subject is None,  # a system token: the client itself asked
    }
    if record.client_id:
        agent["who"] = {"identifier": {"system": CLIENT_SYSTEM, "value": record.client_id}}
    if record.source_ip:
        agent["network"] = {"address": record.source_ip, "type": "2"}  # 2 = IP address
    return agent


def _server(observer: str) -> dict[str, Any]:
    return {
        "type": {"coding": [_coding(DCM, "110152", "Destination Role ID")]},
        "who": {"identifier": {"system": SERVER_SYSTEM, "value": observer}},
        "requestor": False,
    }


def _entities(record: AccessRecord) -> list[dict[str, Any]]:
    entities: list[dict[str, Any]] = []
    if record.patient_id:
        entities.append(
            {
                "what": {"reference": f"Patient/{record.patient_id}"},
                "type": _coding(ENTITY_TYPE, "1", "Person"),
                "role": _coding(OBJECT_ROLE, "1", "Patient"),
            }
        )
    is_the_patient = record.resource_type == "Patient" and record.resource_id == record.patient_id
    if record.resource_type and record.resource_id and not is_the_patient:
        entities.append(
            {
                "what": {"reference": f"{record.resource_type}/{record.resource_id}"},
                "type": _coding(ENTITY_TYPE, "2", "System Object"),
                "role": _coding(OBJECT_ROLE, "4", "Domain Resource"),
            }
        )
    if record.query is not None:
        entities.append(
            {
                "type": _coding(ENTITY_TYPE, "2", "System Object"),
                "role": _coding(OBJECT_ROLE, "24", "Query"),
                "query": base64.b64encode(record.query.encode()).decode("ascii"),
            }
        )
    if record.request_id:
        entities.append(
            {
                "what": {"identifier": {"value": record.request_id}},
                "type": _coding(BALP_ENTITY_TYPE, "XrequestId"),
            }
        )
    return entities


def build_audit_event(record: AccessRecord, *, observer: str) -> dict[str, Any]:
    """The BALP AuditEvent of ``record`` as a FHIR R4 JSON dict; ``observer`` names this server."""
    event: dict[str, Any] = {
        "resourceType": "AuditEvent",
        "id": record.event_id,
        "type": _coding(AUDIT_EVENT_TYPE, "rest", "Restful Operation"),
        "subtype": [_coding(RESTFUL_INTERACTION, record.interaction)],
        "action": record.action,
        "recorded": _instant(record.recorded),
        "outcome": record.outcome.value,
    }
    if record.detail:
        event["outcomeDesc"] = record.detail
    if record.purpose_of_use:
        event["purposeOfEvent"] = [{"coding": [_coding(ACT_REASON, code)]} for code in record.purpose_of_use]
    event["agent"] = [_client(record), _server(observer)]
    if record.subject is not None:
        event["agent"].append(_person(record))
    event["source"] = {
        "observer": {"identifier": {"system": SERVER_SYSTEM, "value": observer}},
        "type": [_coding(SOURCE_TYPE, "4", "Application Server")],
    }
    entities = _entities(record)
    if entities:
        event["entity"] = entities
    return event


def to_row(record: AccessRecord, *, observer: str) -> AuditRow:
    """``record`` as a row: the AuditEvent JSON (compact, as served) and its search columns."""
    body = json.dumps(build_audit_event(record, observer=observer), ensure_ascii=False, separators=(",", ":"))
    return AuditRow(
        event_id=record.event_id,
        recorded=record.recorded.astimezone(dt.UTC),
        patient=record.patient_id,
        agent=record.agent,
        action=record.action,
        outcome=record.outcome.value,
        client_id=record.client_id,
        resource=record.resource,
        request_id=record.request_id,
        resource_json=body,
        subtype=record.interaction,
    )
