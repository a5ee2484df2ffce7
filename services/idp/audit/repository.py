from __future__ import annotations

import datetime as dt
from collections.abc import Generator, Sequence

from sqlalchemy import RowMapping, delete, func, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from idp.audit.models import SecurityEvent, SecurityLogHead

HEAD_ID = 1
_events = SecurityEvent.__table__


def lock_head(session: Session, genesis: str) -> SecurityLogHead:
    """The head row, locked until the transaction ends (``SELECT ... FOR UPDATE`` on PostgreSQL;
    SQLite has no row locks: the request session's ``BEGIN IMMEDIATE`` already holds the write
    lock). Created on first use.

    ``populate_existing``: sessions keep objects across commits (``expire_on_commit=False``); should
    anything still hold the head from an earlier transaction, its stale ``last_hash`` would fork the
    chain, so the locked read always refreshes it.
    """
    stmt = (
        select(SecurityLogHead)
        .where(SecurityLogHead.id == HEAD_ID)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    head = session.scalars(stmt).one_or_none()
    if head is None:
        _insert_head_if_missing(session, genesis)
        head = session.scalars(stmt).one()
    return head


def _insert_head_if_missing(session: Session, genesis: str) -> None:
    values = {"id": HEAD_ID, "last_hash": genesis, "last_event_id": None}
    dialect = session.get_bind().dialect.name
    # Two first appends at once: the loser's insert waits for the winner and then does nothing.
    if dialect == "postgresql":
        session.execute(pg_insert(SecurityLogHead).values(values).on_conflict_do_nothing())
    elif dialect == "sqlite":
        session.execute(sqlite_insert(SecurityLogHead).values(values).on_conflict_do_nothing())
    else:
        session.execute(insert(SecurityLogHead).values(values))


def read_head(session: Session) -> SecurityLogHead | None:
    stmt = (
        select(SecurityLogHead).where(SecurityLogHead.id == HEAD_ID).execution_options(populate_existing=True)
    )
    return session.scalars(stmt).one_or_none()


def add(session: Session, event: SecurityEvent) -> SecurityEvent:
    session.add(event)
    session.flush()
    return event


def stream_rows(
    session: Session, *, up_to_id: int | None = None, since: dt.datetime | None = None
) -> Generator[RowMapping, None, None]:
    """Every event as a plain mapping, in id order, a batch at a time (no ORM identity map)."""
    stmt = select(_events).order_by(_events.c.id)
    if up_to_id is not None:
        stmt = stmt.where(_events.c.id <= up_to_id)
    if since is not None:
        stmt = stmt.where(_events.c.occurred_at >= since)
    result = session.execute(stmt.execution_options(yield_per=1000))
    try:
        for row in result:
            yield row._mapping
    finally:
        result.close()  # a walk that stops early must not leave PostgreSQL's server-side cursor open


def for_account(
    session: Session, account_id: int, limit: int, before_id: int | None
) -> Sequence[SecurityEvent]:
    stmt = select(SecurityEvent).where(SecurityEvent.account_id == account_id)
    if before_id is not None:
        stmt = stmt.where(SecurityEvent.id < before_id)
    return session.scalars(stmt.order_by(SecurityEvent.id.desc()).limit(limit)).all()


def first_event_at_or_after(session: Session, cutoff: dt.datetime) -> SecurityEvent | None:
    stmt = select(func.min(SecurityEvent.id)).where(SecurityEvent.occurred_at >= cutoff)
    first_id = session.scalar(stmt)
    return session.get(SecurityEvent, first_id) if first_id is not None else None


def delete_before(session: Session, boundary_id: int | None) -> int:
    """Delete the events with an id below ``boundary_id`` (every event when it is None)."""
    stmt = delete(SecurityEvent)
    if boundary_id is not None:
        stmt = stmt.where(SecurityEvent.id < boundary_id)
    result = session.execute(stmt.execution_options(synchronize_session=False))
    return int(getattr(result, "rowcount", 0) or 0)
