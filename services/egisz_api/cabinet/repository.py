"""SQL of the cabinet's tables."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from egisz_api.cabinet.models import CabinetLogin, CabinetLogoutToken, CabinetSession


def add(db: Session, row: CabinetSession | CabinetLogin | CabinetLogoutToken) -> None:
    db.add(row)
    db.flush()


def session_by_hash(db: Session, id_hash: str) -> CabinetSession | None:
    return db.get(CabinetSession, id_hash)


def end_sessions(
    db: Session, *, now: dt.datetime, reason: str, idp_sid: str | None = None, oid: str | None = None
) -> int:
    """End the open sessions of an idp session and/or a subject; the number ended."""
    conditions = []
    if idp_sid is not None:
        conditions.append(CabinetSession.idp_sid == idp_sid)
    if oid is not None:
        conditions.append(CabinetSession.oid == oid)
    if not conditions:
        return 0
    result = db.execute(
        update(CabinetSession)
        .where(CabinetSession.ended_at.is_(None), *conditions)
        .values(ended_at=now, end_reason=reason)
        .execution_options(synchronize_session="fetch")
    )
    return int(getattr(result, "rowcount", 0) or 0)


def purge_sessions(db: Session, *, before: dt.datetime) -> None:
    """Forget sessions that ended or expired before ``before`` (kept till then to say «Сессия
    истекла» rather than a bare login page)."""
    db.execute(
        delete(CabinetSession).where(
            or_(CabinetSession.expires_at < before, CabinetSession.ended_at < before)
        )
    )


def take_login(db: Session, state_hash: str) -> CabinetLogin | None:
    """The pending login of this state, removed: a state is used once."""
    row = db.get(CabinetLogin, state_hash)
    if row is None:
        return None
    db.expunge(row)
    # the DELETE decides between two callbacks racing with one state: only one removes the row
    result = db.execute(delete(CabinetLogin).where(CabinetLogin.state_hash == state_hash))
    return row if getattr(result, "rowcount", 0) == 1 else None


def purge_logins(db: Session, *, now: dt.datetime) -> None:
    db.execute(delete(CabinetLogin).where(CabinetLogin.expires_at < now))


def logout_token_seen(db: Session, jti: str) -> bool:
    return db.scalar(select(CabinetLogoutToken.jti).where(CabinetLogoutToken.jti == jti)) is not None


def purge_logout_tokens(db: Session, *, now: dt.datetime) -> None:
    db.execute(delete(CabinetLogoutToken).where(CabinetLogoutToken.expires_at < now))
