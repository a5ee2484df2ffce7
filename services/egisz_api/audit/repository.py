from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import and_, false, func, insert, or_, select
from sqlalchemy.orm import Session

from egisz_api.audit.models import AccessEvent, AuditEventRow
from egisz_api.audit.query import AuditQuery


def add(session: Session, event: AccessEvent) -> AccessEvent:
    session.add(event)
    session.flush()
    return event


def for_subject(session: Session, subject: str, limit: int = 50) -> Sequence[AccessEvent]:
    stmt = (
        select(AccessEvent)
        .where(AccessEvent.subject == subject)
        .order_by(AccessEvent.occurred_at.desc(), AccessEvent.id.desc())
        .limit(limit)
    )
    return session.scalars(stmt).all()


# --- audit_events: INSERT and SELECT only (the table is append-only) ---------------------------


def existing_event_ids(session: Session, event_ids: Iterable[str]) -> set[str]:
    ids = list(event_ids)
    found: set[str] = set()
    for start in range(0, len(ids), 500):  # stay under every backend's bound-parameter limit
        chunk = ids[start : start + 500]
        found.update(session.scalars(select(AuditEventRow.event_id).where(AuditEventRow.event_id.in_(chunk))))
    return found


def insert_events(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """One executemany INSERT for the whole batch."""
    if rows:
        session.execute(insert(AuditEventRow), list(rows))


def search_events(session: Session, query: AuditQuery) -> Sequence[tuple[int, Any, str, str]]:
    """(seq, recorded, event_id, resource_json) of one page plus one row (to tell whether a next
    page exists)."""
    table = AuditEventRow
    stmt = select(table.seq, table.recorded, table.event_id, table.resource_json)
    if query.patient is not None:
        stmt = stmt.where(table.patient == query.patient)
    if query.agent is not None:
        stmt = stmt.where(table.agent == query.agent)
    if not query.satisfiable:
        stmt = stmt.where(false())
    if query.actions:
        stmt = stmt.where(table.action.in_(query.actions))
    if query.outcomes:
        stmt = stmt.where(table.outcome.in_(query.outcomes))
    if query.subtypes:
        stmt = stmt.where(table.subtype.in_(query.subtypes))
    if query.entity is not None:
        if query.entity.startswith("Patient/"):
            patient = query.entity.removeprefix("Patient/")
            stmt = stmt.where(or_(table.patient == patient, table.resource == query.entity))
        else:
            stmt = stmt.where(table.resource == query.entity)
    if query.since is not None:
        stmt = stmt.where(table.recorded >= query.since)
    if query.until is not None:
        stmt = stmt.where(table.recorded < query.until)
    if query.after is not None:
        at, seq = query.after.recorded, query.after.seq
        if query.newest_first:
            stmt = stmt.where(or_(table.recorded < at, and_(table.recorded == at, table.seq < seq)))
        else:
            stmt = stmt.where(or_(table.recorded > at, and_(table.recorded == at, table.seq > seq)))
    if query.newest_first:
        stmt = stmt.order_by(table.recorded.desc(), table.seq.desc())
    else:
        stmt = stmt.order_by(table.recorded.asc(), table.seq.asc())
    rows = session.execute(stmt.limit(query.count + 1)).all()
    return [(int(r[0]), r[1], str(r[2]), str(r[3])) for r in rows]


def resources_of(session: Session, event_ids: Sequence[str]) -> dict[str, str | None]:
    """The ``resource`` column (``Type`` or ``Type/id``) of the given AuditEvents."""
    if not event_ids:
        return {}
    rows = session.execute(
        select(AuditEventRow.event_id, AuditEventRow.resource).where(
            AuditEventRow.event_id.in_(list(event_ids))
        )
    ).all()
    return {str(r[0]): r[1] for r in rows}


def event_by_id(session: Session, event_id: str) -> tuple[str | None, str] | None:
    """(patient, resource_json) of one AuditEvent, or None."""
    row = session.execute(
        select(AuditEventRow.patient, AuditEventRow.resource_json).where(AuditEventRow.event_id == event_id)
    ).first()
    return None if row is None else (row[0], str(row[1]))


def patient_events_after(session: Session, after_seq: int, limit: int) -> Sequence[AuditEventRow]:
    """Events that name a patient, in storage order after ``after_seq`` (the notices' scan)."""
    stmt = (
        select(AuditEventRow)
        .where(AuditEventRow.seq > after_seq, AuditEventRow.patient.is_not(None))
        .order_by(AuditEventRow.seq)
        .limit(limit)
    )
    return session.scalars(stmt).all()


def last_seq(session: Session) -> int:
    return int(session.scalar(select(func.coalesce(func.max(AuditEventRow.seq), 0))) or 0)
