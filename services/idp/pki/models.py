"""The trust store (trusted CAs, cached CRLs and OCSP answers) and certificates bound to accounts."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from idp.database import Base
from shared.db import UTCDateTime, utcnow


class TrustedCa(Base):
    """A CA certificate whose certificates the idp accepts. ``accredited``: a CA accredited under
    63-FZ, whose certificates are qualified (КЭП); otherwise they are unqualified (УНЭП)."""

    __tablename__ = "pki_trusted_cas"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    thumbprint: Mapped[str] = mapped_column(String(64), unique=True)
    der: Mapped[bytes] = mapped_column(LargeBinary)
    #: hex SHA-256 of the DER subject name: how a CRL or a certificate finds its issuer
    subject_key: Mapped[str] = mapped_column(String(64), index=True)
    subject: Mapped[str] = mapped_column(String(1000))
    accredited: Mapped[bool] = mapped_column(Boolean)
    not_after: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class CachedCrl(Base):
    """The newest CRL known for one issuer and source (an uploaded one, or one per distribution
    point URL), with when it was obtained: freshness is judged from these columns."""

    __tablename__ = "pki_crls"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: ``upload`` or the distribution point URL it was fetched from
    source: Mapped[str] = mapped_column(String(1000))
    issuer_key: Mapped[str] = mapped_column(String(64))
    der: Mapped[bytes] = mapped_column(LargeBinary)
    this_update: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    next_update: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    fetched_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ux_pki_crls_issuer_source", "issuer_key", "source", unique=True),)


class CachedOcspResponse(Base):
    """The newest OCSP answer (RFC 6960) known for one certificate, from the responder it names, with
    when it was obtained: freshness and the grace period are judged from these columns, as for CRLs."""

    __tablename__ = "pki_ocsp_responses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: the certificate's issuer (hex SHA-256 of its DER name) and serial number (hex)
    issuer_key: Mapped[str] = mapped_column(String(64))
    serial: Mapped[str] = mapped_column(String(64))
    #: the responder URL it came from
    source: Mapped[str] = mapped_column(String(1000))
    der: Mapped[bytes] = mapped_column(LargeBinary)
    #: good, revoked or unknown (for reading; validation reads the signed DER)
    status: Mapped[str] = mapped_column(String(8))
    this_update: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    next_update: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    fetched_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ux_pki_ocsp_responses_issuer_serial", "issuer_key", "serial", unique=True),)


class BoundCertificate(Base):
    """A certificate an account signs in with. ``kind``: ``qes`` (КЭП) or ``ues`` (УНЭП)."""

    __tablename__ = "pki_bound_certificates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    thumbprint: Mapped[str] = mapped_column(String(64), unique=True)
    der: Mapped[bytes] = mapped_column(LargeBinary)
    kind: Mapped[str] = mapped_column(String(8))
    #: subject, issuer, names and serial as read at bind time (no personal numbers: SNILS is not kept here)
    subject_snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)
    not_after: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: when the owner was told the certificate expires soon (once per certificate)
    expiry_notified_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)


class LoginChallenge(Base):
    """A one-time text a person signs to log in (login by signature). Bound to the browser that
    asked for it (``browser_key``: SHA-256 of its CSRF cookie), short-lived, spent by the first
    signature submitted for it (``used_at``, set by one conditional UPDATE)."""

    __tablename__ = "pki_login_challenges"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    handle: Mapped[str] = mapped_column(String(64), unique=True)
    text: Mapped[str] = mapped_column(String(200))
    browser_key: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
