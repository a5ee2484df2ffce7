from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from idp.tokens.models import AuthorizationCode, IssuedAccessToken, RefreshToken, UsedClientAssertion


def add(session: Session, row: object) -> None:
    session.add(row)
    session.flush()


# --- authorization codes -------------------------------------------------------------------
def code_by_hash(session: Session, code_hash: str) -> AuthorizationCode | None:
    return session.scalar(select(AuthorizationCode).where(AuthorizationCode.code_hash == code_hash))


def claim_code(session: Session, code_id: int, now: dt.datetime) -> bool:
    """Mark a code used; False if someone else already did (concurrent exchange)."""
    result = session.execute(
        update(AuthorizationCode)
        .where(AuthorizationCode.id == code_id, AuthorizationCode.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


# --- refresh tokens ------------------------------------------------------------------------
def refresh_by_hash(session: Session, token_hash: str) -> RefreshToken | None:
    return session.scalar(select(RefreshToken).where(RefreshToken.token_hash == token_hash))


def spend_refresh(session: Session, token_id: int, now: dt.datetime) -> bool:
    result = session.execute(
        update(RefreshToken)
        .where(
            RefreshToken.id == token_id, RefreshToken.spent_at.is_(None), RefreshToken.revoked_at.is_(None)
        )
        .values(spent_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


def revoke_family(session: Session, family_id: str, now: dt.datetime) -> None:
    session.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(IssuedAccessToken)
        .where(IssuedAccessToken.family_id == family_id, IssuedAccessToken.revoked_at.is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )


def revoke_for_session(session: Session, session_id: int, now: dt.datetime) -> None:
    session.execute(
        update(RefreshToken)
        .where(RefreshToken.session_id == session_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(IssuedAccessToken)
        .where(IssuedAccessToken.session_id == session_id, IssuedAccessToken.revoked_at.is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )


def revoke_for_account_client(session: Session, account_id: int, client_id: str, now: dt.datetime) -> None:
    for model in (RefreshToken, IssuedAccessToken):
        session.execute(
            update(model)
            .where(model.account_id == account_id, model.client_id == client_id, model.revoked_at.is_(None))
            .values(revoked_at=now)
            .execution_options(synchronize_session=False)
        )


def families_for_session(session: Session, session_id: int) -> Sequence[str]:
    stmt = select(RefreshToken.family_id).where(RefreshToken.session_id == session_id).distinct()
    return session.scalars(stmt).all()


# --- access tokens -------------------------------------------------------------------------
def access_token_by_jti(session: Session, jti: str) -> IssuedAccessToken | None:
    return session.scalar(select(IssuedAccessToken).where(IssuedAccessToken.jti == jti))


def revoked_access_tokens(
    session: Session, now: dt.datetime, since: dt.datetime | None
) -> Sequence[tuple[str, dt.datetime]]:
    """(jti, expires_at) of unexpired revoked access tokens, those revoked at or after ``since``."""
    stmt = select(IssuedAccessToken.jti, IssuedAccessToken.expires_at).where(
        IssuedAccessToken.revoked_at.is_not(None), IssuedAccessToken.expires_at > now
    )
    if since is not None:
        stmt = stmt.where(IssuedAccessToken.revoked_at >= since)
    return [(jti, expires_at) for jti, expires_at in session.execute(stmt)]


# --- client assertions ---------------------------------------------------------------------
def remember_assertion(
    session: Session, client_id: str, jti: str, expires_at: dt.datetime, now: dt.datetime
) -> bool:
    """Store a client assertion's jti; False if it was seen before (a replay)."""
    session.execute(delete(UsedClientAssertion).where(UsedClientAssertion.expires_at < now))
    try:
        with session.begin_nested():
            session.add(UsedClientAssertion(client_id=client_id, jti=jti, expires_at=expires_at))
            session.flush()
    except IntegrityError:
        return False
    return True
