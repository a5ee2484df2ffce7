"""Requests waiting for a one-time code (``PendingLogin``): a login whose password was right, a
recovery, a registration's phone confirmation, a key-data change. Each is parked under a random
handle the page carries, found only while unexpired and for its own purpose, and finished (deleted)
once its code was right, so a handle works once."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from idp.second_factor import repository
from idp.second_factor.models import PendingLogin


def park(session: Session, row: PendingLogin, now: dt.datetime) -> PendingLogin:
    """Store a pending request, clearing the expired ones first."""
    repository.purge_expired_pending(session, now)
    return repository.add_pending(session, row)


def find(session: Session, handle: str | None, purpose: str, now: dt.datetime) -> PendingLogin | None:
    """The live request behind ``handle``, or None when unknown, expired or of another purpose."""
    if not handle:
        return None
    row = repository.pending_by_handle(session, handle)
    if row is None or row.purpose != purpose or row.expires_at <= now:
        return None
    return row


def finish(session: Session, row: PendingLogin) -> None:
    repository.delete_pending(session, row)
