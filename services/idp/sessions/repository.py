from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from idp.sessions.models import SessionClient, UserSession


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
