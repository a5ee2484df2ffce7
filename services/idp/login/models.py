"""Authorization requests parked while the person logs in or consents."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Integer, String
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
    #: where the login and consent pages send the person back to; None: ``/authorize/resume`` (the
    #: OpenID Connect face). The ESIA face parks its requests with its own resume route.
    resume_path: Mapped[str | None] = mapped_column(String(100), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
