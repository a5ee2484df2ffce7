"""SQL for the outbox: inserts, lookups, the claim of due rows, and operator queries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.orm import Session, selectinload

from notifier.messages.models import DeliveryAttempt, Message


def add(session: Session, message: Message) -> Message:
    session.add(message)
    session.flush()
    return message


def get(session: Session, message_id: str, *, with_attempts: bool = False) -> Message | None:
    if not with_attempts:
        return session.get(Message, message_id)
    stmt = select(Message).where(Message.id == message_id).options(selectinload(Message.attempt_rows))
    return session.scalars(stmt).one_or_none()


def find_by_idempotency_key(session: Session, sender: str, key: str) -> Message | None:
    stmt = select(Message).where(Message.sender == sender, Message.idempotency_key == key)
    return session.scalars(stmt).one_or_none()


def lock_due(session: Session, now: dt.datetime, limit: int) -> Sequence[Message]:
    """Rows a dispatcher may take now, locked for this transaction.

    Due: queued or failed with ``next_attempt_at`` reached, or ``sending`` whose lease ran out (the
    claiming process died). On PostgreSQL ``FOR UPDATE SKIP LOCKED`` lets replicas claim disjoint
    sets without waiting; SQLite ignores the clause and the caller's ``BEGIN IMMEDIATE`` serialises
    claimers instead.
    """
    stmt = (
        select(Message)
        .where(
            or_(
                and_(Message.status.in_(("queued", "failed")), Message.next_attempt_at <= now),
                and_(Message.status == "sending", Message.claimed_until <= now),
            )
        )
        .order_by(Message.next_attempt_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return session.scalars(stmt).all()


def extend_claims(session: Session, *, token: str, until: dt.datetime) -> int:
    """Move the lease end of every message still claimed under ``token`` to ``until``.

    A message another dispatcher has taken over carries that dispatcher's token and is left alone."""
    result = session.execute(
        update(Message)
        .where(Message.status == "sending", Message.claim_token == token)
        .values(claimed_until=until)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def open_attempts(session: Session, message_id: str) -> Sequence[DeliveryAttempt]:
    stmt = select(DeliveryAttempt).where(
        DeliveryAttempt.message_id == message_id, DeliveryAttempt.status == "sending"
    )
    return session.scalars(stmt).all()


def add_attempt(session: Session, attempt: DeliveryAttempt) -> DeliveryAttempt:
    session.add(attempt)
    session.flush()
    return attempt


def get_attempt(session: Session, attempt_id: int) -> DeliveryAttempt | None:
    return session.get(DeliveryAttempt, attempt_id)


def list_by_status(session: Session, status: str, limit: int) -> Sequence[Message]:
    stmt = (
        select(Message)
        .where(Message.status == status)
        .order_by(Message.updated_at.desc())
        .limit(limit)
        .options(selectinload(Message.attempt_rows))
    )
    return session.scalars(stmt).all()


def count_by_status(session: Session) -> dict[str, int]:
    rows = session.execute(select(Message.status, func.count()).group_by(Message.status)).all()
    return {status: int(count) for status, count in rows}


def purge_expired_dead_params(session: Session, now: dt.datetime) -> int:
    """Dead messages whose code has expired can never be requeued: drop their parameters."""
    result = session.execute(
        update(Message)
        .where(Message.status == "dead", Message.expires_at <= now, Message.params_sealed.is_not(None))
        .values(params_sealed=None, params_purged_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def delete_finished_before(session: Session, cutoff: dt.datetime) -> int:
    """Drop finished messages last touched before ``cutoff`` (their attempts go by ON DELETE CASCADE)."""
    result = session.execute(
        delete(Message)
        .where(Message.status.in_(("delivered", "expired", "dead")), Message.updated_at < cutoff)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)
