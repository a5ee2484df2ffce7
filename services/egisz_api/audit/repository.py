from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from egisz_api.audit.models import AccessEvent


def add(session: Session, event: AccessEvent) -> AccessEvent:
    session.add(event)
    session.flush()
    return event


def for_subject(session: Session, subject: str, limit: int = 50) -> Sequence[AccessEvent]:
    stmt = (
        select(AccessEvent)
        .where(AccessEvent.subject == subject)
        .order_by(AccessEvent.occurred_at.desc(), AccessEvent.id.desc())
        .limit(limit)
    )
    return session.scalars(stmt).all()
