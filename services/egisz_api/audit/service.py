"""The audit rules: store AuditEvent batches (idempotently: a replayed journal segment may hold
events already stored), search them with keyset paging, and the first minimal access log."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from egisz_api.audit import repository
from egisz_api.audit.balp import AuditRow
from egisz_api.audit.models import AccessEvent
from egisz_api.audit.query import AuditQuery, Cursor
from shared.logging import current_request_id


def record_access(
    session: Session,
    *,
    subject: str,
    client_id: str | None,
    action: str,
    resource: str,
    outcome: str,
    source_ip: str | None,
) -> AccessEvent:
    return repository.add(
        session,
        AccessEvent(
            subject=subject,
            client_id=client_id,
            action=action,
            resource=resource,
            outcome=outcome,
            source_ip=source_ip,
            request_id=current_request_id(),
        ),
    )


def recent_access(session: Session, subject: str) -> Sequence[AccessEvent]:
    return repository.for_subject(session, subject)


def store_events(session: Session, rows: Sequence[AuditRow]) -> int:
    """Insert the rows not stored yet (by AuditEvent id); returns how many were new. The caller's
    transaction commits them."""
    unique = {row.event_id: row for row in rows}
    known = repository.existing_event_ids(session, unique)
    fresh = [_values(row) for event_id, row in unique.items() if event_id not in known]
    repository.insert_events(session, fresh)
    return len(fresh)


def _values(row: AuditRow) -> dict[str, Any]:
    return {
        "event_id": row.event_id,
        "recorded": row.recorded,
        "patient": row.patient,
        "agent": row.agent,
        "action": row.action,
        "outcome": row.outcome,
        "client_id": row.client_id,
        "resource": row.resource,
        "request_id": row.request_id,
        "resource_json": row.resource_json,
        "subtype": row.subtype,
    }


@dataclass(frozen=True, slots=True)
class AuditPage:
    """One page of a search: the AuditEvents' ids, the events as stored (JSON text, served as is)
    and the cursor of the next page (None on the last)."""

    ids: list[str]
    entries: list[str]
    next_cursor: str | None

    def resources(self) -> list[dict[str, Any]]:
        return [json.loads(entry) for entry in self.entries]


def search(
    session: Session,
    *,
    patient: str | None = None,
    date_from: dt.datetime | None = None,
    date_to: dt.datetime | None = None,
    agent: str | None = None,
    actions: Sequence[str] = (),
    outcomes: Sequence[str] = (),
    subtypes: Sequence[str] = (),
    entity: str | None = None,
    satisfiable: bool = True,
    newest_first: bool = True,
    count: int = 20,
    cursor: str | None = None,
) -> AuditPage:
    """AuditEvents matching every filter given, ``date_from`` inclusive and ``date_to`` exclusive,
    ordered by ``recorded`` (then storage order), ``count`` per page. Paging is by keyset: a page
    never repeats or skips an event that was there when the previous page was read."""
    query = AuditQuery(
        patient=patient,
        since=date_from,
        until=date_to,
        agent=agent,
        actions=tuple(actions),
        outcomes=tuple(outcomes),
        subtypes=tuple(subtypes),
        entity=entity,
        satisfiable=satisfiable,
        newest_first=newest_first,
        count=count,
        after=Cursor.decode(cursor) if cursor else None,
    )
    rows = repository.search_events(session, query)
    page = rows[:count]
    next_cursor = None
    if len(rows) > count:
        seq, recorded, _, _ = page[-1]
        next_cursor = Cursor(recorded, seq).encode()
    return AuditPage([row[2] for row in page], [row[3] for row in page], next_cursor)


def resources_touched(session: Session, event_ids: Sequence[str]) -> dict[str, str | None]:
    """What each AuditEvent touched (``Type`` for a search, ``Type/id`` for a read): a search's
    resource type is a column, not part of the BALP JSON."""
    return repository.resources_of(session, event_ids)


def event(session: Session, event_id: str) -> tuple[str | None, str] | None:
    """(patient id, the AuditEvent JSON as stored) of one event, or None when there is none."""
    return repository.event_by_id(session, event_id)


@dataclass(frozen=True, slots=True)
class PatientAccess:
    """One stored access to a patient's data, as the «access to my record» notices read it."""

    seq: int
    recorded: dt.datetime
    patient: str
    #: the person as recorded (their reference, else the token subject)
    agent: str | None
    #: how the AuditEvent names the person (display), else ``agent``
    accessor: str
    client_id: str | None
    granted: bool
    #: v3 PurposeOfUse codes of the requestor (PATRQT: the patient themselves)
    purposes: tuple[str, ...]


def _requestor(event: dict[str, Any]) -> dict[str, Any]:
    for agent in event.get("agent") or []:
        if isinstance(agent, dict) and agent.get("requestor"):
            return agent
    return {}


def patient_accesses_after(session: Session, after_seq: int, limit: int = 500) -> list[PatientAccess]:
    """Stored accesses that name a patient, after ``after_seq`` in storage order. The trail is
    append-only, so a reader that remembers the last ``seq`` it saw misses none."""
    found = []
    for row in repository.patient_events_after(session, after_seq, limit):
        event = json.loads(row.resource_json)
        requestor = _requestor(event)
        who = requestor.get("who") or {}
        purposes = tuple(
            str(coding.get("code"))
            for concept in requestor.get("purposeOfUse") or []
            for coding in concept.get("coding") or []
        )
        found.append(
            PatientAccess(
                seq=row.seq,
                recorded=row.recorded,
                patient=str(row.patient),
                agent=row.agent,
                accessor=str(who.get("display") or row.agent or row.client_id or "?"),
                client_id=row.client_id,
                granted=row.outcome == "0",
                purposes=purposes,
            )
        )
    return found


def last_stored_seq(session: Session) -> int:
    """Where a new reader of the trail starts (it tells about accesses from now on)."""
    return repository.last_seq(session)
