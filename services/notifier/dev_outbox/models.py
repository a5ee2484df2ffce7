"""What the dev outbox keeps: the rendered message as a person would have received it.

Dev mode only (the settings refuse the outbox elsewhere): these rows hold codes in clear on
purpose, so that whoever runs the demo can read them at ``/dev/outbox``.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from notifier.database import Base
from shared.db import UTCDateTime, utcnow


class DevOutboxEntry(Base):
    __tablename__ = "dev_outbox_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    message_id: Mapped[str] = mapped_column(String(36), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(String(512), index=True)
    subject: Mapped[str | None] = mapped_column(String(255))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
