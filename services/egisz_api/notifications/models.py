"""The notification tables: each patient's choices, the outbox of notices to send, and what the
«access to my record» scan has already told.

No contact address is stored here: the outbox keeps the patient id, and the address is read from
the Patient resource (``telecom``) when the notice is sent, so a changed address is used at once
and no copy of it lies in this table. Parameters hold no medical content (docs/rights.md).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from egisz_api.database import Base
from shared.db import UTCDateTime


class NotificationPreference(Base):
    """A patient's own choice of event × channel (no row: the defaults of ``events.DEFAULTS``)."""

    __tablename__ = "notification_preferences"

    patient_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    #: ``event:channel`` pairs separated by spaces (``events.encode``)
    choices: Mapped[str] = mapped_column(String(512))
    #: the language the notices are written in (the cabinet's when the choice was saved)
    locale: Mapped[str] = mapped_column(String(8), default="ru")
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class NotificationOutboxRow(Base):
    """One notice to one channel. ``pending`` rows are sent by the dispatcher; a row is written in the
    transaction of the change it reports, so it exists exactly when the change does."""

    __tablename__ = "notification_outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    #: the notifier's Idempotency-Key: a retry after a lost answer does not send twice
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    patient_id: Mapped[str] = mapped_column(String(64), index=True)
    event: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(8))
    locale: Mapped[str] = mapped_column(String(8))
    #: the template parameters as JSON (no medical content, no address)
    params: Mapped[str] = mapped_column(Text)
    #: pending → sent | no_address | dead
    status: Mapped[str] = mapped_column(String(16), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    #: the notifier's message id once it accepted the notice
    message_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    last_error: Mapped[str | None] = mapped_column(String(200), nullable=True)


class AccessNoticeMark(Base):
    """«Told this patient about this accessor on this (Moscow) day»: the deduplication of access
    notices, so one integrator's 20 searches make one notice."""

    __tablename__ = "notification_access_marks"
    __table_args__ = (UniqueConstraint("patient_id", "accessor", "day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    patient_id: Mapped[str] = mapped_column(String(64))
    accessor: Mapped[str] = mapped_column(String(256))
    day: Mapped[str] = mapped_column(String(10))


class NotificationCursor(Base):
    """How far a reader of the audit trail has got (``seq`` of the last event it handled)."""

    __tablename__ = "notification_cursors"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    position: Mapped[int] = mapped_column(BigInteger, default=0)
