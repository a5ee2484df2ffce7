"""SQL of the parked forms."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete
from sqlalchemy.orm import Session

from egisz_api.worker_forms.models import ParkedForm


def add(db: Session, row: ParkedForm) -> None:
    db.add(row)
    db.flush()


def find(db: Session, id_hash: str) -> ParkedForm | None:
    return db.get(ParkedForm, id_hash)


def remove(db: Session, id_hash: str, *, session_hash: str) -> None:
    """Forget a parked form once written: only the parking session's (a handle is no capability)."""
    db.execute(
        delete(ParkedForm).where(ParkedForm.id_hash == id_hash, ParkedForm.session_hash == session_hash)
    )


def purge(db: Session, *, now: dt.datetime) -> None:
    db.execute(delete(ParkedForm).where(ParkedForm.expires_at <= now))
