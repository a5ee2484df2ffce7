from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import and_, delete, func, or_, select
from sqlalchemy.orm import Session

from idp.sessions.models import BackchannelLogout, SessionClient, UserSession


def by_cookie_hash(session: Session, cookie_hash: str) -> UserSession | None:
    return session.scalar(select(UserSession).where(UserSession.cookie_hash == cookie_hash))


def by_sid(session: Session, sid: str) -> UserSession | None:
    return session.scalar(select(UserSession).where(UserSession.sid == sid))


def add(session: Session, row: UserSession) -> UserSession:
    session.add(row)
    session.flush()
    return row


def active_for_account(session: Session, account_id: int) -> Sequence[UserSession]:
    stmt = select(UserSession).where(UserSession.account_id == account_id, UserSession.ended_at.is_(None))
    return session.scalars(stmt).all()


def clients_of(session: Session, session_id: int) -> list[str]:
    stmt = select(SessionClient.client_id).where(SessionClient.session_id == session_id)
    return list(session.scalars(stmt).all())


def remember_client(session: Session, session_id: int, client_id: str) -> None:
    exists = session.scalar(
        select(SessionClient.id).where(
            SessionClient.session_id == session_id, SessionClient.client_id == client_id
        )
    )
    if exists is None:
        session.add(SessionClient(session_id=session_id, client_id=client_id))
        session.flush()


# --- the back-channel logout outbox ---------------------------------------------------------------


def add_logout(session: Session, row: BackchannelLogout) -> BackchannelLogout:
    session.add(row)
    session.flush()
    return row


def lock_due_logouts(session: Session, now: dt.datetime, limit: int) -> Sequence[BackchannelLogout]:
    """Outbox rows a dispatcher may take now, locked for this transaction.

    Due: queued or failed with ``next_attempt_at`` reached, or ``sending`` whose lease ran out (the
    claiming process died). ``FOR UPDATE SKIP LOCKED`` lets PostgreSQL replicas claim disjoint sets;
    SQLite ignores it and the caller's ``BEGIN IMMEDIATE`` serialises claimers.
    """
    stmt = (
        select(BackchannelLogout)
        .where(
            or_(
                and_(
                    BackchannelLogout.status.in_(("queued", "failed")),
                    BackchannelLogout.next_attempt_at <= now,
                ),
                and_(BackchannelLogout.status == "sending", BackchannelLogout.claimed_until <= now),
            )
        )
        .order_by(BackchannelLogout.next_attempt_at, BackchannelLogout.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return session.scalars(stmt).all()


def next_logout_due_at(session: Session) -> dt.datetime | None:
    """When the earliest waiting or leased row becomes due (None: nothing to deliver)."""
    waiting = select(func.min(BackchannelLogout.next_attempt_at)).where(
        BackchannelLogout.status.in_(("queued", "failed"))
    )
    leased = select(func.min(BackchannelLogout.claimed_until)).where(BackchannelLogout.status == "sending")
    times = [t for t in (session.scalar(waiting), session.scalar(leased)) if t is not None]
    return min(times) if times else None


def get_logout(session: Session, logout_id: int) -> BackchannelLogout | None:
    return session.get(BackchannelLogout, logout_id)


def has_finished_logouts_before(session: Session, cutoff: dt.datetime) -> bool:
    stmt = select(BackchannelLogout.id).where(
        BackchannelLogout.status.in_(("delivered", "dead")), BackchannelLogout.updated_at < cutoff
    )
    return session.scalar(stmt.limit(1)) is not None


def delete_finished_logouts_before(session: Session, cutoff: dt.datetime) -> int:
    """Forget delivered and dead rows last touched before ``cutoff``."""
    result = session.execute(
        delete(BackchannelLogout)
        .where(BackchannelLogout.status.in_(("delivered", "dead")), BackchannelLogout.updated_at < cutoff)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)
