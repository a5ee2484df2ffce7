"""Medical organisations (ESIA-style numeric ``oid``) and the employments of accounts in them."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Boolean, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from idp.database import Base
from shared.db import UTCDateTime, utcnow


class Organization(Base):
    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: ESIA-style numeric object id (``/rs/orgs/{org_oid}``, ``?org_oid=`` in scopes)
    oid: Mapped[int] = mapped_column(BigInteger, unique=True)
    ogrn: Mapped[str] = mapped_column(String(13), unique=True)
    inn: Mapped[str] = mapped_column(String(10))
    kpp: Mapped[str | None] = mapped_column(String(9), nullable=True)
    full_name: Mapped[str] = mapped_column(String(500))
    short_name: Mapped[str] = mapped_column(String(200))
    region_code: Mapped[str] = mapped_column(String(2))
    region_name: Mapped[str] = mapped_column(String(100))
    #: ESIA's organisation type: LEGAL
    type: Mapped[str] = mapped_column(String(16), default="LEGAL")
    phone: Mapped[str | None] = mapped_column(String(16), nullable=True)
    email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Employment(Base):
    """An account working in an organisation, with a position and a role (R-ACC-6)."""

    __tablename__ = "employments"
    __table_args__ = (UniqueConstraint("account_id", "organization_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    #: the position as written in the staff list, e.g. «Врач-терапевт участковый»
    position: Mapped[str] = mapped_column(String(200))
    #: doctor | nurse | lab | registrar | chief | authority_reg | authority_fed
    #: (idp.organizations.validation.ROLES)
    role: Mapped[str] = mapped_column(String(16))
    chief: Mapped[bool] = mapped_column(Boolean, default=False)
    #: administers the organisation's account in ESIA terms (``admin`` in ``/rs/prns/{oid}/roles``)
    admin: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    since: Mapped[dt.date] = mapped_column(Date)
    dismissed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
