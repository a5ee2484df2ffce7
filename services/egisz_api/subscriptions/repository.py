"""SQL of the Subscription tables."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from egisz_api.subscriptions.models import SubscriptionOutboxRow, SubscriptionRow


def add(session: Session, row: SubscriptionRow) -> SubscriptionRow:
    session.add(row)
    session.flush()
    return row


def by_id(session: Session, resource_id: str) -> SubscriptionRow | None:
    return session.scalars(select(SubscriptionRow).where(SubscriptionRow.resource_id == resource_id)).first()


def by_pk(session: Session, pk: int) -> SubscriptionRow | None:
    return session.get(SubscriptionRow, pk)


def of_client(session: Session, client_id: str) -> list[SubscriptionRow]:
    statement = (
        select(SubscriptionRow)
        .where(SubscriptionRow.client_id == client_id, SubscriptionRow.status != "off")
        .order_by(SubscriptionRow.pk)
    )
    return list(session.scalars(statement))


def active_for(session: Session, resource_type: str, patient_id: str) -> list[SubscriptionRow]:
    statement = select(SubscriptionRow).where(
        SubscriptionRow.resource_type == resource_type,
        SubscriptionRow.patient_id == patient_id,
        SubscriptionRow.status == "active",
    )
    return list(session.scalars(statement))


def add_notification(session: Session, row: SubscriptionOutboxRow) -> None:
    session.add(row)


def has_due(session: Session, now: dt.datetime) -> bool:
    statement = select(SubscriptionOutboxRow.id).where(
        SubscriptionOutboxRow.status == "pending", SubscriptionOutboxRow.next_attempt_at <= now
    )
    return session.scalars(statement.limit(1)).first() is not None


def due(session: Session, now: dt.datetime, limit: int) -> list[SubscriptionOutboxRow]:
    statement = (
        select(SubscriptionOutboxRow)
        .where(SubscriptionOutboxRow.status == "pending", SubscriptionOutboxRow.next_attempt_at <= now)
        .order_by(SubscriptionOutboxRow.id)
        .limit(limit)
    )
    return list(session.scalars(statement))


def lease(session: Session, row_id: int, seen: dt.datetime, until: dt.datetime) -> bool:
    """Move a due row's next attempt a lease ahead, unless another dispatcher did first."""
    result = session.execute(
        update(SubscriptionOutboxRow)
        .where(
            SubscriptionOutboxRow.id == row_id,
            SubscriptionOutboxRow.status == "pending",
            or_(SubscriptionOutboxRow.next_attempt_at == seen),
        )
        .values(next_attempt_at=until)
    )
    return bool(getattr(result, "rowcount", 0))


def outbox_row(session: Session, row_id: int) -> SubscriptionOutboxRow | None:
    return session.get(SubscriptionOutboxRow, row_id)


def notifications_of(session: Session, subscription_pk: int) -> list[SubscriptionOutboxRow]:
    statement = (
        select(SubscriptionOutboxRow)
        .where(SubscriptionOutboxRow.subscription_pk == subscription_pk)
        .order_by(SubscriptionOutboxRow.id)
    )
    return list(session.scalars(statement))
