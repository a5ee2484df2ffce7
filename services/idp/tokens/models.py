"""Protocol artefacts: pending interactions, codes, refresh-token families, issued access tokens.

Codes and refresh tokens are random values stored only as SHA-256 hashes.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from idp.database import Base
from shared.db import UTCDateTime, utcnow


class AuthorizationCode(Base):
    __tablename__ = "authorization_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    client_id: Mapped[str] = mapped_column(String(128), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_sessions.id", ondelete="SET NULL"), nullable=True
    )
    sid: Mapped[str | None] = mapped_column(String(64), nullable=True)
    redirect_uri: Mapped[str] = mapped_column(String(500))
    scope: Mapped[str] = mapped_column(String(1000))
    nonce: Mapped[str | None] = mapped_column(String(500), nullable=True)
    code_challenge: Mapped[str | None] = mapped_column(String(128), nullable=True)
    code_challenge_method: Mapped[str | None] = mapped_column(String(10), nullable=True)
    resource: Mapped[str | None] = mapped_column(String(200), nullable=True)
    claims_request: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    auth_time: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    acr: Mapped[str] = mapped_column(String(64))
    amr: Mapped[list[str]] = mapped_column(JSON)
    #: the signer certificate's SHA-256 (hex) when the login was a signature (``cnf`` of the tokens)
    cert_thumbprint: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    #: the token family its exchange created, so that a replay can revoke it (RFC 6749 §4.1.2)
    family_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    #: SMART launch context: the person's Patient id at the FHIR server, found by the idp
    patient_id: Mapped[str | None] = mapped_column(String(64), nullable=True)


class RefreshToken(Base):
    __tablename__ = "refresh_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    family_id: Mapped[str] = mapped_column(String(64), index=True)
    client_id: Mapped[str] = mapped_column(String(128), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_sessions.id", ondelete="SET NULL"), nullable=True, index=True
    )
    sid: Mapped[str | None] = mapped_column(String(64), nullable=True)
    scope: Mapped[str] = mapped_column(String(1000))
    resource: Mapped[str | None] = mapped_column(String(200), nullable=True)
    claims_request: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    #: the SMART launch context of the code it descends from (kept through rotation)
    patient_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    auth_time: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    acr: Mapped[str] = mapped_column(String(64))
    amr: Mapped[list[str]] = mapped_column(JSON)
    #: the signer certificate's SHA-256 (hex) when the login was a signature (``cnf`` of the tokens)
    cert_thumbprint: Mapped[str | None] = mapped_column(String(64), nullable=True)
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    #: set when this token was exchanged for its successor (rotation)
    spent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)


class IssuedAccessToken(Base):
    """User-grant access tokens (by ``jti``) and revoked ones, for introspection and revocation."""

    __tablename__ = "issued_access_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    jti: Mapped[str] = mapped_column(String(64), unique=True)
    client_id: Mapped[str] = mapped_column(String(128), index=True)
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), nullable=True
    )
    family_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_sessions.id", ondelete="SET NULL"), nullable=True, index=True
    )
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    #: indexed: every process reads the recent revocations each second (tokens.revocations)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True, index=True)
    #: claims asked for individually with the ``claims`` parameter (OIDC Core §5.5) for UserInfo
    userinfo_claims: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)


class UsedClientAssertion(Base):
    """``jti`` of client assertions seen (RFC 7523 §3 replay protection), kept until they expire."""

    __tablename__ = "used_client_assertions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[str] = mapped_column(String(128))
    jti: Mapped[str] = mapped_column(String(200))
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)

    # the same jti twice for one client is a replay
    __table_args__ = (UniqueConstraint("client_id", "jti"),)
