"""The security log's tables: the events, and a one-row head that serialises appends.

``account_id`` is a plain integer on purpose, with no foreign key: the log outlives the accounts it
talks about (R-SEC-1 keeps it at least six months, an account may be deleted sooner).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from idp.database import Base
from shared.db import UTCDateTime, utcnow


class SecurityEvent(Base):
    __tablename__ = "security_events"
    __table_args__ = (
        # «Журнал событий»: one person's events, newest first, paged by id.
        Index("ix_security_events_account_id_id", "account_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    account_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    #: who acted: ``account:<id>``, ``admin:<client_id>`` or ``system``
    actor: Mapped[str] = mapped_column(String(160))
    event_type: Mapped[str] = mapped_column(String(64))
    #: success | failure
    result: Mapped[str] = mapped_column(String(16))
    ip: Mapped[str | None] = mapped_column(String(64), nullable=True)
    user_agent: Mapped[str | None] = mapped_column(String(300), nullable=True)
    #: ids and reasons only: never a secret, a code or personal data
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: hash of the previous event (the chain); the first event after genesis or a purge is the anchor
    prev_hash: Mapped[str] = mapped_column(String(64))
    #: hex sha256(prev_hash + canonical JSON of this event's content)
    hash: Mapped[str] = mapped_column(String(64))


class SecurityLogHead(Base):
    """The newest event's id and hash. Appends lock this row, so the chain never forks."""

    __tablename__ = "security_log_head"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_hash: Mapped[str] = mapped_column(String(64))
    last_event_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
