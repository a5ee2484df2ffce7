"""SQL of the notification tables."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import and_, select, update
from sqlalchemy.orm import Session

from egisz_api.notifications.models import (
    AccessNoticeMark,
    NotificationCursor,
    NotificationOutboxRow,
    NotificationPreference,
)


def preference(session: Session, patient_id: str) -> NotificationPreference | None:
    return session.get(NotificationPreference, patient_id)


def save_preference(session: Session, row: NotificationPreference) -> None:
    session.merge(row)
    session.flush()


def outbox_key_exists(session: Session, key: str) -> bool:
    stmt = select(NotificationOutboxRow.id).where(NotificationOutboxRow.idempotency_key == key)
    return session.scalar(stmt) is not None


def add_outbox(session: Session, row: NotificationOutboxRow) -> None:
    session.add(row)
    session.flush()


def due(session: Session, now: dt.datetime, limit: int) -> Sequence[NotificationOutboxRow]:
    stmt = (
        select(NotificationOutboxRow)
        .where(NotificationOutboxRow.status == "pending", NotificationOutboxRow.next_attempt_at <= now)
        .order_by(NotificationOutboxRow.next_attempt_at, NotificationOutboxRow.id)
        .limit(limit)
    )
    return session.scalars(stmt).all()


def lease(session: Session, row_id: int, seen_at: dt.datetime, until: dt.datetime) -> bool:
    """Move a due row's next attempt to ``until`` unless another dispatcher did first."""
    result = session.execute(
        update(NotificationOutboxRow)
        .where(
            and_(
                NotificationOutboxRow.id == row_id,
                NotificationOutboxRow.status == "pending",
                NotificationOutboxRow.next_attempt_at == seen_at,
            )
        )
        .values(next_attempt_at=until)
    )
    return bool(getattr(result, "rowcount", 0))


def outbox_row(session: Session, row_id: int) -> NotificationOutboxRow | None:
    return session.get(NotificationOutboxRow, row_id)


def for_patient(session: Session, patient_id: str, limit: int) -> Sequence[NotificationOutboxRow]:
    stmt = (
        select(NotificationOutboxRow)
        .where(NotificationOutboxRow.patient_id == patient_id)
        .order_by(NotificationOutboxRow.id.desc())
        .limit(limit)
    )
    return session.scalars(stmt).all()


def access_marked(session: Session, patient_id: str, accessor: str, day: str) -> bool:
    stmt = select(AccessNoticeMark.id).where(
        AccessNoticeMark.patient_id == patient_id,
        AccessNoticeMark.accessor == accessor,
        AccessNoticeMark.day == day,
    )
    return session.scalar(stmt) is not None


def has_due(session: Session, now: dt.datetime) -> bool:
    stmt = select(NotificationOutboxRow.id).where(
        NotificationOutboxRow.status == "pending", NotificationOutboxRow.next_attempt_at <= now
    )
    return session.scalar(stmt.limit(1)) is not None


def mark_access(session: Session, patient_id: str, accessor: str, day: str) -> bool:
    """True when this (patient, accessor, day) was not marked yet (and is now)."""
    stmt = select(AccessNoticeMark.id).where(
        AccessNoticeMark.patient_id == patient_id,
        AccessNoticeMark.accessor == accessor,
        AccessNoticeMark.day == day,
    )
    if session.scalar(stmt) is not None:
        return False
    session.add(AccessNoticeMark(patient_id=patient_id, accessor=accessor, day=day))
    session.flush()
    return True


def cursor(session: Session, name: str) -> NotificationCursor | None:
    return session.get(NotificationCursor, name)


def save_cursor(session: Session, name: str, position: int) -> None:
    session.merge(NotificationCursor(name=name, position=position))
    session.flush()
