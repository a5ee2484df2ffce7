from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from notifier.dev_outbox.models import DevOutboxEntry


def add(session: Session, entry: DevOutboxEntry) -> DevOutboxEntry:
    session.add(entry)
    session.flush()
    return entry


def recent(session: Session, *, address: str | None, limit: int) -> Sequence[DevOutboxEntry]:
    stmt = select(DevOutboxEntry).order_by(DevOutboxEntry.id.desc()).limit(limit)
    if address:
        stmt = stmt.where(DevOutboxEntry.address == address)
    return session.scalars(stmt).all()
