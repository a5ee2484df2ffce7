"""The dev outbox: messages "sent" in dev mode, kept for a person running the demo to read."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from notifier.dev_outbox import repository
from notifier.dev_outbox.models import DevOutboxEntry


def store_entry(
    session: Session, *, message_id: str, channel: str, address: str, subject: str | None, body: str
) -> DevOutboxEntry:
    entry = DevOutboxEntry(
        message_id=message_id, channel=channel, address=address, subject=subject, body=body
    )
    return repository.add(session, entry)


def recent_entries(
    session: Session, *, address: str | None = None, limit: int = 50
) -> Sequence[DevOutboxEntry]:
    if address is not None and "\x00" in address:
        # No address holds a NUL, and PostgreSQL refuses one in a query parameter (was a 500).
        return []
    return repository.recent(session, address=address, limit=limit)
