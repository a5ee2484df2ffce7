"""Registered OAuth clients (relying parties, internal services, resource servers)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, BigInteger, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from idp.database import Base
from shared.db import UTCDateTime, utcnow

#: ``token_endpoint_auth_method`` of a client of the ESIA face only (``idp.esia``): it proves itself
#: with a signed ``client_secret`` at ``/aas/oauth2/...``; the OIDC face refuses it everywhere
ESIA_SIGNED_SECRET = "esia_signed_secret"


class Client(Base):
    __tablename__ = "clients"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[str] = mapped_column(String(128), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    #: confidential | public
    client_type: Mapped[str] = mapped_column(String(16), default="confidential")
    #: HMAC-SHA256 of the secret under the configured pepper (hex); None for public / key-auth clients
    secret_hash: Mapped[str | None] = mapped_column(String(128), nullable=True)
    token_endpoint_auth_method: Mapped[str] = mapped_column(String(32), default="client_secret_basic")
    grant_types: Mapped[list[str]] = mapped_column(JSON, default=list)
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    redirect_uris: Mapped[list[str]] = mapped_column(JSON, default=list)
    post_logout_redirect_uris: Mapped[list[str]] = mapped_column(JSON, default=list)
    backchannel_logout_uri: Mapped[str | None] = mapped_column(String(500), nullable=True)
    jwks: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    jwks_uri: Mapped[str | None] = mapped_column(String(500), nullable=True)
    signing_alg: Mapped[str] = mapped_column(String(32), default="RS256")
    default_audience: Mapped[str | None] = mapped_column(String(200), nullable=True)
    #: audiences (RFC 8707 resources) this client may ask tokens for; the default is always allowed
    audiences: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: an integrator system (EGISZ.md §5 ``mis``): the oid of the medical organisation it works for;
    #: its client_credentials tokens carry it as ``org`` with ``roles: ["mis"]``
    organization_oid: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    secret_rotated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
