from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from idp.login.models import Interaction
from shared.db import utcnow


def add(session: Session, row: Interaction) -> Interaction:
    session.add(row)
    session.flush()
    return row


def by_handle(session: Session, handle: str) -> Interaction | None:
    return session.scalar(select(Interaction).where(Interaction.handle == handle))


def delete_interaction(session: Session, row: Interaction) -> None:
    session.delete(row)
    session.flush()


def purge_expired(session: Session) -> None:
    session.execute(delete(Interaction).where(Interaction.expires_at < utcnow()))
