"""Outgoing messages (the transactional outbox) and their delivery attempts.

A message row *is* the queue entry: it is inserted in the request's transaction, and a dispatcher
claims it when ``next_attempt_at`` is due (or when the lease ``claimed_until`` of a claim made by a
process that died has run out). Recipient and parameters are stored sealed (AES-GCM, see
``sealing.py``); parameters are set to NULL once the message is delivered or expired.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from notifier.database import Base
from shared.db import UTCDateTime, utcnow


class Message(Base):
    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("sender", "idempotency_key"),
        Index("ix_messages_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    template: Mapped[str] = mapped_column(String(64))
    locale: Mapped[str] = mapped_column(String(8))
    channels: Mapped[list[str]] = mapped_column(JSON)
    #: sealed JSON of the Recipient; NULL only for rows accepted before encryption existed
    recipient_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    #: sealed JSON of the template parameters; NULL once purged
    params_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    params_purged_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    #: queued | sending | failed (retry scheduled) | delivered | dead | expired
    status: Mapped[str] = mapped_column(String(16), default="queued", index=True)
    sender: Mapped[str] = mapped_column(String(128))
    idempotency_key: Mapped[str | None] = mapped_column(String(255))
    #: keyed digest of the request body, to tell a replay from a conflicting reuse of the key
    request_digest: Mapped[str | None] = mapped_column(String(64))
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    #: position in ``channels`` of the channel being tried, and attempts made on it
    channel_index: Mapped[int] = mapped_column(Integer, default=0)
    channel_attempts: Mapped[int] = mapped_column(Integer, default=0)
    #: attempts since the message was (re)queued; the dead-letter bound applies to it
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    claimed_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    claim_token: Mapped[str | None] = mapped_column(String(32))
    delivered_channel: Mapped[str | None] = mapped_column(String(16))
    delivered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    attempt_rows: Mapped[list[DeliveryAttempt]] = relationship(
        back_populates="message",
        order_by="DeliveryAttempt.id",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )

    @property
    def current_channel(self) -> str | None:
        channels: list[Any] = list(self.channels)
        return str(channels[self.channel_index]) if self.channel_index < len(channels) else None


class DeliveryAttempt(Base):
    __tablename__ = "delivery_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    message_id: Mapped[str] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    #: attempt number on this channel, from 1
    number: Mapped[int] = mapped_column(Integer)
    #: sending | delivered | failed
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(500))
    #: the gateway's own id for the message, when it gives one
    provider_id: Mapped[str | None] = mapped_column(String(128))
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    message: Mapped[Message] = relationship(back_populates="attempt_rows")
