"""ESIA-face registrations: a client's ESIA settings and certificates, and the diagnoses of refusals.

A client of the ESIA face is an ordinary row of ``clients`` (its mnemonic is the ``client_id``; name,
redirect URIs, allowed scopes and token signing algorithm live there, shared with the OIDC face) plus
one :class:`EsiaClient` row with what only the ESIA face needs.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from idp.database import Base
from shared.db import UTCDateTime, utcnow

#: the issuer every ESIA client library expects by default (ESIA.md §5.2)
DEFAULT_ISSUER = "http://esia.gosuslugi.ru/"


class EsiaClient(Base):
    __tablename__ = "esia_clients"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: the mnemonic: ``clients.client_id`` of the same client
    client_id: Mapped[str] = mapped_column(
        String(128), ForeignKey("clients.client_id", ondelete="CASCADE"), unique=True
    )
    #: ``iss`` of the tokens issued to this client
    issuer: Mapped[str] = mapped_column(String(200), default=DEFAULT_ISSUER)
    #: how far ``timestamp`` may be from the server's clock either way, in seconds
    timestamp_window: Mapped[int] = mapped_column(Integer, default=300)
    #: strict (ESIA's exact rules) | lenient (every message variant, v1 strings on v2 endpoints,
    #: an empty secret at ``te``: ESIA.md §14)
    mode: Mapped[str] = mapped_column(String(8), default="strict")
    #: the account must be confirmed (ESIA-007055 otherwise)
    require_confirmed: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class EsiaClientCertificate(Base):
    """A certificate a client signs its ``client_secret`` with. v1 finds it by the certificate in
    the CMS (``sha256``); v2/v3 by ``client_certificate_hash``: Streebog-256 of the DER (``gost_hash``)."""

    __tablename__ = "esia_client_certificates"
    __table_args__ = (Index("ux_esia_client_certificates_client_sha256", "client_id", "sha256", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[str] = mapped_column(
        String(128), ForeignKey("clients.client_id", ondelete="CASCADE"), index=True
    )
    der: Mapped[bytes] = mapped_column(LargeBinary)
    #: hex SHA-1 (the «thumbPrint» ESIA's messages and CryptoPro show), SHA-256, Streebog-256 of the DER
    sha1: Mapped[str] = mapped_column(String(40))
    sha256: Mapped[str] = mapped_column(String(64))
    gost_hash: Mapped[str] = mapped_column(String(64), index=True)
    #: rsa | ecdsa | gost256 | gost512
    algorithm: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str] = mapped_column(String(1000))
    not_after: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class EsiaDiagnosis(Base):
    """Why one request of a client was refused, explained for the client's developers (issue 12
    item 8). ``handle`` is the short id in ``error_description``'s tail (``[diag 7f3a…]``)."""

    __tablename__ = "esia_diagnoses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    handle: Mapped[str] = mapped_column(String(32), unique=True)
    client_id: Mapped[str] = mapped_column(String(128), index=True)
    #: ac | v2/ac | te | v3/te | rs | logout
    endpoint: Mapped[str] = mapped_column(String(16))
    code: Mapped[str] = mapped_column(String(16))
    #: expected vs found, algorithm, skew, missing parameter, advice: never a secret
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
