"""Authorization requests parked while the person logs in or consents."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from idp.database import Base
from shared.db import UTCDateTime, utcnow


class Interaction(Base):
    __tablename__ = "interactions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    handle: Mapped[str] = mapped_column(String(64), unique=True)
    client_id: Mapped[str] = mapped_column(String(128))
    #: the authorization request's parameters, in order, as [name, value] pairs
    params: Mapped[list[list[str]]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class PendingLogin(Base):
    """A password that was right, waiting for its second factor (or a recovery in progress)."""

    __tablename__ = "pending_logins"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    handle: Mapped[str] = mapped_column(String(64), unique=True)
    #: login | recovery
    purpose: Mapped[str] = mapped_column(String(16), default="login")
    #: None for a recovery request naming no account (the flow looks the same either way)
    account_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    interaction_handle: Mapped[str | None] = mapped_column(String(64), nullable=True)
    next_path: Mapped[str | None] = mapped_column(String(300), nullable=True)
    #: sms | email | totp
    method: Mapped[str | None] = mapped_column(String(8), nullable=True)
    new_device: Mapped[bool] = mapped_column(Boolean, default=False)
    #: proposed key data waiting for its confirmation code, sealed (personal data)
    payload_encrypted: Mapped[str | None] = mapped_column(String(4000), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
