from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from idp.keys.models import SigningKey


def published_keys(session: Session) -> Sequence[SigningKey]:
    stmt = (
        select(SigningKey)
        .where(SigningKey.state.in_(("next", "current", "previous")))
        .order_by(SigningKey.id)
    )
    return session.scalars(stmt).all()


def keys_in_state(session: Session, alg: str, state: str) -> Sequence[SigningKey]:
    stmt = select(SigningKey).where(SigningKey.alg == alg, SigningKey.state == state).order_by(SigningKey.id)
    return session.scalars(stmt).all()


def add_key(session: Session, key: SigningKey) -> SigningKey:
    session.add(key)
    session.flush()
    return key
